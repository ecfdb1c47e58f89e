# The two commands: `make serve` runs the REST service on the embedded SQLite
# store, `make test` runs the whole test suite. Each builds .venv when missing
# and installs what it needs: serving only the package, testing also the tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: test serve bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.serve-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.serve-installed

install: $(VENV)/.test-installed

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

serve: $(VENV)/.serve-installed
	$(BIN)/setu-planning serve $(SERVE_ARGS)

# make bench: every figure of docs/performance.md in one run (about 8 minutes), printed as a
# table and written there; BENCH_ARGS="--quick" checks the harness in about 2 (see --help).
BENCH_ARGS ?=

bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
