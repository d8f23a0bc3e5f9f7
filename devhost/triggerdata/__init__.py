"""The trigger data the Functions host sends its worker, per trigger (a module each, with the
host and extension source it follows): the trigger parameter's value and the trigger metadata.
devhost's listeners build it; both invokers convert it from here (devhost.typeddata)."""

from devhost.triggerdata.blob import as_reference, blob_trigger
from devhost.triggerdata.http import http_trigger
from devhost.triggerdata.queue import from_message, queue_trigger
from devhost.triggerdata.timer import ScheduleStatus, timer_trigger

__all__ = [
    "ScheduleStatus",
    "as_reference",
    "blob_trigger",
    "from_message",
    "http_trigger",
    "queue_trigger",
    "timer_trigger",
]
