"""The warmup function: an instance the platform adds gets ready before it takes traffic.

The Functions host runs the function named `warmup` with a warmup trigger once on each
instance that scale-out adds, before the instance receives requests; never on a restart, and
not on every plan (docs/architecture.md, "Warm before traffic", cites where it runs). It
imports what the functions load on first use (every module the blueprints bind lazily, and
Pillow's thumbnail pipeline), then has the composition root build every client of every
account and open its connections, so the first requests find them ready.

Where no warmup runs, nothing is lost: each function builds what it needs on first use.
"""

import importlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import azure.functions as func

from blueprints.endpoint import Blueprint
from blueprints.lazy import import_all, lazy_module

if TYPE_CHECKING:
    from shared import bootstrap, telemetry
else:
    bootstrap = lazy_module("shared.bootstrap")
    telemetry = lazy_module("shared.telemetry")

bp = Blueprint()

# What the functions' core loads on its own first use, beyond the blueprints' bindings.
LOADED_ON_FIRST_USE = ("shared.images.pipeline",)  # Pillow: the first thumbnail's import


# azure-functions 1.26 and 2.3 list `WarmUpContext` in `__all__` but import only its module.
@bp.warm_up_trigger(arg_name="warmup_context")
async def warmup(warmup_context: func.warmup.WarmUpContext, context: func.Context) -> None:
    with telemetry.invocation(context.invocation_id):
        import_all()
        for name in LOADED_ON_FIRST_USE:
            importlib.import_module(name)
        await bootstrap.warm_up(now=datetime.now(UTC))
