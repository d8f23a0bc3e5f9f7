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
# The app runs spread as the tests of issue 24 run it (docs/scaling.md): orders, read models
# and event queues over three storage accounts served by the one Azurite (AZURITE_ACCOUNTS
# names the development account and two more), and three event queues. Variables already set
# win; `ORDER_STORAGE_CONNECTIONS=AzureWebJobsStorage ORDER_EVENT_QUEUES=1 make run` is the
# one-account, one-queue path. An Azurite already listening on the default ports must serve
# the same accounts.
eval "$(.venv/bin/python - <<'PY'
from shared.azurite import ORDER_ACCOUNTS, accounts_variable, connection_string

names = ["OrdersStorage1", "OrdersStorage2"]
exports = {
    "AZURITE_ACCOUNTS": accounts_variable(ORDER_ACCOUNTS),
    "ORDER_STORAGE_CONNECTIONS": ",".join(["AzureWebJobsStorage", *names]),
    "ORDER_EVENT_QUEUES": "3",
}
for name, (account, key) in zip(names, ORDER_ACCOUNTS.items()):
    exports[name] = connection_string(account=account, key=key)
for name, value in exports.items():
    print(f'export {name}="${{{name}-{value}}}"')  # base64 keys and URLs: no quote or $
PY
)"
exec .venv/bin/python -m devhost.launcher "$@"
