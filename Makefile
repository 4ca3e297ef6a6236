# `make run` and `make test` work on a fresh Debian machine with Python 3.11: each creates .venv
# first; `make test` also installs the Debian packages the tests drive (Chromium for the editor
# test, Virtuoso for the publish round trip) when they are missing.
PYTHON ?= python3.11
# `make run PORT=8001 HOST=0.0.0.0`: where `make run` serves.
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint build bench system clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/diplokg serve --host $(HOST) --port $(PORT)

build: $(STAMP)
	$(BIN)/diplokg build

# Debian packages for the browser and Virtuoso tests; needs root (CI runs as root).
system:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null 2>&1 || missing="$$missing chromium-driver"; \
	command -v virtuoso-t >/dev/null 2>&1 || missing="$$missing virtuoso-opensource"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

lint: $(STAMP)
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src tests

test: system lint
	$(BIN)/pytest

# Every goal of issue 16, measured beside its named alternative, printed last by goals.py;
# the real collection of 600 pages (about an hour on this 2-core machine, more when it is busy:
# build.py builds the collection twice; the first run also loads the servers' stores of it).
# `make bench QUICK=1`: 60 pages, short cells.
bench: $(STAMP)
	$(BIN)/python benchmarks/goals.py --reset
	$(BIN)/python benchmarks/build.py $(if $(QUICK),--quick)
	$(BIN)/python benchmarks/reasoning.py $(if $(QUICK),--sizes 10000)
	$(BIN)/python benchmarks/endpoint.py $(if $(QUICK),--quick)
	$(BIN)/python benchmarks/api.py $(if $(QUICK),--quick)
	$(BIN)/python benchmarks/goals.py

clean:
	rm -rf $(VENV) dist dist-drafts
