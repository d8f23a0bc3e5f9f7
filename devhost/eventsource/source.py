"""Watch each subscription's container and deliver BlobCreated events for what is new.

A scan lists the container, delivers (oldest first) each blob the checkpoint has not seen,
then moves the checkpoint on and saves it if anything was delivered: at least once, also
across restarts, since the checkpoint is saved after delivery. A first start begins at the
storage clock minus the grace period, as a new Event Grid subscription sees only what comes
after it.

Azurite has no cheaper way to learn of new blobs than List Blobs (docs/local-host.md), and
each List Blobs costs it a pass over the whole container. So the pause between scans is at
least `interval` and at least the last listing's cost divided by `busy`: with few blobs the
source lists every second; with many it lists less often, and its share of the CPU stays
near `busy` however many blobs the container holds. The cost is the listing's duration, but
never more than `LISTING_SECONDS_PER_BLOB` per blob listed: a machine busy with other work
makes a listing slow without making it expensive, and must not delay a small container's events.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from devhost.eventgrid import blob_created_event
from devhost.eventsource.checkpoint import Checkpoint, CheckpointStore
from devhost.eventsource.delivery import RetryPolicy, WebhookClient
from devhost.eventsource.listing import ContainerListing
from devhost.storage import connection_string_for

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from devhost.eventsource.listing import ListedBlob
    from devhost.eventsource.subscriptions import Subscription

__all__ = ["EventSource", "SourceOptions", "SubscriptionWatch"]

logger = logging.getLogger(__name__)
_LOCAL_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
# What a List Blobs costs Azurite 3.37 per blob returned, measured at 10,000 blobs (about
# 0.1-0.2 ms on the 2-core machine of docs/benchmarks.md); the pace rule's ceiling per blob.
LISTING_SECONDS_PER_BLOB = 0.0002


@dataclass(frozen=True, slots=True)
class SourceOptions:
    target: str
    host_id: str
    schema: str = "eventgrid"
    interval: float = 1.0  # seconds between scans, at least
    busy: float = 0.05  # share of wall time spent listing, at most
    grace: float = 60.0  # how long an upload may take (Last-Modified is its start)
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class SubscriptionWatch:
    """One subscription: its container listing, its checkpoint and the webhook it posts to."""

    def __init__(
        self,
        subscription: Subscription,
        options: SourceOptions,
        *,
        listing: ContainerListing,
        store: CheckpointStore,
        client: WebhookClient,
        stopping: threading.Event,
    ) -> None:
        self.subscription, self.options, self.stopping = subscription, options, stopping
        self.listing, self.store, self.client = listing, store, client
        self.topic = (
            f"/subscriptions/{_LOCAL_SUBSCRIPTION}/resourceGroups/local/providers/"
            f"Microsoft.Storage/storageAccounts/{listing.account}"
        )
        self.checkpoint: Checkpoint | None = None
        self.last_scan_seconds = 0.0
        self.last_scan_blobs = 0
        self._logged_delay = options.interval

    @classmethod
    def connect(
        cls,
        subscription: Subscription,
        options: SourceOptions,
        environ: Mapping[str, str],
        stopping: threading.Event,
    ) -> SubscriptionWatch:
        connection = connection_string_for(subscription.connection, environ)
        listing = ContainerListing(connection, subscription.container, subscription.path.prefix)
        store = CheckpointStore.for_subscription(
            connection, options.host_id, subscription.function_id, subscription.container
        )
        client = WebhookClient(
            options.target,
            subscription.function_id,
            schema=options.schema,
            policy=options.retry,
            stopping=stopping,
        )
        return cls(
            subscription, options, listing=listing, store=store, client=client, stopping=stopping
        )

    def _event(self, blob: ListedBlob) -> dict[str, object]:
        return blob_created_event(
            blob,
            container_url=self.listing.url,
            container=self.subscription.container,
            topic=self.topic,
            schema=self.options.schema,
        )

    def _start_checkpoint(self, cutoff: datetime) -> Checkpoint:
        checkpoint = self.store.load()
        if checkpoint is None:
            checkpoint = Checkpoint(cutoff)
            self.store.save(checkpoint)
            logger.info(
                "event_source_new_checkpoint function_id=%s container=%s from=%s",
                self.subscription.function_id,
                self.subscription.container,
                checkpoint.watermark.isoformat(),
            )
        return checkpoint

    def scan_once(self) -> int:
        """List, deliver what is new, save; the number of events handed over (or dropped)."""
        started = time.perf_counter()
        blobs, now = self.listing.list()
        self.last_scan_seconds = time.perf_counter() - started
        self.last_scan_blobs = len(blobs)
        cutoff = now - timedelta(seconds=self.options.grace)
        if self.checkpoint is None:
            self.checkpoint = self._start_checkpoint(cutoff)
        checkpoint = self.checkpoint
        fresh = sorted(
            (b for b in blobs if checkpoint.is_new(b) and self.subscription.path.match(b.name)),
            key=lambda b: (b.last_modified, b.name),
        )
        handled = 0
        for blob in fresh:
            delivered = not self.stopping.is_set() and self.client.deliver(self._event(blob))
            if not delivered and self.stopping.is_set():
                break  # interrupted, not given up: the next start delivers it
            checkpoint.record(blob)  # delivered, or given up after the retries (logged)
            handled += 1
        if not self.stopping.is_set():
            checkpoint.advance(cutoff)
        if handled:
            self.store.save(checkpoint)
        self._note_pace(len(blobs))
        logger.debug(
            "event_source_scan container=%s blobs=%d listing_s=%.4f delivered=%d next_s=%.2f",
            self.subscription.container,
            len(blobs),
            self.last_scan_seconds,
            handled,
            self.next_delay(),
        )
        return handled

    def next_delay(self) -> float:
        cost = min(self.last_scan_seconds, self.last_scan_blobs * LISTING_SECONDS_PER_BLOB)
        return max(self.options.interval, cost / self.options.busy)

    def _note_pace(self, count: int) -> None:
        """Log the pause between scans whenever it has doubled or halved since last said."""
        delay = self.next_delay()
        if not self._logged_delay / 2 < delay < self._logged_delay * 2:
            logger.info(
                "event_source_pace container=%s blobs=%d listing_s=%.3f scan_every_s=%.1f",
                self.subscription.container,
                count,
                self.last_scan_seconds,
                delay,
            )
            self._logged_delay = delay

    def run(self) -> None:
        if not self.client.wait_until_ready():
            return
        while not self.stopping.is_set():
            try:
                self.scan_once()
            except Exception:
                logger.exception(
                    "event_source_scan_failed function_id=%s container=%s",
                    self.subscription.function_id,
                    self.subscription.container,
                )
            self.stopping.wait(self.next_delay())
        self.listing.close()


class EventSource:
    """One watch thread per subscription, all posting to one host."""

    def __init__(
        self,
        subscriptions: list[Subscription],
        options: SourceOptions,
        environ: Mapping[str, str],
    ) -> None:
        self.stopping = threading.Event()
        self.options = options
        self.watches = [
            SubscriptionWatch.connect(subscription, options, environ, self.stopping)
            for subscription in subscriptions
        ]
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for watch in self.watches:
            thread = threading.Thread(
                target=watch.run, name=f"events-{watch.subscription.container}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
            logger.info(
                "event_source_watching container=%s prefix=%s function_id=%s target=%s",
                watch.subscription.container,
                watch.subscription.path.prefix or "-",
                watch.subscription.function_id,
                self.options.target,
            )

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
