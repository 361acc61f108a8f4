# Batch Dispatch — run `make help` for the list of targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Tools whose pinned dependencies must not enter .venv each get an environment of their own.
TOOLS := .tools
LOCK := layers/dependencies/requirements.txt
# sam build runs the layer's pip with Lambda's python3.12 (on these machines: pyenv's, by PYENV_VERSION).
LAMBDA_PYTHON_ENV ?= PYENV_VERSION=3.11.7:3.12.1
SAM := SAM_CLI_TELEMETRY=0 $(LAMBDA_PYTHON_ENV) $(TOOLS)/sam/bin/sam
BUILD_STAMP := .aws-sam/build/.built
BUILD_SOURCES := template.yaml $(LOCK) $(shell find functions layers/shared -name '*.py' -not -path '*/__pycache__/*')

.DEFAULT_GOAL := help
.PHONY: help install demo test lint typecheck cfn-lint checkov audit lock build build-check unit integration e2e up bench openapi clean

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

up: install ## Serve the local stack: HTTP API on 127.0.0.1:3000, AWS endpoint on 127.0.0.1:4566 (API_PORT=, AWS_PORT=)
	$(BIN)/dispatch up $(if $(API_PORT),--api-port $(API_PORT)) $(if $(AWS_PORT),--aws-port $(AWS_PORT))

test: install lint typecheck cfn-lint checkov audit build-check ## Lint, type-check, check the template and the build, run every test
	$(BIN)/pytest -q -n 2 tests/unit tests/integration
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
	$(BIN)/mypy layers/shared/python/dispatch functions local

cfn-lint: install ## Lint template.yaml
	$(BIN)/cfn-lint template.yaml

$(TOOLS)/%/.installed: tools/%.txt
	rm -rf $(TOOLS)/$*
	$(PYTHON) -m venv $(TOOLS)/$*
	$(TOOLS)/$*/bin/pip install --quiet --upgrade pip
	$(TOOLS)/$*/bin/pip install --quiet -r $<
	touch $@

checkov: $(TOOLS)/checkov/.installed ## checkov over template.yaml (each accepted skip is commented beside its resource)
	$(TOOLS)/checkov/bin/checkov --quiet --compact --skip-download --framework cloudformation --file template.yaml

lock: install ## Re-lock the Lambda layer's dependencies (requirements.in) for python3.12 on manylinux aarch64, with hashes
	$(BIN)/uv pip compile layers/dependencies/requirements.in --python-version 3.12 \
		--python-platform aarch64-manylinux_2_34 --generate-hashes --no-strip-extras --upgrade -o $(LOCK)

audit: install ## pip-audit the Lambda layer's lock file
	$(BIN)/python tools/audit.py

$(BUILD_STAMP): $(TOOLS)/sam/.installed $(BUILD_SOURCES)
	$(SAM) build --cached --parallel
	touch $@

build: $(BUILD_STAMP) ## sam build for Lambda (python3.12, arm64) into .aws-sam/build; skipped when nothing changed

build-check: install build ## The build: each function with its layers under 250 MB unzipped, arm64 binaries, locked versions
	$(BIN)/pytest -q tests/build

bench: install ## Benchmarks (figures in the README)
	$(BIN)/python -m bench

openapi: install ## Regenerate docs/openapi.json from the API code
	$(BIN)/dispatch openapi > docs/openapi.json

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache .aws-sam .local
