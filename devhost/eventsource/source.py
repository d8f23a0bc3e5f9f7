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

Each subscription is a task on the event loop it is started on (devhost's own, in-process),
listing and posting through one aiohttp session, its checkpoint kept with the asyncio blob
client of `devhost.storage`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import aiohttp

from devhost.eventgrid import blob_created_event
from devhost.eventsource.checkpoint import Checkpoint, CheckpointStore
from devhost.eventsource.delivery import RetryPolicy, WebhookClient
from devhost.eventsource.listing import ContainerListing
from devhost.eventsource.routing import Routes
from devhost.tasks import finish, wait_for_event

if TYPE_CHECKING:
    from datetime import datetime

    from devhost.eventsource.listing import ListedBlob
    from devhost.eventsource.subscriptions import Subscription
    from devhost.keys import HostKeys
    from devhost.storage import StorageAccounts

__all__ = ["EventSource", "SourceOptions", "SubscriptionWatch"]

logger = logging.getLogger(__name__)
_LOCAL_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
# An upper bound of what a List Blobs costs Azurite per blob returned (docs/local-host.md,
# "With 10,000 blobs in uploads"): the pace rule's ceiling per blob.
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
    keys: HostKeys | None = None  # the host's keys, which devhost --easy-auth asks for


class SubscriptionWatch:
    """One subscription: its container listing, its checkpoint, and where its events go (the
    webhook it posts to, and the queues of the subscriptions that ride on it)."""

    def __init__(
        self,
        subscription: Subscription,
        options: SourceOptions,
        *,
        listing: ContainerListing,
        store: CheckpointStore,
        client: WebhookClient,
        stopping: asyncio.Event,
        routes: Routes | None = None,
    ) -> None:
        self.subscription, self.options, self.stopping = subscription, options, stopping
        self.listing, self.store, self.client = listing, store, client
        self.routes = routes or Routes(subscription, client, (), stopping)
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
        *,
        storage: StorageAccounts,
        session: aiohttp.ClientSession,
        stopping: asyncio.Event,
    ) -> SubscriptionWatch:
        container = storage.blob(subscription.connection).get_container_client(
            subscription.container
        )
        listing = ContainerListing(container, session, subscription.path.prefix)
        store = CheckpointStore.for_subscription(
            storage,
            subscription.connection,
            options.host_id,
            subscription.function_id,
            subscription.container,
        )
        client = WebhookClient(
            options.target,
            subscription.function_id,
            schema=options.schema,
            policy=options.retry,
            stopping=stopping,
            session=session,
            keys=options.keys,
        )
        routes = Routes.connect(subscription, client, storage, options.retry, stopping)
        return cls(
            subscription,
            options,
            listing=listing,
            store=store,
            client=client,
            stopping=stopping,
            routes=routes,
        )

    def _event(self, blob: ListedBlob) -> dict[str, object]:
        return blob_created_event(
            blob,
            container_url=self.listing.url,
            container=self.subscription.container,
            topic=self.topic,
            schema=self.options.schema,
        )

    async def _start_checkpoint(self, cutoff: datetime) -> Checkpoint:
        checkpoint = await self.store.load()
        if checkpoint is None:
            checkpoint = Checkpoint(cutoff)
            await self.store.save(checkpoint)
            logger.info(
                "event_source_new_checkpoint function_id=%s container=%s from=%s",
                self.subscription.function_id,
                self.subscription.container,
                checkpoint.watermark.isoformat(),
            )
        return checkpoint

    async def scan_once(self) -> int:
        """List, deliver what is new, save; the number of events handed over (or dropped)."""
        started = time.perf_counter()
        blobs, now = await self.listing.list()
        self.last_scan_seconds = time.perf_counter() - started
        self.last_scan_blobs = len(blobs)
        cutoff = now - timedelta(seconds=self.options.grace)
        if self.checkpoint is None:
            self.checkpoint = await self._start_checkpoint(cutoff)
        checkpoint = self.checkpoint
        fresh = sorted(
            (b for b in blobs if checkpoint.is_new(b) and self.subscription.path.match(b.name)),
            key=lambda b: (b.last_modified, b.name),
        )
        handled = 0
        for blob in fresh:
            delivered = not self.stopping.is_set() and await self.routes.deliver(self._event(blob))
            if not delivered and self.stopping.is_set():
                break  # interrupted, not given up: the next start delivers it
            checkpoint.record(blob)  # delivered, or given up after the retries (logged)
            handled += 1
        if not self.stopping.is_set():
            checkpoint.advance(cutoff)
        if handled:
            await self.store.save(checkpoint)
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

    async def run(self) -> None:
        if not await self.client.wait_until_ready():
            return
        while not self.stopping.is_set():
            try:
                await self.scan_once()
            except Exception:
                logger.exception(
                    "event_source_scan_failed function_id=%s container=%s",
                    self.subscription.function_id,
                    self.subscription.container,
                )
            await wait_for_event(self.stopping, self.next_delay())


class EventSource:
    """One watch task per subscription, all posting to one host through one session."""

    def __init__(
        self,
        subscriptions: list[Subscription],
        options: SourceOptions,
        storage: StorageAccounts,
    ) -> None:
        self.subscriptions, self.options, self.storage = subscriptions, options, storage
        for subscription in subscriptions:  # a connection setting that is wrong fails here
            storage.blob(subscription.connection)
        self.stopping = asyncio.Event()
        self.watches: list[SubscriptionWatch] = []
        self._session: aiohttp.ClientSession | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start watching, on the running loop (the session is made there, as aiohttp needs)."""
        self._session = aiohttp.ClientSession()
        for subscription in self.subscriptions:
            watch = SubscriptionWatch.connect(
                subscription,
                self.options,
                storage=self.storage,
                session=self._session,
                stopping=self.stopping,
            )
            self.watches.append(watch)
            task = asyncio.create_task(watch.run(), name=f"events-{subscription.container}")
            self._tasks.append(task)
            logger.info(
                "event_source_watching container=%s prefix=%s function_id=%s target=%s",
                subscription.container,
                subscription.path.prefix or "-",
                subscription.function_id,
                self.options.target,
            )

    async def stop(self, grace: float = 10.0) -> None:
        """Stop scanning and delivering (an event being retried is left for the next start),
        waiting up to `grace` s for a listing or delivery in flight."""
        self.stopping.set()
        if not await finish(self._tasks, grace):
            for task in self._tasks:  # undelivered events stay after the checkpoint
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
