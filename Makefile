# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint types pytest demo bench clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: install
	$(BIN)/ensemble setup
	$(BIN)/ensemble serve

test: lint types pytest

# `make run` with the "In a City" demo community built first (idempotent; see ensemble/demo).
demo: install
	$(BIN)/ensemble setup
	$(BIN)/ensemble demo
	$(BIN)/ensemble serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy .

pytest: install
	$(BIN)/pytest -n 2 --dist loadgroup

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var/test-artifacts
