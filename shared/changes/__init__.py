"""The order change feed: outbox publishing and its relay (`outbox`), the queue consumer
(`consumer`), the read models (`read_models`, on Table Storage in `table_read_models`) and the
nightly sweep (`sweep`). The entry points take what they use as parameters; shared.bootstrap
builds it. See docs/change-feed.md for the design and its guarantees.
"""

from shared.changes.consumer import process_event_message
from shared.changes.outbox import run_relay
from shared.changes.sweep import run_nightly_sweep
from shared.config import ORDER_EVENTS_QUEUE

__all__ = ["ORDER_EVENTS_QUEUE", "process_event_message", "run_nightly_sweep", "run_relay"]
