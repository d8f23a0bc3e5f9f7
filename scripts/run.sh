#!/usr/bin/env bash
# `make run` without make: `python -m tools run` (tools/, the one implementation; it needs only
# Python and Node, so on Windows run that command itself). It sets up, starts Azurite on its
# default ports (data in .azurite/) serving the app's three storage accounts, then `func start`
# if Core Tools is installed (with the local Event Grid source beside it), else the project's
# local host (`python -m devhost`). Extra arguments go to the host, e.g.
# `scripts/run.sh --port 7072`. Ctrl-C stops them all, storage last.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python3}" -m tools run "$@"
