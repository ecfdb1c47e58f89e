# The two commands: `make serve` runs the REST service on the embedded SQLite
# store, `make test` runs the whole test suite. Both build .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test serve bench install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

serve: $(STAMP)
	$(BIN)/setu-planning serve $(SERVE_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/as_of.py
	$(BIN)/python benchmarks/commands.py

clean:
	rm -rf $(VENV) build *.egg-info
