"""The local Event Grid source without I/O: which blobs it delivers, its checkpoint across
restarts, its pace, and its Event Grid-like retries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from devhost.blobs import BlobPath
from devhost.eventsource.checkpoint import Checkpoint
from devhost.eventsource.delivery import RetryPolicy, WebhookClient
from devhost.eventsource.listing import ListedBlob
from devhost.eventsource.source import SourceOptions, SubscriptionWatch
from devhost.eventsource.subscriptions import Subscription

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
GRACE = 60.0


class FakeListing:
    url = "http://127.0.0.1:10000/devstoreaccount1/uploads"
    account = "devstoreaccount1"

    def __init__(self) -> None:
        self.blobs: dict[str, ListedBlob] = {}
        self.now = T0

    def upload(self, name: str, *, at: float, etag: str | None = None) -> ListedBlob:
        when = T0 + timedelta(seconds=at)
        blob = ListedBlob(name, etag or f"0x{name}-{at}", when, "image/png", 10, "BlockBlob")
        self.blobs[name] = blob
        return blob

    async def list(self) -> tuple[list[ListedBlob], datetime]:
        return list(self.blobs.values()), self.now


class FakeStore:
    """Keeps the checkpoint as the JSON the real store writes."""

    def __init__(self) -> None:
        self.raw: bytes | None = None
        self.saves = 0

    async def load(self) -> Checkpoint | None:
        return None if self.raw is None else Checkpoint.from_json(self.raw)

    async def save(self, checkpoint: Checkpoint) -> None:
        self.raw = checkpoint.to_json()
        self.saves += 1


class FakeClient:
    """Accepts every event; optionally the host stops during delivery number `stop_at`
    (that one is then interrupted, not delivered)."""

    def __init__(self, stop_at: int | None = None, stopping: asyncio.Event | None = None):
        self.subjects: list[str] = []
        self._stop_at, self._stopping = stop_at, stopping

    async def deliver(self, event: dict[str, object]) -> bool:
        self.subjects.append(str(event["subject"]).rsplit("/blobs/", 1)[1])
        if self._stop_at is not None and len(self.subjects) >= self._stop_at:
            assert self._stopping is not None
            self._stopping.set()
            return False
        return True


def watch_for(
    listing: FakeListing,
    store: FakeStore,
    client: FakeClient | None = None,
    path: str = "uploads/{name}",
    stopping: asyncio.Event | None = None,
) -> tuple[SubscriptionWatch, FakeClient]:
    client = client or FakeClient()
    subscription = Subscription("Host.Functions.make_thumbnail", BlobPath.parse(path), None)
    options = SourceOptions(target="http://host", host_id="app", grace=GRACE)
    watch = SubscriptionWatch(
        subscription,
        options,
        listing=listing,  # type: ignore[arg-type]  # in-memory stand-ins, duck-typed
        store=store,  # type: ignore[arg-type]
        client=client,  # type: ignore[arg-type]
        stopping=stopping or asyncio.Event(),
    )
    return watch, client


async def test_a_first_start_delivers_only_the_last_grace_period_and_saves_a_checkpoint() -> None:
    listing, store = FakeListing(), FakeStore()
    listing.upload("old.png", at=-600)
    listing.upload("recent.png", at=-30)
    watch, client = watch_for(listing, store)

    await watch.scan_once()

    assert client.subjects == ["recent.png"]
    assert await store.load() is not None


async def test_new_uploads_are_delivered_once_oldest_first_and_overwrites_again() -> None:
    listing, store = FakeListing(), FakeStore()
    watch, client = watch_for(listing, store)
    await watch.scan_once()
    listing.upload("b.png", at=2)
    listing.upload("a.png", at=3)
    listing.now = T0 + timedelta(seconds=4)

    await watch.scan_once()
    await watch.scan_once()
    listing.upload("b.png", at=5)  # replaced: a new ETag
    listing.now = T0 + timedelta(seconds=6)
    await watch.scan_once()

    assert client.subjects == ["b.png", "a.png", "b.png"]


async def test_an_upload_that_appears_after_later_ones_is_still_delivered() -> None:
    # Azurite stamps Last-Modified when the upload starts; a slow one shows up last.
    listing, store = FakeListing(), FakeStore()
    watch, client = watch_for(listing, store)
    listing.upload("fast.png", at=5)
    listing.now = T0 + timedelta(seconds=6)
    await watch.scan_once()
    listing.upload("slow.png", at=1)
    listing.now = T0 + timedelta(seconds=20)

    await watch.scan_once()

    assert client.subjects == ["fast.png", "slow.png"]


async def test_uploads_made_while_stopped_are_delivered_after_a_restart_and_nothing_twice() -> None:
    listing, store = FakeListing(), FakeStore()
    first, before = watch_for(listing, store)
    listing.upload("one.png", at=1)
    listing.now = T0 + timedelta(seconds=2)
    await first.scan_once()
    # Stopped for an hour; two uploads meanwhile, one of them long before the restart.
    listing.upload("two.png", at=600)
    listing.upload("three.png", at=3500)
    listing.now = T0 + timedelta(hours=1)

    second, after = watch_for(listing, store)
    await second.scan_once()

    assert before.subjects == ["one.png"]
    assert after.subjects == ["two.png", "three.png"]


async def test_the_checkpoint_does_not_grow_with_the_blobs_delivered() -> None:
    listing, store = FakeListing(), FakeStore()
    watch, _ = watch_for(listing, store)
    for second in range(0, 3000, 10):
        listing.upload(f"{second}.png", at=second)
        listing.now = T0 + timedelta(seconds=second + 1)
        await watch.scan_once()

    saved = await store.load()
    assert saved is not None
    assert len(listing.blobs) == 300
    assert len(saved.recent) <= GRACE / 10 + 1  # only the uploads of the grace period
    assert len(store.raw or b"") < 2000


async def test_only_blobs_matching_the_trigger_path_are_delivered() -> None:
    listing, store = FakeListing(), FakeStore()
    watch, client = watch_for(listing, store, path="uploads/in/{name}.png")
    listing.upload("in/a.png", at=1)
    listing.upload("in/b.jpg", at=1)
    listing.upload("out/c.png", at=1)
    listing.now = T0 + timedelta(seconds=2)

    await watch.scan_once()

    assert client.subjects == ["in/a.png"]


async def test_blobs_not_delivered_before_a_stop_are_delivered_after_the_restart() -> None:
    listing, store = FakeListing(), FakeStore()
    stopping = asyncio.Event()
    watch, client = watch_for(listing, store, FakeClient(2, stopping), stopping=stopping)
    await watch.scan_once()  # the checkpoint starts here
    for name in ("a.png", "b.png", "c.png"):
        listing.upload(name, at=1)
    listing.now = T0 + timedelta(seconds=2)

    await watch.scan_once()  # a.png delivered; stopped while b.png was being retried
    again, later = watch_for(listing, store)
    await again.scan_once()

    assert client.subjects == ["a.png", "b.png"]
    assert later.subjects == ["b.png", "c.png"]


def test_scans_pause_at_least_the_interval_and_longer_when_listing_costs_more() -> None:
    watch, _ = watch_for(FakeListing(), FakeStore())
    watch.last_scan_seconds, watch.last_scan_blobs = 0.01, 20
    assert watch.next_delay() == 1.0
    # A big container: listing is kept to 5 % of the time (SourceOptions.busy).
    watch.last_scan_seconds, watch.last_scan_blobs = 0.5, 10_000
    assert watch.next_delay() == pytest.approx(10.0)
    # A small container on a busy machine: slow, yet cheap for storage; no slower pace.
    watch.last_scan_seconds, watch.last_scan_blobs = 0.5, 100
    assert watch.next_delay() == 1.0


# --- delivery ---------------------------------------------------------------------------------
class ScriptedClient(WebhookClient):
    """The real retry loop over a scripted sequence of answers (the session is never used)."""

    def __init__(
        self, answers: list[int | OSError], session: aiohttp.ClientSession, max_attempts: int = 4
    ) -> None:
        super().__init__(
            "http://host",
            "Host.Functions.f",
            schema="eventgrid",
            policy=RetryPolicy(max_attempts=max_attempts, first_delay=0.0),
            stopping=asyncio.Event(),
            session=session,
        )
        self.answers, self.posts = answers, 0

    async def _attempt(self, event: dict[str, object]) -> int:
        answer = self.answers[min(self.posts, len(self.answers) - 1)]
        self.posts += 1
        if isinstance(answer, OSError):
            raise answer
        return answer


@pytest.mark.parametrize(
    ("answers", "delivered", "posts"),
    [
        ([202], True, 1),
        ([500, ConnectionRefusedError(), 503, 200], True, 4),
        ([400], False, 1),
        ([401], False, 1),
        ([403], False, 1),
        ([413], False, 1),
        ([500], False, 4),
        ([TimeoutError()], False, 4),
    ],
)
async def test_deliveries_are_retried_like_event_grid_then_given_up(
    answers: list[int | OSError], delivered: bool, posts: int
) -> None:
    async with aiohttp.ClientSession() as session:
        client = ScriptedClient(answers, session)
        assert await client.deliver({"subject": "s"}) is delivered
    assert client.posts == posts


def test_retry_delays_double_up_to_a_cap() -> None:
    policy = RetryPolicy(first_delay=0.5, max_delay=30.0)
    assert [policy.delay(n) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]


async def test_the_webhook_url_names_the_function() -> None:
    async with aiohttp.ClientSession() as session:
        client = ScriptedClient([202], session)
    assert client.url == "http://host/runtime/webhooks/blobs?functionName=Host.Functions.f"
