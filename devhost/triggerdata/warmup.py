"""A warmup call as the host hands it to the Python worker.

The Warmup extension's trigger (Extensions/Warmup in Azure/azure-webjobs-sdk-extensions) binds
no binding data (`WarmupTriggerBinding.BindAsync` returns `TriggerData(null, null)`) and its
value type is `WarmupContext`, a class without properties, which the host serialises with
Newtonsoft.Json as `{}`. The Python library's converter ignores the value either way
(`WarmUpTriggerConverter.decode` returns a fresh `WarmUpContext`).
"""

from __future__ import annotations

from devhost.typeddata import TriggerInput, Typed

__all__ = ["warmup_trigger"]


def warmup_trigger() -> TriggerInput:
    return TriggerInput(Typed.json({}), {})
