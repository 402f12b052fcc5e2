# The two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: demo test venv lint clean

$(VENV)/.installed: requirements/base.txt requirements/prod.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $@

venv: $(VENV)/.installed

## make demo: install, migrate the embedded SQLite database, load demo data, serve on 127.0.0.1:$(PORT)
demo: venv
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py migrate --noinput
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py seed_demo
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py demo_admin
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py runserver 127.0.0.1:$(PORT)

## make test: the whole suite, on DATABASE_URL/REDIS_URL when set, else SQLite
test: venv
	$(PY) -m pytest -n auto $(PYTEST_ARGS)

## make lint: style (ruff) and the layers between apps (import-linter, contracts in pyproject.toml)
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
