# Re:Match: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Django 6 needs Python 3.12 or newer: take the first interpreter on the machine that is.
PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 python3 $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do \
	  if "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo "$$p"; break; fi; done)
HOST ?= 127.0.0.1
PYTEST_ARGS ?= -n auto
PORT ?= 8000
# Links in e-mails point at the address the demo really serves, whatever HOST and PORT are.
SITE_URL ?= http://$(HOST):$(PORT)
DEMO_ENV := REMATCH_REQUIRE_MFA=false REMATCH_DEMO=true DEBUG=true SITE_URL=$(SITE_URL)
LOCK := requirements/base.txt
LOCK_DEV := requirements/dev.txt

.PHONY: run test install install-dev lock lint typecheck format messages compilemessages worker clean

# Installs come from the lock files (requirements/*.txt: exact versions with hashes, made by
# `make lock`), never from the open ranges in pyproject.toml, so every clone, CI run and Docker image
# gets the same packages. The project itself is installed on top without its dependencies; `pip
# check` then fails loudly when pyproject.toml names a package the lock does not have yet.
$(BIN)/.installed: pyproject.toml $(LOCK)
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is required (Django 6). Install it and retry."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@$(BIN)/python -m pip check >/dev/null || { $(BIN)/python -m pip check; \
	  echo "The lock file does not match pyproject.toml: run 'make lock' and commit requirements/."; exit 1; }
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed $(LOCK_DEV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK_DEV)
	@$(BIN)/python -m pip check >/dev/null || { $(BIN)/python -m pip check; \
	  echo "The lock file does not match pyproject.toml: run 'make lock' and commit requirements/."; exit 1; }
	touch $@

# Re-resolve the lock files after a change to the dependencies in pyproject.toml. Versions already
# pinned stay as they are; `make lock UPGRADE=--upgrade` (or UPGRADE="--upgrade-package django")
# moves them to the newest releases the ranges allow. Universal: one lock for Linux, macOS, Windows.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.12 --generate-hashes \
	--quiet --custom-compile-command "make lock" $(UPGRADE)
lock:
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is required (Django 6). Install it and retry."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet "uv>=0.9"
	$(UV_COMPILE) -o $(LOCK)
	$(UV_COMPILE) --extra dev -c $(LOCK) -o $(LOCK_DEV)

install: $(BIN)/.installed
install-dev: $(BIN)/.installed-dev

# The compiled catalogues are committed, so a machine without gettext still runs; with gettext
# they are rebuilt from the .po files.
compilemessages: $(BIN)/.installed
	@if command -v msgfmt >/dev/null; then $(BIN)/python manage.py compilemessages --ignore=.venv -v0; fi

messages: $(BIN)/.installed
	$(BIN)/python manage.py makemessages -l de -l en -l uk --ignore=.venv --ignore=staticfiles --no-obsolete -v0

run: $(BIN)/.installed compilemessages
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Re:Match runs at http://$(HOST):$(PORT)/ (stop with Ctrl-C). E-mails and sign-in codes appear in this console."
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(BIN)/.installed-dev compilemessages
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/pytest $(PYTEST_ARGS)

worker: $(BIN)/.installed
	$(BIN)/celery -A rematch --quiet worker --loglevel=INFO --concurrency=2

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The whole project with the django-stubs and DRF plugins; engine and scoring strict (pyproject.toml).
typecheck: $(BIN)/.installed-dev
	$(BIN)/mypy

format: $(BIN)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache
