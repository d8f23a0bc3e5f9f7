"""Which containers to watch: one subscription per `source="EventGrid"` blob trigger, taken
from the app's own metadata, as `azd` creates one Event Grid subscription per function.

What infra/ adds to a trigger's subscription, `[tool.devhost.event-grid.<function>]` of the
app's pyproject.toml says for the local source (docs/local-host.md, "The local event source"):

- `advanced-filters`: what the trigger's subscription delivers (Event Grid's advanced filters);
- `[[...queues]]`: more subscriptions on the same container that deliver to a storage queue
  (`queue`, `connection`, their own `advanced-filters`), as Event Grid's storage queue
  handler does. Locally they ride on the trigger's watch: one listing serves them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devhost.blobs import BlobPath
from devhost.eventsource.filters import FilterConfigError, parse_filters
from devhost.expressions import resolve_settings
from devhost.runtime import function_id

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from devhost.eventsource.filters import AdvancedFilter
    from devhost.functions import FunctionSpec

__all__ = ["CONFIG_KEY", "QueueRoute", "Subscription", "subscriptions_for"]

CONFIG_KEY = "event-grid"  # [tool.devhost.event-grid]


@dataclass(frozen=True, slots=True)
class QueueRoute:
    """A subscription that puts the events its filters pass on a storage queue."""

    queue: str
    connection: str | None
    filters: tuple[AdvancedFilter, ...] = ()


@dataclass(frozen=True, slots=True)
class Subscription:
    """Deliver BlobCreated events for blobs matching `path` to `function_id`'s webhook when
    they pass `filters`, and to each queue route whose own filters they pass."""

    function_id: str
    path: BlobPath
    connection: str | None
    filters: tuple[AdvancedFilter, ...] = ()
    queues: tuple[QueueRoute, ...] = ()

    @property
    def container(self) -> str:
        return self.path.container


def _routes(raw: Any, environ: Mapping[str, str]) -> tuple[QueueRoute, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise FilterConfigError("queues must be a list of tables")
    routes = []
    for item in raw:
        if not isinstance(item.get("queue"), str) or not item["queue"]:
            raise FilterConfigError("a queue subscription needs `queue`, the queue's name")
        filters = parse_filters(item.get("advanced-filters"), environ)
        routes.append(QueueRoute(item["queue"], item.get("connection"), filters))
    return tuple(routes)


def subscriptions_for(
    functions: Iterable[FunctionSpec],
    environ: Mapping[str, str],
    config: Mapping[str, Any] | None = None,
) -> list[Subscription]:
    """One subscription per Event Grid blob trigger; `config` is `[tool.devhost.event-grid]`
    (keyed by function name). Raises FilterConfigError (or BindingExpressionError for an
    unset `%SETTING%`) when a configured filter cannot be applied."""
    found = []
    for spec in functions:
        if spec.trigger_type != "blobTrigger" or not spec.source_is_event_grid:
            continue
        extra = (config or {}).get(spec.name) or {}
        path = BlobPath.parse(resolve_settings(spec.trigger["path"], environ))
        found.append(
            Subscription(
                function_id(spec),
                path,
                spec.trigger.get("connection"),
                parse_filters(extra.get("advanced-filters"), environ),
                _routes(extra.get("queues"), environ),
            )
        )
    return found
