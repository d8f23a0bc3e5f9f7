"""Scheduled functions.

The sweep's schedule is the app setting ORDER_SWEEP_SCHEDULE (NCRONTAB, six fields; 2 AM UTC
is `0 0 2 * * *`). The outbox relay runs every minute: it is a repair path, so its delay
bounds how long an event whose send failed can wait, and it is not meant to be tuned.
"""

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import azure.functions as func

from blueprints.endpoint import Blueprint
from blueprints.lazy import lazy_module

if TYPE_CHECKING:
    from shared import bootstrap, changes, telemetry
else:
    bootstrap = lazy_module("shared.bootstrap")
    changes = lazy_module("shared.changes")
    telemetry = lazy_module("shared.telemetry")

bp = Blueprint()


@bp.timer_trigger(arg_name="timer", schedule="%ORDER_SWEEP_SCHEDULE%", use_monitor=True)
async def nightly_sweep(timer: func.TimerRequest, context: func.Context) -> None:
    with telemetry.invocation(context.invocation_id):
        await changes.run_nightly_sweep(
            repo=await bootstrap.order_repository(),
            backlog=await bootstrap.order_backlog(),
            publisher=bootstrap.event_publisher(),
            ttl=timedelta(hours=bootstrap.settings().pending_ttl_hours),
            now=datetime.now(UTC),
            past_due=timer.past_due,
            cleanup=await bootstrap.outbox_cleanup(),
        )


@bp.timer_trigger(arg_name="timer", schedule="0 * * * * *", use_monitor=False)
async def relay_outbox(timer: func.TimerRequest, context: func.Context) -> None:
    with telemetry.invocation(context.invocation_id):
        await changes.run_relay(
            backlog=await bootstrap.order_backlog(),
            publisher=bootstrap.event_publisher(),
            now=datetime.now(UTC),
            cleanup=await bootstrap.outbox_cleanup(),
        )
