"""Timer triggers: NCRONTAB or TimeSpan schedules, run_on_startup, past-due catch-up.

With `useMonitor` (default for schedules of a minute or more) the last and next run are
kept in `azure-webjobs-hosts/timers/<host id>/<function>/status`, so a run missed while the
app was down fires once at start-up with `past_due` set. One invocation runs at a time per
function: scheduled and admin runs wait for each other. The schedule is a task on the host's
event loop; the status blob is read and written with the asyncio blob client.

The function gets the Timers extension's status as its `TimerListener` holds it when the run
starts (devhost.triggerdata.timer): the previous run as `Last`, the occurrence being run as
`Next`; none at all without `useMonitor`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from devhost.invocation import FunctionFailed, Invocation
from devhost.runtime import HOSTS_CONTAINER, function_id
from devhost.schedules import IntervalSchedule, parse_schedule, shortest_interval
from devhost.tasks import finish, wait_for_event
from devhost.triggerdata import ScheduleStatus, timer_trigger
from devhost.triggerdata.timer import NEVER

if TYPE_CHECKING:
    from azure.storage.blob.aio import BlobClient

    from devhost.functions import FunctionSpec
    from devhost.runtime import Runtime

__all__ = ["TimerTriggerListener"]

logger = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parse(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


class TimerTriggerListener:
    def __init__(self, spec: FunctionSpec, runtime: Runtime) -> None:
        self.spec, self.runtime = spec, runtime
        self.schedule = parse_schedule(spec.trigger["schedule"], runtime.environ)
        self.run_on_startup = bool(spec.trigger.get("runOnStartup", False))
        monitor = spec.trigger.get("useMonitor")
        self.use_monitor = (
            bool(monitor)
            if monitor is not None
            else shortest_interval(self.schedule, _now()) >= timedelta(minutes=1)
        )
        self.last: datetime | None = None
        # The listener's ScheduleStatus: what the next run is handed (with useMonitor).
        self.status = ScheduleStatus(NEVER, self.schedule.next_after(_now()), NEVER)
        self._run_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def describe(self) -> str:
        return f"timerTrigger ({self.schedule.expression})"

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"timer-{self.spec.name}")

    async def stop(self, grace: float) -> None:
        if self._task is not None:
            await finish([self._task], grace)

    # --- status ---------------------------------------------------------------------------
    def _status_blob(self) -> BlobClient:
        path = f"timers/{self.runtime.host_id}/{function_id(self.spec)}/status"
        return self.runtime.storage.blob(None).get_blob_client(HOSTS_CONTAINER, path)

    async def _load_status(self) -> dict[str, Any] | None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            downloader = await self._status_blob().download_blob()
            document = json.loads(await downloader.readall())
        except (ResourceNotFoundError, ValueError):
            return None
        return document if isinstance(document, dict) else None

    async def _save_status(self, next_run: datetime) -> None:
        from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

        body = json.dumps(
            {"Last": _iso(self.last), "Next": _iso(next_run), "LastUpdated": _iso(_now())}
        ).encode()
        blob = self._status_blob()
        try:
            await blob.upload_blob(body, overwrite=True)
        except ResourceNotFoundError:
            with contextlib.suppress(ResourceExistsError):
                await self.runtime.storage.blob(None).create_container(HOSTS_CONTAINER)
            await blob.upload_blob(body, overwrite=True)

    # --- running --------------------------------------------------------------------------
    async def fire(self, *, past_due: bool, detail: str = "") -> None:
        async with self._run_lock:
            trigger = timer_trigger(
                past_due=past_due,
                status=self.status if self.use_monitor else None,
                adjust_for_dst=not isinstance(self.schedule, IntervalSchedule),
            )
            invocation = Invocation(
                self.spec, trigger, detail=f"past_due={str(past_due).lower()}{detail}"
            )
            self.runtime.with_outputs(invocation, {})
            with contextlib.suppress(FunctionFailed):  # timers are not retried
                await self.runtime.invoker.run(invocation)
            self.last = _now()
            self.status = ScheduleStatus(self.last, self.schedule.next_after(self.last), self.last)

    async def _startup(self) -> None:
        status = await self._load_status() if self.use_monitor else None
        if status:
            self.last = _parse(status.get("Last"))
        due = _parse(status.get("Next")) if status else None
        if due is not None and due < _now():
            updated = _parse(status.get("LastUpdated")) if status else None
            self.status = ScheduleStatus(self.last or NEVER, due, updated or NEVER)
            await self.fire(past_due=True, detail=" reason=missed")
        elif self.run_on_startup:
            await self.fire(past_due=False, detail=" reason=startup")

    async def _run(self) -> None:
        stopping = self.runtime.stopping
        try:
            await self._startup()
        except Exception:
            logger.exception("timer_startup_failed function=%s", self.spec.name)
        while not stopping.is_set():
            next_run = self.schedule.next_after(_now())
            self.status = ScheduleStatus(self.last or NEVER, next_run, _now())
            if self.use_monitor:
                try:
                    await self._save_status(next_run)
                except Exception:
                    logger.exception("timer_status_write_failed function=%s", self.spec.name)
            if await wait_for_event(stopping, (next_run - _now()).total_seconds()):
                return
            await self.fire(past_due=False)

    # --- admin ----------------------------------------------------------------------------
    async def invoke_once(self, raw_input: str | None) -> None:
        await self.fire(past_due=False, detail=" reason=admin")
