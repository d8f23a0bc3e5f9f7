# The two commands of the README: `make run` and `make test`. Each does its own set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# checkov, azure-functions-doctor and shellcheck (tests/deploy) live apart: checkov's pins clash
# with the test tools'.
TOOLS := $(VENV)/tools

.PHONY: setup run test lint typecheck unit bench clean

setup: $(VENV)/.installed $(TOOLS)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

$(TOOLS)/.installed: requirements-deploy.txt | $(VENV)/.installed
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet -r requirements-deploy.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: setup
	./scripts/run.sh

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy --strict shared

test: lint typecheck
	$(BIN)/python -m pytest

unit: setup
	$(BIN)/python -m pytest tests/unit

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules .azurite .pytest_cache .mypy_cache .ruff_cache
