PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
UI_STAMP := ui/node_modules/.installed
CLIENTS_STAMP := tests/clients/node_modules/.installed
PACKAGES := core broker ops ingest ui testing db internals graph rest alerts bench settings.py settings_checks.py main.py
HOST ?= 127.0.0.1
PORT ?= 8000
# uvicorn's own lines in LOG_FORMAT from its first (a --workers supervisor never loads the app).
UVICORN_LOGGING := --log-config ops/logging.json
# Per worker process; docs/operations.md "Production" explains each, and a test serves with exactly these.
UVICORN_LIMITS := --http ops.protocol:GuardedHttpToolsProtocol --limit-concurrency 1000 --backlog 2048 --timeout-keep-alive 5 --timeout-graceful-shutdown 30 --ws-max-size 1048576 --ws-ping-interval 20 --ws-ping-timeout 20

.PHONY: setup run migrate lint format test test-quick test-future fuzz schema bench

$(STAMP): requirements.txt
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "lograph needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# Tests and tooling (pytest, linters, fuzzer, browser driver, shippers' clients): not needed to run.
$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(DEV_STAMP)

# The browser pages' assets (GraphiQL, Swagger UI, ReDoc), exactly as ui/package-lock.json pins them.
$(UI_STAMP): ui/package.json ui/package-lock.json
	cd ui && npm ci
	touch $(UI_STAMP)

# The Node.js clients the docs' JavaScript examples import, for the tests that run them.
$(CLIENTS_STAMP): tests/clients/package.json tests/clients/package-lock.json
	cd tests/clients && npm ci
	touch $(CLIENTS_STAMP)

setup: $(STAMP) $(DEV_STAMP) $(UI_STAMP) $(CLIENTS_STAMP)

migrate: $(STAMP)
	$(BIN)/python -m db.migrate

run: $(STAMP) $(UI_STAMP)  # the app applies pending migrations as it starts
	$(BIN)/uvicorn main:app --host $(HOST) --port $(PORT) $(UVICORN_LOGGING) $(UVICORN_LIMITS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(PACKAGES) tests

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m pytest

# The edit-and-check loop: no linters, no tests marked slow, one worker process per core (the
# tests sharing the test Redis database take turns: tests/conftest.py), and not the fuzzer's
# pytest plugins (loading hypothesis costs each process seconds).
test-quick: setup
	$(BIN)/python -m pytest -m "not slow" -n auto -p no:schemathesis -p no:hypothesispytest

# The whole suite with every Python process's wall clock 1,200 days ahead (testing/clock): no
# test may pass only near the day it was written.
test-future: setup
	LOGRAPH_TEST_CLOCK_SHIFT_DAYS=1200 PYTHONPATH=$(CURDIR)/testing/clock $(BIN)/python -m pytest

fuzz: setup  # also part of `make test`; this runs only the fuzz tests
	$(BIN)/python -m pytest -m fuzz

schema: $(STAMP)
	$(BIN)/python -m graph.sdl

bench: setup
	$(BIN)/python -m bench.logs
	$(BIN)/python -m bench.alerts
	$(BIN)/python -m bench.query
