#!/bin/sh
# azd preprovision hook: the Entra ID app registration (client id, app roles, v2 tokens) that
# Easy Auth in infra/ checks tokens against. scripts/app_registration.py does the work, so that
# this hook and its pwsh twin (scripts/preprovision.ps1) cannot drift apart; it needs az, azd
# and Python 3. Checked offline by tests/deploy/test_preprovision_hook.py.
set -eu

here=$(dirname "$0")
for python in python3 python; do
  if command -v "$python" >/dev/null 2>&1; then
    exec "$python" "$here/app_registration.py"
  fi
done
echo "preprovision: Python 3 is required to create the app registration: https://www.python.org/downloads/" >&2
exit 1
