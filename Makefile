# Aduan: `make run` for a demo on this machine, `make test` for the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEV_ENV := DEBUG=1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run migrate test test-sqlite test-postgres fuzz bench bench-small diagram clean \
	serve-prod

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
	$(DEV_ENV) $(BIN)/python manage.py compile_translations

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput

# Demo: migrate, load the demo data (idempotent), serve on $(HOST):$(PORT) with the SLA
# worker beside the web server; Ctrl-C stops both.
run: migrate
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	@echo "Aduan on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	$(DEV_ENV) $(BIN)/python manage.py sla_worker --interval 30 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The production recipe of docs/deploy.md on this machine: a throwaway PostgreSQL, two gunicorn
# app servers and two SLA workers on loopback, and a check that they cooperate (PASS/FAIL).
# KEEP=1 keeps them serving until Ctrl-C; PORTS="8001 8002" fixes the servers' ports.
serve-prod: install
	KEEP=$(KEEP) PORTS="$(PORTS)" DUE=$(DUE) deploy/serve_prod.sh

test: test-sqlite test-postgres

test-sqlite: install
	$(BIN)/python -m pytest -q

# The same suite on a throwaway PostgreSQL cluster (pg_virtualenv, from postgresql-common).
# Without PostgreSQL this pass is skipped, unless REQUIRE_POSTGRES=1 makes that a failure.
test-postgres: install
	@if command -v pg_virtualenv >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		deploy/throwaway_pg.sh env TEST_DB=postgres $(BIN)/python -m pytest -q; \
	elif [ "$(REQUIRE_POSTGRES)" = "1" ]; then \
		echo "PostgreSQL is required (REQUIRE_POSTGRES=1) but pg_virtualenv/initdb are missing" >&2; exit 1; \
	else \
		echo "PostgreSQL not installed: skipping the PostgreSQL pass (set REQUIRE_POSTGRES=1 to fail)"; \
	fi

# Benchmarks on a throwaway PostgreSQL (docs/performance.md): a million complaints, or the
# small preset.
bench: install
	bench/run_all.sh 1000000

bench-small: install
	bench/run_all.sh 20000

# A longer fuzzing run than the bounded one in `make test` (docs/fuzzing.md).
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-300} $(BIN)/python -m pytest -q tests/fuzz

# Regenerate the state diagram in README.md from the workflow's transitions.
diagram: install
	$(DEV_ENV) $(BIN)/python manage.py state_diagram --write

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
