# Batch Dispatch — run `make help` for the list of targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The operator console (console/): npm dependencies, and the local build the local stack serves.
CONSOLE_STAMP := console/node_modules/.installed
CONSOLE_LOCAL := console/dist/local-stack/index.html
CONSOLE_SOURCES := $(shell find console/src console/index.html console/vite.config.ts console/tsconfig.json \
	console/package.json -type f ! -name schema.d.ts 2>/dev/null) docs/openapi.json
ENV ?= dev

.DEFAULT_GOAL := help
.PHONY: help install demo test lint typecheck cfn-lint unit integration e2e up bench openapi clean build \
	console-test bench-console deploy

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(CONSOLE_STAMP): console/package-lock.json
	cd console && npm ci --no-audit --no-fund
	touch $@

$(CONSOLE_LOCAL): $(CONSOLE_STAMP) $(CONSOLE_SOURCES)
	cd console && npm run build:local

install: $(STAMP) $(CONSOLE_STAMP) ## Build .venv with the project and its dev tools; npm ci for the console

demo: install $(CONSOLE_LOCAL) ## Run a demo batch end to end on the local stack, then show it in the console
	$(BIN)/dispatch demo

up: install $(CONSOLE_LOCAL) ## Serve the local stack: API 127.0.0.1:3000, console :3001, AWS endpoint :4566
	$(BIN)/dispatch up

build: install ## Build the console (console/dist/aws and dist/local-stack); print the first screen's JS size
	cd console && npm run build

test: install lint typecheck cfn-lint ## Lint, type-check, cfn-lint and run every test (the console's included)
	$(BIN)/pytest -q -n 2 -m "not serial" tests/unit tests/integration
	$(BIN)/pytest -q -m serial tests/integration
	$(BIN)/pytest -q tests/e2e
	$(MAKE) --no-print-directory console-test

console-test: install ## The console: build both bundles, then vitest and the browser journeys (headless Chromium)
	cd console && npm run build && npm run test:unit && npm run test:journeys

unit: install ## Unit tests only
	$(BIN)/pytest -q tests/unit

integration: install ## Integration tests (handlers against moto)
	$(BIN)/pytest -q tests/integration

e2e: install ## End-to-end tests on the local stack
	$(BIN)/pytest -q tests/e2e

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy (strict) over the production code and the local runtime; tsc over the console
	$(BIN)/mypy layers/shared/python/dispatch functions local deploy
	cd console && npm run --silent typecheck

cfn-lint: install ## Lint template.yaml
	$(BIN)/cfn-lint template.yaml

bench: install ## Benchmarks (figures in the README)
	$(BIN)/python -m bench
	$(MAKE) --no-print-directory bench-console

bench-console: install ## The console's first screen on the local stack (10,000 batches), in headless Chromium
	cd console && npm run build && npm run bench

deploy: build ## Deploy to AWS (ENV=dev|prod): sam build + deploy, then the console bundle and its config.json
	sam build
	sam deploy --config-env $(ENV)
	$(BIN)/python -m deploy.publish_console --config-env $(ENV)

openapi: install ## Regenerate docs/openapi.json from the API code
	$(BIN)/dispatch openapi > docs/openapi.json

clean: ## Remove the virtualenv, the console's dependencies and builds, and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .aws-sam .local
	rm -rf console/node_modules console/dist console/test-results console/playwright-report
