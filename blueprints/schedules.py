"""Scheduled functions.

The sweep's schedule is the app setting ORDER_SWEEP_SCHEDULE (NCRONTAB, six fields; 2 AM UTC
is `0 0 2 * * *`). The outbox relay runs every minute: it is a repair path, so its delay
bounds how long an event whose send failed can wait, and it is not meant to be tuned.
"""

from typing import TYPE_CHECKING

import azure.functions as func

from blueprints.lazy import lazy_module

if TYPE_CHECKING:
    from shared import changes, telemetry
else:
    changes = lazy_module("shared.changes")
    telemetry = lazy_module("shared.telemetry")

bp = func.Blueprint()


@bp.timer_trigger(arg_name="timer", schedule="%ORDER_SWEEP_SCHEDULE%", use_monitor=True)
async def nightly_sweep(timer: func.TimerRequest, context: func.Context) -> None:
    with telemetry.invocation(context.invocation_id):
        await changes.run_nightly_sweep(past_due=timer.past_due)


@bp.timer_trigger(arg_name="timer", schedule="0 * * * * *", use_monitor=False)
async def relay_outbox(timer: func.TimerRequest, context: func.Context) -> None:
    with telemetry.invocation(context.invocation_id):
        await changes.run_relay()
