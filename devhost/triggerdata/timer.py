"""A timer tick as the host hands it to the Python worker.

The trigger value is the Timers extension's `TimerInfo` (TimerInfo.cs and TimerListener.cs,
src/WebJobs.Extensions/Extensions/Timers in Azure/azure-webjobs-sdk-extensions), which the
host serialises to JSON: `Schedule` (`{"AdjustForDST": true}` for NCRONTAB, false for a TimeSpan
schedule), `ScheduleStatus` (`Last`, `Next`, `LastUpdated`; null when `useMonitor` is off,
since the listener then has no schedule monitor), and `IsPastDue`. The only binding data is
`TimerTrigger`, `DateTime.Now.ToString()` (TimerTriggerBinding.cs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from devhost.triggerdata.dotnet import iso, local_invariant
from devhost.typeddata import TriggerInput, Typed

__all__ = ["ScheduleStatus", "timer_trigger"]

# `default(DateTime).ToLocalTime()`: what the listener records before the first run.
NEVER = datetime(1, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ScheduleStatus:
    """The listener's status when the function runs: the previous run, this occurrence (the
    scheduler's Next is the current time when it fires) and when the status was written."""

    last: datetime
    next: datetime
    last_updated: datetime

    def to_json(self) -> dict[str, str]:
        return {
            "Last": iso(self.last),
            "Next": iso(self.next),
            "LastUpdated": iso(self.last_updated),
        }


def timer_trigger(
    *, past_due: bool, status: ScheduleStatus | None, adjust_for_dst: bool
) -> TriggerInput:
    info: dict[str, Any] = {
        "Schedule": {"AdjustForDST": adjust_for_dst},
        "ScheduleStatus": status.to_json() if status else None,
        "IsPastDue": past_due,
    }
    return TriggerInput(Typed.json(info), {"TimerTrigger": Typed.string(local_invariant())})
