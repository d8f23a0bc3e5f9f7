# The two commands of the README: `make run` and `make test`. Each does its own set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# checkov, azure-functions-doctor and shellcheck (tests/deploy) live apart: checkov's pins clash
# with the test tools'.
TOOLS := $(VENV)/tools

.PHONY: setup run test check lint typecheck unit e2e-repeat reliability bench clean browser

# The other supported Pythons, each in its own venv under .venvs/ (found by
# scripts/find-python.sh: pythonX.Y on PATH or pyenv). 3.13 is the deploy runtime
# (docs/deploy.md): the whole suite runs there too, with the worker-library test (tests/worker).
# 3.12 runs unit, integration and a devhost smoke over HTTP. Skip them with OTHER_PYTHONS=.
OTHER_PYTHONS ?= 3.12 3.13
SUITE_3.12 := tests/unit tests/integration tests/test_func_start_project.py \
	tests/e2e/test_orders_e2e.py tests/e2e/test_devhost_http.py
SUITE_3.13 := tests
# 3.13 then runs the end-to-end and contract suites again with `devhost --invoker worker`: every
# function through Microsoft's worker library (docs/local-host.md, "The worker invoker").
WORKER_3.13 := tests/e2e tests/contract

.PHONY: test-versions test-3.12 test-3.13 test-worker

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

# `make run EASY_AUTH=1`: devhost --easy-auth (App Service authentication emulated; tokens from
# `python -m devhost.auth token`, docs/security.md), even where Core Tools are installed.
run: setup
	./scripts/run.sh $(if $(filter 1 true yes,$(EASY_AUTH)),--easy-auth)

# The same checks run by pre-commit (.pre-commit-config.yaml calls this target).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy
	$(BIN)/mypy tests

# The edit-test loop: lint, types, unit and integration tests (real Azurite) on the default
# Python, a couple of minutes. `make test` (what CI runs) adds end-to-end, deploy, contract and
# reliability tests, and the other Pythons.
check: lint typecheck
	$(BIN)/python -m pytest -q tests/unit tests/integration

test: lint typecheck browser
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory test-versions

# The browser tests (tests/e2e/browser) drive Debian's chromium with playwright-core (npm ci).
# As root (CI) a missing chromium is installed; elsewhere they skip, saying so, unless CI is set.
browser:
	@command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test-versions: $(OTHER_PYTHONS:%=test-%)

test-3.12 test-3.13: test-%: .venvs/%/.installed node_modules/.installed
	.venvs/$*/bin/python -m pytest $(SUITE_$*)
	$(if $(WORKER_$*),DEVHOST_INVOKER=worker .venvs/$*/bin/python -m pytest $(WORKER_$*))

# Just the worker invoker's pass (the second half of test-3.13).
test-worker: .venvs/3.13/.installed node_modules/.installed
	DEVHOST_INVOKER=worker .venvs/3.13/bin/python -m pytest $(WORKER_3.13)

.venvs/%/.installed: requirements.txt requirements-dev.txt
	test -x .venvs/$*/bin/python || { py=$$(scripts/find-python.sh $*) && "$$py" -m venv .venvs/$*; }
	.venvs/$*/bin/python -m pip install --quiet -r requirements-dev.txt
	touch $@

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
	rm -rf $(VENV) .venvs node_modules .azurite .pytest_cache .mypy_cache .ruff_cache
