# centre — the two commands a newcomer needs: `make run` and `make test`.
# Everything is installed into .venv from pinned requirements; nothing by hand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PO := $(wildcard centre/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?= -n 2

.PHONY: run test lint setup setup-dev translations extract-messages instance clean bench help
.DEFAULT_GOAL := help

help:
	@echo "make run    set up (venv, keys, SQLite database, first admin) and serve on http://$(HOST):$(PORT)"
	@echo "make test   set up and run the whole test suite (SQLite; PostgreSQL if TEST_DATABASE_URL is set)"
	@echo "make lint   ruff, mypy, and the models-versus-migrations check"

$(BIN)/.runtime: requirements.txt
	@echo "==> Creating the virtual environment in $(VENV) and installing pinned dependencies"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(BIN)/.dev: $(BIN)/.runtime requirements-dev.txt
	@echo "==> Installing test and lint tools"
	@$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

setup: $(BIN)/.runtime translations
setup-dev: $(BIN)/.dev translations

%.mo: %.po $(BIN)/.runtime
	@$(BIN)/pybabel compile --statistics -i $< -o $@

translations: $(MO)
	@echo "==> Translations compiled (fr, nl, en)"

extract-messages: $(BIN)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o centre/translations/messages.pot --no-location --sort-output --project centre .
	$(BIN)/pybabel update -i centre/translations/messages.pot -d centre/translations --no-fuzzy-matching --ignore-obsolete

instance: setup
	@echo "==> Development keys in instance/ (kept out of the database and out of git)"
	@$(FLASK) keys init
	@echo "==> Migrating the SQLite database instance/centre.db"
	@$(FLASK) db upgrade
	@echo "==> Checking for an administrator account"
	@$(FLASK) users ensure-admin

run: instance
	@echo "==> Serving centre on http://$(HOST):$(PORT) (Ctrl+C to stop)"
	@$(FLASK) run --host $(HOST) --port $(PORT)

test: setup-dev
	@echo "==> Running the test suite$(if $(TEST_DATABASE_URL), on SQLite and PostgreSQL, on SQLite only (set TEST_DATABASE_URL for PostgreSQL))"
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup-dev
	@echo "==> ruff"
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@echo "==> mypy"
	@$(BIN)/mypy
	@echo "==> models versus migrations"
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  CENTRE_ENV=development DATABASE_URL="sqlite:///$$tmp/check.db" CENTRE_INSTANCE_DIR="$$tmp" \
	  CENTRE_KEYRING_FILE="$$tmp/keyring.json" CENTRE_KEYSTORE_URL="sqlite:///$$tmp/ks.db" \
	  sh -c '$(FLASK) keys init >/dev/null && $(FLASK) db upgrade >/dev/null 2>&1 && $(FLASK) db check'

bench: setup-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	find centre/translations -name '*.mo' -delete
