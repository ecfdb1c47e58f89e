# The two commands: `make serve` runs the REST service on the embedded SQLite
# store, `make test` runs the whole test suite. Each builds .venv when missing
# and installs what it needs: serving only the package, testing also the tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: test lint serve bench install clean

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

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The habits: lint and format (ruff), types of the model and the use cases (mypy), and the
# layering (import-linter). The installed package maps setu_planning.* onto the top-level
# folders; mypy and import-linter read a tree of links with the installed shape.
LINKS := $(VENV)/links
lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@mkdir -p $(LINKS)/setu_planning
	@ln -sfn $(CURDIR)/setu_planning/__init__.py $(LINKS)/setu_planning/__init__.py
	@for layer in domain application interface; do ln -sfn $(CURDIR)/$$layer $(LINKS)/setu_planning/$$layer; done
	cd $(LINKS) && MYPYPATH=. $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/pyproject.toml \
		-p setu_planning.domain -p setu_planning.application
	cd $(LINKS) && PYTHONPATH=. $(CURDIR)/$(BIN)/lint-imports --no-cache $(CURDIR)/pyproject.toml

serve: $(VENV)/.serve-installed
	$(BIN)/setu-planning serve $(SERVE_ARGS)

# make bench: every figure of docs/performance.md in one run (about 8 minutes), printed as a
# table and written there; BENCH_ARGS="--quick" checks the harness in about 2 (see --help).
BENCH_ARGS ?=

bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
