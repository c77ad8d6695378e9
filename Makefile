# Lien: make demo (try it), make test (everything CI runs), make lint, make bench.
SHELL := /bin/bash
PY := .venv/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PROD_PORT ?= 8080
PYTEST_WORKERS ?= auto

.PHONY: setup setup-dev demo serve serve-prod migrate messages test test-sqlite test-postgres lint bench clean

setup:
	scripts/setup.sh

setup-dev:
	scripts/setup.sh --dev

migrate: setup
	$(MANAGE) migrate --no-input -v 0

demo: setup migrate
	$(MANAGE) collectstatic --no-input -v 0
	$(MANAGE) seed_demo
	@echo "Lien tourne sur http://$(HOST):$(PORT)/ (Ctrl+C pour arrêter)"
	$(MANAGE) runserver $(HOST):$(PORT) --insecure

# The production stack on this machine (docs/PRODUCTION.md): nginx, gunicorn, daphne, Celery
# worker and beat, on the local PostgreSQL (database lien_prod_local) and Redis; data in var/prod.
serve-prod: setup-dev
	$(PY) scripts/prodstack.py --port $(PROD_PORT) --seed-demo

messages: setup-dev
	cd src/lien && ../../$(MANAGE) makemessages -l en --no-obsolete && ../../$(MANAGE) compilemessages

lint: setup-dev
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	env -u DATABASE_URL $(MANAGE) makemigrations --check --dry-run -v 1
	.venv/bin/mypy src/lien/*/policy.py src/lien/*/services.py
	scripts/check_messages.sh

test: lint
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite: setup-dev
	@echo "== Test suite on SQLite (embedded mode) =="
	env -u DATABASE_URL -u REDIS_URL .venv/bin/pytest -n $(PYTEST_WORKERS) -q

test-postgres: setup-dev
	@if [ -z "$$DATABASE_URL" ]; then \
	  echo "== SKIPPED: the PostgreSQL run (DATABASE_URL is not set) =="; \
	else \
	  echo "== Test suite on PostgreSQL ($${DATABASE_URL%%\?*}) with Redis ($${REDIS_URL:-not set}) =="; \
	  [ -n "$$REDIS_URL" ] || echo "== SKIPPED: Redis (REDIS_URL is not set) =="; \
	  .venv/bin/pytest -n $(PYTEST_WORKERS) -q -m "not browser"; \
	fi

bench: setup-dev
	env -u DATABASE_URL -u REDIS_URL $(PY) bench/run.py
	env -u DATABASE_URL -u REDIS_URL $(PY) bench/messaging.py
	env -u DATABASE_URL -u REDIS_URL $(PY) bench/login.py
	$(PY) bench/production.py
	env -u DATABASE_URL -u REDIS_URL $(PY) bench/surge.py

clean:
	rm -rf .venv var
