"""`python -m devhost.keys [master|blobs_extension] [--script-root DIR]`: print one of the host's
local keys (made on first use), which `python -m devhost --easy-auth` started from the same
folder requires: the master key in `x-functions-key` for the admin API, `blobs_extension` as
`code=` for the blobs webhook (docs/local-host.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devhost.keys.exceptions import KeysUnreadable
from devhost.keys.store import MASTER, HostKeys, system_key_name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devhost.keys", description=__doc__)
    parser.add_argument(
        "name", nargs="?", default=MASTER, choices=(MASTER, system_key_name("blobs"))
    )
    parser.add_argument(
        "--script-root",
        type=Path,
        default=Path.cwd(),
        help="the app's folder, whose .devhost/keys/ holds the keys (default: here)",
    )
    args = parser.parse_args(argv)
    try:
        keys = HostKeys.open(args.script_root)
    except (KeysUnreadable, OSError) as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    sys.stdout.write((keys.master if args.name == MASTER else keys.system[args.name]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
