# The classroom companion. `make run` to start it, `make test` to check it, `make bench` to measure it.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-postgres bench lint install system-packages clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) .env

# A random SECRET_KEY, written once into the untracked .env (settings refuse to start without one).
.env:
	@$(PYTHON) -c "import secrets; print('SECRET_KEY=' + secrets.token_urlsafe(50))" > .env
	@echo "Wrote a new SECRET_KEY into .env"

run: install
	$(PY) scripts/serve.py

# Debian's chromium for the browser tests (Playwright's own browser download cannot work offline)
# and docker-compose, which validates docker-compose.yml without a Docker engine.
system-packages:
	@if ! command -v chromium >/dev/null || ! command -v docker-compose >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium docker-compose >/dev/null; \
	  else echo "Install Debian's chromium and docker-compose for the tests (apt-get install chromium docker-compose)"; exit 1; fi; \
	fi

test: install system-packages
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

# The database-touching tests again on a real PostgreSQL (Debian's package), started for the run.
test-postgres: install
	bash scripts/with_postgres.sh $(PY) -m pytest -m "not browser and not slow" $(PYTEST_ARGS)

# DATASET: a folder with bird/ and forest/ photos (default: ../shared/datasets/bird-forest).
bench: install
	$(PY) bench/cups_load.py --students 2000 --window 10 --idle 60 --web-workers 2 --flood
	$(PY) bench/training.py $(DATASET)

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

clean:
	rm -rf var/test* .pytest_cache
