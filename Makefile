# The two commands of the README: `make run` and `make test`, and the rest of the project's
# commands. Each target only calls `python -m tools` (tools/), the one implementation, which
# also runs where there is no make or POSIX shell (Windows): `python -m tools test` is
# `make test`. Each command does its own set-up (.venv, .venv/tools, node_modules).
PYTHON ?= python3
TOOLS := $(PYTHON) -m tools

# The other supported Pythons, each in its own venv under .venvs/ (found by tools/pythons.py:
# `py -X.Y` on Windows, pythonX.Y on PATH or pyenv elsewhere); what each runs is tools/plan.py.
# Skip them with OTHER_PYTHONS=.
OTHER_PYTHONS ?= 3.12 3.13
E2E_RUNS ?= 20

.PHONY: setup run test check lint typecheck unit e2e-repeat reliability bench clean browser \
	test-versions test-3.12 test-3.13 test-worker package loadtest

# `make run EASY_AUTH=1`: devhost --easy-auth (App Service authentication emulated; tokens from
# `python -m devhost.auth token`, docs/security.md), even where Core Tools are installed.
run:
	$(TOOLS) run $(if $(filter 1 true yes,$(EASY_AUTH)),--easy-auth)

test test-versions:
	$(TOOLS) $@ --other-pythons "$(OTHER_PYTHONS)"

e2e-repeat:
	$(TOOLS) e2e-repeat --runs $(E2E_RUNS)

setup lint typecheck check unit reliability bench clean browser test-3.12 test-3.13 test-worker package loadtest:
	$(TOOLS) $@
