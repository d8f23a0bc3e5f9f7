#!/usr/bin/env bash
# `make run`: Azurite on its default ports (data in .azurite/), then `func start` if Core
# Tools is installed (with the local Event Grid source, `python -m devhost.eventsource`,
# beside it), else the project's local host (`python -m devhost`, which runs that source
# itself). Extra arguments go to the host, e.g. `scripts/run.sh --port 7072`. Ctrl-C stops
# them all, storage last.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "run 'make setup' first (creates .venv and installs Azurite)" >&2
  exit 1
fi
exec .venv/bin/python -m devhost.launcher "$@"
