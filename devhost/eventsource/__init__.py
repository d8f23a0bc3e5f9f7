"""A local Event Grid source for Azurite, which emits no events of its own: it watches the
containers of the app's `source="EventGrid"` blob triggers and posts `Microsoft.Storage.
BlobCreated` events to the blobs extension's webhook, of devhost or of `func start`.

devhost runs it in-process; `python -m devhost.eventsource --target URL` runs it beside any
host. See docs/local-host.md for what it does and what it costs.
"""

from devhost.eventsource.source import EventSource, SourceOptions
from devhost.eventsource.subscriptions import CONFIG_KEY as EVENT_GRID_CONFIG
from devhost.eventsource.subscriptions import Subscription, subscriptions_for

__all__ = ["EVENT_GRID_CONFIG", "EventSource", "SourceOptions", "Subscription", "subscriptions_for"]
