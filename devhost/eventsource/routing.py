"""Where one watched blob's event goes: the trigger's webhook when the event passes its
subscription's advanced filters, and each queue subscription whose own filters it passes.
Each destination is delivered to on its own, as each Event Grid subscription is."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from devhost.eventsource.filters import matches
from devhost.eventsource.queues import QueueDelivery

if TYPE_CHECKING:
    import asyncio

    from devhost.eventsource.delivery import EventDelivery, RetryPolicy
    from devhost.eventsource.subscriptions import QueueRoute, Subscription
    from devhost.storage import StorageAccounts

__all__ = ["Routes"]

logger = logging.getLogger(__name__)


class Routes:
    def __init__(
        self,
        subscription: Subscription,
        webhook: EventDelivery,
        queues: tuple[tuple[QueueRoute, EventDelivery], ...],
        stopping: asyncio.Event,
    ) -> None:
        self.subscription, self.webhook, self.queues = subscription, webhook, queues
        self._stopping = stopping

    @classmethod
    def connect(
        cls,
        subscription: Subscription,
        webhook: EventDelivery,
        storage: StorageAccounts,
        policy: RetryPolicy,
        stopping: asyncio.Event,
    ) -> Routes:
        queues = tuple(
            (
                route,
                QueueDelivery(
                    storage,
                    route.connection,
                    route.queue,
                    function_id=subscription.function_id,
                    policy=policy,
                    stopping=stopping,
                ),
            )
            for route in subscription.queues
        )
        return cls(subscription, webhook, queues, stopping)

    def destinations(self, event: dict[str, Any]) -> list[EventDelivery]:
        """The webhook first when its filters pass the event, then each passing queue."""
        chosen = [self.webhook] if matches(self.subscription.filters, event) else []
        if not chosen:
            logger.debug(
                "event_filtered function_id=%s subject=%s",
                self.subscription.function_id,
                event.get("subject"),
            )
        return chosen + [queue for route, queue in self.queues if matches(route.filters, event)]

    async def deliver(self, event: dict[str, Any]) -> bool:
        """Deliver to every destination; False only when stopping interrupted one (a given-up
        delivery is logged by its destination, and counts as handled, as in Event Grid)."""
        for destination in self.destinations(event):
            if self._stopping.is_set():
                return False
            if not await destination.deliver(event) and self._stopping.is_set():
                return False
        return True
