# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
# The example application (examples/foundry_app), the stand-in for the licensed product.
APP_PORT := $(shell echo $$(( $(PORT) + 1 )))
EXAMPLE_APP := examples/foundry_app
export FOUNDRY_APP_DATABASE_URL ?= sqlite:///$(CURDIR)/var/example-app.sqlite3
# DEBUG is off unless asked for (the settings refuse the development secret key without it):
# everything run from here is development, so it asks. Production never runs make; bench/ sets
# its own production-like environment.
export DJANGO_DEBUG ?= True

.PHONY: run test lint format migrate demo reap clean help bench screenshots

help:
	@echo "make run [PORT=8000]  set up, load demo data, start web + Celery worker + beat,"
	@echo "                      and the example application on PORT+1"
	@echo "make test             run the whole test suite"
	@echo "make lint             ruff, import-linter (dependency direction), mypy, migrations check"
	@echo "make format           ruff format and fix"
	@echo "make bench [N=100000] [STORM=1] benchmarks against Django baselines (last line: JSON)"
	@echo "make screenshots      every portal page at phone and laptop size, in test-artifacts/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-deps: requirements.txt $(EXAMPLE_APP)/requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt -r $(EXAMPLE_APP)/requirements.txt
	@touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt $(EXAMPLE_APP)/requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	@touch $@ $(VENV)/.run-deps

migrate: $(VENV)/.run-deps
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py oidc_dev_key
	PORTAL_BASE_URL=$${PORTAL_BASE_URL:-http://127.0.0.1:$(PORT)} \
	  $(BIN)/python manage.py seed_demo --example-app http://127.0.0.1:$(APP_PORT)
	cd $(EXAMPLE_APP) && $(abspath $(BIN))/python manage.py migrate --noinput -v 0

run: demo
	@PORT=$(PORT) APP_PORT=$(APP_PORT) BIN=$(BIN) bash scripts/run-dev.sh

test: $(VENV)/.dev-deps
	$(BIN)/pytest

# Every portal page as each role sees it, at 390x844 and 1280x800 (Chromium), saved as PNGs under
# test-artifacts/screenshots/ (emptied first).
screenshots: $(VENV)/.dev-deps
	FOUNDRY_SCREENSHOTS=1 $(BIN)/pytest tests/browser/test_screenshots.py -q -p no:cacheprovider

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

format: $(VENV)/.dev-deps
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

reap: $(VENV)/.run-deps
	$(BIN)/python manage.py reap_seats

clean:
	rm -rf var .pytest_cache .ruff_cache test-artifacts

# Benchmarks against Django's own baselines; PostgreSQL when DATABASE_URL is set, else SQLite.
# Works in a throwaway database. `make bench N=10000` for a smaller reap size.
N ?= 100000
ROUNDS ?= 300
# The login storm runs by default on PostgreSQL only; STORM=1 forces it on, STORM=0 off.
STORM ?=
bench: $(VENV)/.run-deps
	$(BIN)/python bench/run.py --n $(N) --rounds $(ROUNDS) $(if $(STORM),$(if $(filter 0,$(STORM)),--no-storm,--storm))
