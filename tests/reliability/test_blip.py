"""A 3 s queue outage while orders are created: every read model is exact within 15 s of the
queue coming back, and the relay did not have to run (it is not even served: only the prompt
resend of shared/changes/resend.py can have sent the events whose send failed).

The queue service answers 503 meanwhile (tests/reliability/blip.py, `unavailable`): every send
in the outage fails, so the blip is always felt, and no receive is taken without its answer
arriving, whose messages would stay hidden for the listener's lease whatever the app does."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.reliability.blip import run_blip, served_functions
from tests.support import registered_functions

if TYPE_CHECKING:
    from pathlib import Path

# Azurite, devhost, a few dozen orders and the convergence check: a minute or two.
pytestmark = pytest.mark.timeout(600)


def test_a_queue_blip_is_caught_up_within_15_s_without_the_relay(tmp_path: Path) -> None:
    functions = served_functions(list(registered_functions()), relay=False)
    assert "relay_outbox" not in functions and "process_order_event" in functions
    report = run_blip(
        tmp_path, functions, fault="unavailable", services=("queue",), down_s=3.0, pace_s=0.1
    )
    print(report)  # noqa: T201 - the figures, for the record
    assert report.deferred > 0, "the blip must have been felt, or it proved nothing"
    assert report.resent == report.deferred  # each waiting event sent again, once
    assert report.relayed == 0
    assert report.poisoned == []
