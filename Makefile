PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UI_STAMP := ui/node_modules/.installed
CLIENTS_STAMP := tests/clients/node_modules/.installed
PACKAGES := core broker ops ingest ui testing db internals graph rest alerts bench settings.py settings_checks.py main.py
HOST ?= 127.0.0.1
PORT ?= 8000
# uvicorn's own lines in LOG_FORMAT from its first (a --workers supervisor never loads the app).
UVICORN_LOGGING := --log-config ops/logging.json
# Per worker process; README "Production" explains each, and a test serves with exactly these.
UVICORN_LIMITS := --http ops.protocol:GuardedHttpToolsProtocol --limit-concurrency 1000 --backlog 2048 --timeout-keep-alive 5 --timeout-graceful-shutdown 30 --ws-max-size 1048576 --ws-ping-interval 20 --ws-ping-timeout 20

.PHONY: setup run migrate lint format test fuzz schema bench

$(STAMP): requirements.txt
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "lograph needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# The browser pages' assets (GraphiQL, Swagger UI, ReDoc), exactly as ui/package-lock.json pins them.
$(UI_STAMP): ui/package.json ui/package-lock.json
	cd ui && npm ci
	touch $(UI_STAMP)

# The Node.js clients the README's JavaScript examples import, for the tests that run them.
$(CLIENTS_STAMP): tests/clients/package.json tests/clients/package-lock.json
	cd tests/clients && npm ci
	touch $(CLIENTS_STAMP)

setup: $(STAMP) $(UI_STAMP) $(CLIENTS_STAMP)

migrate: setup
	$(BIN)/python -m db.migrate

run: setup  # the app applies pending migrations as it starts
	$(BIN)/uvicorn main:app --host $(HOST) --port $(PORT) $(UVICORN_LOGGING) $(UVICORN_LIMITS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(PACKAGES)

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m pytest

fuzz: setup  # also part of `make test`; this runs only the fuzz tests
	$(BIN)/python -m pytest -m fuzz

schema: setup
	$(BIN)/python -m graph.sdl

bench: setup
	$(BIN)/python -m bench.logs
	$(BIN)/python -m bench.alerts
	$(BIN)/python -m bench.query
