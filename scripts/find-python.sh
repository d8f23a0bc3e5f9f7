#!/usr/bin/env sh
# Print the path of a Python X.Y interpreter, for `make test`'s other-version legs.
# Order: `pythonX.Y` on PATH if it runs (a pyenv shim only runs when that version is selected),
# else the newest X.Y.* that pyenv installed. Exits 1 with a hint when there is none.
set -eu
want="$1"
if found=$("python$want" -c 'import sys; print(sys.executable)' 2>/dev/null); then
    echo "$found"
    exit 0
fi
root="${PYENV_ROOT:-$HOME/.pyenv}"
newest=$(ls -d "$root/versions/$want".* 2>/dev/null | grep -E "/$want\.[0-9]+$" | sort -V | tail -n 1 || true)
if [ -n "$newest" ] && [ -x "$newest/bin/python$want" ]; then
    echo "$newest/bin/python$want"
    exit 0
fi
echo "Python $want not found (neither python$want on PATH nor a pyenv $want.x)." >&2
echo "Install it (e.g. 'pyenv install $want'), or skip it: make test OTHER_PYTHONS=..." >&2
exit 1
