# The README's commands. Everything runs from a project-local virtual environment.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint bench clean chromium messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Set up, migrate, load the demo island if the database is empty, serve on localhost.
run: install
	$(BIN)/gridgov db upgrade
	$(BIN)/gridgov demo --if-empty
	$(BIN)/gridgov serve

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/lint-imports
	$(BIN)/mypy

## Set up, lint, then the whole test suite (SQLite, and PostgreSQL when reachable; the
## browser tests when Chromium is there or can be installed, else they skip saying why).
test: lint chromium
	$(BIN)/python -m pytest

## Debian's Chromium and a CJK font for the browser tests (Playwright's own download is not used).
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && (apt-get update -qq >/dev/null && apt-get install -y -qq chromium fonts-noto-cjk fonts-wqy-zenhei >/dev/null) \
	  || echo "chromium not installed: the browser tests will skip"; }

## Extract the pages' and the code's messages and update the catalogs (then translate).
messages: install
	$(BIN)/python scripts/messages.py

bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/registry.py
	$(BIN)/python bench/access.py
	$(BIN)/python bench/partition.py --spopt-cap 60
	$(BIN)/python bench/cases.py

clean:
	rm -rf $(VENV) data .pytest_cache
