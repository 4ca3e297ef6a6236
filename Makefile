# `make run` and `make test` work on a fresh machine with Python 3.11: each creates .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint build bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/diplokg serve --host 127.0.0.1 --port 8000

build: $(STAMP)
	$(BIN)/diplokg build

lint: $(STAMP)
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/reasoning.py
	$(BIN)/python benchmarks/endpoint.py

clean:
	rm -rf $(VENV) dist
