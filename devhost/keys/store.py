"""The host's keys, kept per app folder in `.devhost/keys/host.json` (git-ignored, never
published), made on first use by whichever comes first: `python -m devhost --easy-auth` or
`python -m devhost.keys`.

The file has the shape of the host's own secrets file (`host.json` in `azure-webjobs-secrets`,
`HostSecrets` in Azure/azure-functions-host): a `masterKey`, which opens the admin API, and
`systemKeys`, here `blobs_extension`, which opens the blobs extension's webhook (the key Event
Grid's subscription carries as `code=` on Azure). Delete the folder for new keys.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devhost.keys.exceptions import KeysUnreadable

__all__ = ["KEYS_FILE", "MASTER", "HostKeys", "system_key_name"]

logger = logging.getLogger(__name__)

KEYS_FILE = Path(".devhost") / "keys" / "host.json"
MASTER = "master"
_SYSTEM_KEYS = ("blobs_extension",)


def system_key_name(extension: str) -> str:
    """The system key of an extension's webhook, as the host names it
    (`DefaultScriptWebHookProvider.GetKeyName`: `<extension>_extension`)."""
    return f"{extension}_extension".lower()


@dataclass(frozen=True, slots=True)
class HostKeys:
    path: Path
    master: str = field(repr=False)
    system: dict[str, str] = field(repr=False)

    @classmethod
    def open(cls, script_root: Path) -> HostKeys:
        """The keys of the app in `script_root`, made on first use."""
        path = script_root.resolve() / KEYS_FILE
        if not path.is_file():
            _create(path)
        return cls._load(path)

    @classmethod
    def read(cls, script_root: Path) -> HostKeys | None:
        """The keys if they were made, else None (nothing is written)."""
        path = script_root.resolve() / KEYS_FILE
        return cls._load(path) if path.is_file() else None

    def name_of(self, value: str) -> str | None:
        """Which key `value` is (`master` or a system key's name), or None. Compared in
        constant time, every key each time."""
        found = None
        for name, key in ((MASTER, self.master), *self.system.items()):
            if hmac.compare_digest(value.encode(), key.encode()):
                found = name
        return found

    @classmethod
    def _load(cls, path: Path) -> HostKeys:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            master = str(document["masterKey"]["value"])
            system = {str(k["name"]): str(k["value"]) for k in document["systemKeys"]}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KeysUnreadable(f"{path}: {exc}; delete it to make new keys") from exc
        return cls(path, master, system)


def _key(name: str) -> dict[str, Any]:
    return {"name": name, "value": secrets.token_urlsafe(40), "encrypted": False}


def _create(path: Path) -> None:
    """Write new keys to `path` (mode 0600) unless another process did first: the file is
    written beside it and linked into place, which fails if it exists, so a devhost and a
    `python -m devhost.keys` starting together never read half a file, and agree."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    document = {
        "note": "devhost's local host keys (devhost --easy-auth); delete this file for new ones",
        "masterKey": _key(MASTER),
        "functionKeys": [],
        "systemKeys": [_key(name) for name in _SYSTEM_KEYS],
    }
    descriptor, staging = tempfile.mkstemp(prefix=".host-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(document, file, indent=2)
            file.write("\n")
        os.link(staging, path)
        logger.info("host_keys_created path=%s", path)
    except FileExistsError:
        pass  # another process made them first: use theirs
    finally:
        os.unlink(staging)
