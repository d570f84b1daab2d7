# The two commands: `make run` (the product, embedded mode, demo data) and `make test` (the suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The suite runs in this many processes (pytest-xdist, a test file per process at a time); 0 runs it in this one.
TEST_WORKERS ?= 2

.PHONY: run test lint check messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py create_roles
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  CRM running at http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/, API: /api/docs/)"
	@echo "  Log in with one of the demo logins above. Stop with Ctrl+C."
	@echo ""
	EMBEDDED_SCHEDULER=$${EMBEDDED_SCHEDULER:-1} $(BIN)/uvicorn --host 127.0.0.1 --port $(PORT) --no-proxy-headers config.asgi:application

test: $(VENV)/.dev
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python manage.py train_intents --check

check: $(VENV)/.dev
	$(BIN)/python manage.py makemigrations --check --dry-run

messages: $(VENV)/.dev
	$(BIN)/python manage.py makemessages -l es --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	@echo "Translate the new entries in locale/es/LC_MESSAGES/django.po and clear any fuzzy flag, then:"
	msgfmt --check --statistics -o /dev/null locale/es/LC_MESSAGES/django.po
	$(BIN)/python manage.py compilemessages -l es --ignore=.venv

bench: $(VENV)/.dev
	$(BIN)/python bench/admin_lists.py

clean:
	rm -rf $(VENV) var/staticfiles .pytest_cache .ruff_cache
