# Batch Dispatch — run `make help` for the list of targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install demo test lint typecheck cfn-lint unit integration e2e up bench openapi clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Build .venv with the project and its dev tools

demo: install ## Run a demo batch end to end on the local stack
	$(BIN)/dispatch demo

up: install ## Serve the local stack: HTTP API on 127.0.0.1:3000, AWS endpoint on 127.0.0.1:4566
	$(BIN)/dispatch up

test: install lint typecheck cfn-lint ## Lint, type-check, cfn-lint and run every test
	$(BIN)/pytest -q -n 2 -m "not serial" tests/unit tests/integration
	$(BIN)/pytest -q -m serial tests/integration
	$(BIN)/pytest -q tests/e2e

unit: install ## Unit tests only
	$(BIN)/pytest -q tests/unit

integration: install ## Integration tests (handlers against moto)
	$(BIN)/pytest -q tests/integration

e2e: install ## End-to-end tests on the local stack
	$(BIN)/pytest -q tests/e2e

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy (strict) over the production code and the local runtime
	$(BIN)/mypy layers/shared/python/dispatch functions local deploy

cfn-lint: install ## Lint template.yaml
	$(BIN)/cfn-lint template.yaml

bench: install ## Benchmarks (figures in the README)
	$(BIN)/python -m bench

openapi: install ## Regenerate docs/openapi.json from the API code
	$(BIN)/dispatch openapi > docs/openapi.json

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .aws-sam .local
