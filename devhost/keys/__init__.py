"""The host's keys, locally: the master key that opens the admin API and the system key that
opens the blobs webhook when devhost runs `--easy-auth` (as on Azure, where the host checks
them; without `--easy-auth` none is needed, as under `func start`). `store` keeps them in
`.devhost/keys/host.json`; `python -m devhost.keys` prints one. docs/local-host.md, "The host's
own API".
"""

from devhost.keys.exceptions import KeysUnreadable
from devhost.keys.store import KEYS_FILE, MASTER, HostKeys, system_key_name

__all__ = ["KEYS_FILE", "MASTER", "HostKeys", "KeysUnreadable", "system_key_name"]
