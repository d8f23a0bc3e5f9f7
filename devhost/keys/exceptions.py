"""What can go wrong with the host's local keys."""

from __future__ import annotations

__all__ = ["KeysUnreadable"]


class KeysUnreadable(ValueError):
    """`.devhost/keys/host.json` exists but is not the keys file devhost writes."""
