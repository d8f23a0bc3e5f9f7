# The two commands of the README: `make run` and `make test`. Each does its own set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint typecheck unit e2e-repeat reliability bench clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
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

# Flakiness check: the e2e suite N times, each a fresh pytest run (own Azurite and devhost),
# as CI would run it; prints how many runs failed and fails if any did.
E2E_RUNS ?= 20
e2e-repeat: setup
	@failed=0; for i in $$(seq $(E2E_RUNS)); do \
	  if $(BIN)/python -m pytest -q -p no:cacheprovider tests/e2e > .e2e-run-$$i.log 2>&1; \
	  then echo "run $$i/$(E2E_RUNS): passed ($$(tail -1 .e2e-run-$$i.log))"; rm .e2e-run-$$i.log; \
	  else echo "run $$i/$(E2E_RUNS): FAILED, see .e2e-run-$$i.log"; failed=$$((failed+1)); fi; \
	done; echo "$$failed of $(E2E_RUNS) e2e runs failed"; test $$failed -eq 0

# The reliability suite's long form: 1000 creates per fault (Azurite restarted, devhost
# SIGKILLed), storage unreachable for 60 s, 20,000 mutated images; prints the figures of
# docs/reliability.md. `make test` runs the short form (tests/reliability).
reliability: setup
	$(BIN)/python -m tests.reliability

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules .azurite .pytest_cache .mypy_cache .ruff_cache
