# spinemet: one command to set up and run the demo report, one to set up and run the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-pandas3 lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' 'pandas>=2.2,<3'
	touch $(STAMP)

# spinemet supports pandas 2.2 and pandas 3 (its string dtype): `make test` runs on pandas 2.x,
# `make test-pandas3` runs the same suite again in a second venv with pandas 3.
PD3_VENV := .venv-pd3
PD3_STAMP := $(PD3_VENV)/.installed

$(PD3_STAMP): pyproject.toml
	$(PYTHON) -m venv $(PD3_VENV)
	$(PD3_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PD3_VENV)/bin/python -m pip install --quiet -e '.[dev]' 'pandas>=3'
	touch $(PD3_STAMP)

## Set up, then write the study report of the bundled demo cohort (SQLite, no server needed).
demo: $(STAMP)
	$(BIN)/spinemet demo

## Set up, then run the linter and the whole test suite (PostgreSQL and browser tests included).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2

## The whole test suite again on pandas 3 (second venv .venv-pd3).
test-pandas3: $(PD3_STAMP)
	$(PD3_VENV)/bin/python -c "import pandas, sys; sys.exit(pandas.__version__ < '3')"
	$(PD3_VENV)/bin/python -m pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check .

## Benchmarks against lifelines and statsmodels (on demand; not part of the tests).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(PD3_VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
