"""Which containers to watch: one subscription per `source="EventGrid"` blob trigger, taken
from the app's own metadata, as `azd` creates one Event Grid subscription per function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from devhost.blobs import BlobPath
from devhost.expressions import resolve_settings
from devhost.runtime import function_id

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from devhost.functions import FunctionSpec

__all__ = ["Subscription", "subscriptions_for"]


@dataclass(frozen=True, slots=True)
class Subscription:
    """Deliver BlobCreated events for blobs matching `path` to `function_id`'s webhook."""

    function_id: str
    path: BlobPath
    connection: str | None

    @property
    def container(self) -> str:
        return self.path.container


def subscriptions_for(
    functions: Iterable[FunctionSpec], environ: Mapping[str, str]
) -> list[Subscription]:
    return [
        Subscription(
            function_id(spec),
            BlobPath.parse(resolve_settings(spec.trigger["path"], environ)),
            spec.trigger.get("connection"),
        )
        for spec in functions
        if spec.trigger_type == "blobTrigger" and spec.source_is_event_grid
    ]
