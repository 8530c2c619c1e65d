# The README's commands. Everything runs from a project-local virtual environment.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint bench clean

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

## Set up, lint, then the whole test suite (SQLite, and PostgreSQL when reachable).
test: lint
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/registry.py
	$(BIN)/python bench/access.py
	$(BIN)/python bench/partition.py --spopt-cap 60
	$(BIN)/python bench/cases.py

clean:
	rm -rf $(VENV) data .pytest_cache
