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
BUILD_SOURCES := template.yaml $(LOCK) layers/shared/Makefile layers/dependencies/Makefile $(shell find functions layers/shared -name '*.py' -not -path '*/__pycache__/*')
# The operator console (console/): npm dependencies, its two bundles (AWS and local stack), and the
# local bundle alone, which is all the local stack serves.
CONSOLE_STAMP := console/node_modules/.installed
CONSOLE_SOURCES := $(shell find console/src console/index.html console/public console/vite.config.ts console/tsconfig.json \
	console/package.json -type f ! -name schema.d.ts 2>/dev/null) docs/openapi.json
# What tsc reads (tsconfig.json: src, tests and the configs), the script that bans `any`, and the
# contract the typed client is generated from: make typecheck checks them, and the build reuses that
# check instead of running it again (make test does both; tsc is ~12 CPU-seconds).
CONSOLE_TYPED := $(shell find console/src console/tests console/scripts -type f ! -name schema.d.ts 2>/dev/null) \
	$(wildcard console/*.ts) console/tsconfig.json console/package.json docs/openapi.json
CONSOLE_TYPES := console/node_modules/.typechecked
CONSOLE_BUILD := console/dist/.built
CONSOLE_LOCAL := console/dist/local-stack/index.html
ENV ?= dev
# Python caches each module's bytecode in __pycache__ (ignored by git) unless PYTHONDONTWRITEBYTECODE
# is set, as it is on some machines (these included). Then every Python process make test starts (two
# test workers, the end-to-end run, the local stacks and CLI commands it spawns, the linters)
# compiled botocore, moto, pydantic and the rest again: ~4.5 of the ~8 CPU-seconds a pytest process
# needs to import them. uv installs no bytecode, so the first process to import a module writes it.
unexport PYTHONDONTWRITEBYTECODE

.DEFAULT_GOAL := help
.PHONY: help install demo test lint typecheck cfn-lint checkov audit lock build build-check unit integration e2e up \
	bench bench-console console-test checks openapi deploy clean test-deep

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

# uv installs what pip would, from the same index, in a fraction of the time (a fresh clone's make test
# has a time bound): pip only bootstraps it.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet 'uv>=0.5'
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $(STAMP)

$(CONSOLE_STAMP): console/package-lock.json
	cd console && npm ci --no-audit --no-fund
	touch $@

$(CONSOLE_LOCAL): $(CONSOLE_STAMP) $(CONSOLE_SOURCES)
	cd console && npm run build:local

install: $(STAMP) $(CONSOLE_STAMP) ## Build .venv with the project and its dev tools; npm ci for the console

demo: install $(CONSOLE_LOCAL) ## Run a demo batch end to end on the local stack, then show it in the console
	$(BIN)/dispatch demo

up: install $(CONSOLE_LOCAL) ## Serve the local stack: API 127.0.0.1:3000, console :3001, AWS endpoint :4566 (API_PORT=, CONSOLE_PORT=, AWS_PORT=)
	$(BIN)/dispatch up $(if $(API_PORT),--api-port $(API_PORT)) $(if $(CONSOLE_PORT),--console-port $(CONSOLE_PORT)) $(if $(AWS_PORT),--aws-port $(AWS_PORT))

# Two lanes at once: unit and integration tests (CPU-bound, both cores) in the background from the
# start, their output kept in .test-logs/ and shown when they end; meanwhile the checks (lint, types,
# template, build), the end-to-end tests and then the console's, which spend much of their time on
# one core or waiting on the local stack. One after the other they took ten of a fresh clone's
# thirteen minutes. Both lanes always run to the end; either failing fails make test.
test: install ## Lint, type-check, check the template and the build, run every test (the console's included)
	@mkdir -p .test-logs
	@echo "unit and integration tests in the background (.test-logs/unit-integration.log); checks, end-to-end, then console tests"
	@$(BIN)/pytest -q -n 2 tests/unit tests/integration > .test-logs/unit-integration.log 2>&1 & unit=$$!; \
	$(MAKE) --no-print-directory checks && $(BIN)/pytest -q tests/e2e && $(MAKE) --no-print-directory console-test; \
	lane=$$?; wait $$unit; unit_status=$$?; \
	echo "--- unit and integration tests"; cat .test-logs/unit-integration.log; \
	exit $$(( lane != 0 || unit_status != 0 ))

checks: install lint typecheck cfn-lint checkov audit build-check ## Everything make test checks before its tests (lint, types, template, build)

console-test: install $(CONSOLE_BUILD) ## The console: vitest, then the browser journeys against a local stack (headless Chromium)
	cd console && npm run test:unit && npm run test:journeys

test-deep: install ## Unit and integration tests with the property tests' full example counts (make test draws a fifth)
	DISPATCH_TEST_DEPTH=deep $(BIN)/pytest -q -n 2 tests/unit tests/integration

unit: install ## Unit tests only
	$(BIN)/pytest -q tests/unit

integration: install ## Integration tests (handlers against moto)
	$(BIN)/pytest -q tests/integration

e2e: install ## End-to-end tests on the local stack
	$(BIN)/pytest -q tests/e2e

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install $(CONSOLE_TYPES) ## mypy (strict) over the production code and the local runtime; tsc over the console
	$(BIN)/mypy layers/shared/python/dispatch functions local deploy console/tests/journeys

$(CONSOLE_TYPES): $(CONSOLE_STAMP) $(CONSOLE_TYPED)
	cd console && npm run --silent typecheck
	touch $@

cfn-lint: install ## Lint template.yaml
	$(BIN)/cfn-lint template.yaml

$(TOOLS)/%/.installed: tools/%.txt $(STAMP)
	rm -rf $(TOOLS)/$*
	$(BIN)/uv venv --quiet --python $(PYTHON) $(TOOLS)/$*
	$(BIN)/uv pip install --quiet --python $(TOOLS)/$*/bin/python -r $<
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

$(CONSOLE_BUILD): $(CONSOLE_STAMP) $(CONSOLE_SOURCES) | $(CONSOLE_TYPES)
	cd console && npm run bundles
	touch $@

build: $(BUILD_STAMP) $(CONSOLE_BUILD) ## sam build (python3.12, arm64) and the console's two bundles, each skipped when nothing changed; print the console's first-screen JS
	cd console && npm run --silent size

build-check: install build ## The build: each function with its layers under 250 MB unzipped, arm64 binaries, locked versions
	$(BIN)/pytest -q tests/build

bench: install ## Benchmarks (figures in the README)
	$(BIN)/python -m bench
	$(MAKE) --no-print-directory bench-console

bench-console: install $(CONSOLE_BUILD) ## The console's first screen on the local stack (10,000 batches), in headless Chromium
	cd console && npm run bench

deploy: build ## Deploy to AWS (ENV=dev|prod): sam deploy of the build, then the console bundle and its config.json
	$(SAM) deploy --config-env $(ENV)
	$(BIN)/python -m deploy.publish_console --config-env $(ENV)

openapi: install ## Regenerate docs/openapi.json from the API code
	$(BIN)/dispatch openapi > docs/openapi.json

clean: ## Remove the virtualenv, the tools, the console's dependencies and builds, and caches
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache .aws-sam .local .test-logs
	rm -rf console/node_modules console/dist console/test-results console/playwright-report
