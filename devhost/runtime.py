"""What every trigger listener shares: the invoker, storage, options and the stop signal."""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from devhost.functions import FunctionSpec
    from devhost.hostconfig import HostConfig
    from devhost.invocation import Invocation, Invoker
    from devhost.outputs import OutputWriter
    from devhost.storage import StorageAccounts

__all__ = ["HOSTS_CONTAINER", "Runtime", "derive_host_id", "function_id"]

# The container where the Functions host keeps blob receipts, timer status and locks.
HOSTS_CONTAINER = "azure-webjobs-hosts"


@dataclass
class Runtime:
    invoker: Invoker
    outputs: OutputWriter
    storage: StorageAccounts
    config: HostConfig
    host_id: str
    environ: Mapping[str, str]
    # Set when the host stops: listeners take no more work. Used on the event loop only.
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def with_outputs(self, invocation: Invocation, data: Mapping[str, str]) -> Invocation:
        """Write the invocation's output bindings when it succeeds (`data`: the trigger's
        values for `{name}` in their paths). Without any, nothing runs after the function."""
        if invocation.spec.outputs():
            invocation.complete = partial(self.outputs.write, invocation.spec, data=data)
        return invocation


def derive_host_id(script_root: Path, configured: str | None) -> str:
    """host.json `id` if set, else a stable id from the app folder (at most 32 characters,
    lower-case letters, digits and dashes, as the host requires)."""
    if configured:
        return configured.lower()[:32]
    resolved = str(script_root.resolve())
    digest = hashlib.sha1(resolved.encode(), usedforsecurity=False).hexdigest()[:8]
    stem = re.sub(r"[^a-z0-9-]", "-", script_root.resolve().name.lower()).strip("-") or "app"
    return f"{stem[:23]}-{digest}"


def function_id(spec: FunctionSpec) -> str:
    """The host's full function name, used in receipt and timer status paths."""
    return f"Host.Functions.{spec.name}"
