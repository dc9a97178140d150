# spinemet: one command to set up and run the demo report, one to set up and run the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Set up, then write the study report of the bundled demo cohort (SQLite, no server needed).
demo: $(STAMP)
	$(BIN)/spinemet demo

## Set up, then run the linter and the whole test suite (PostgreSQL and browser tests included).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check .

## Benchmarks against lifelines and statsmodels (on demand; not part of the tests).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
