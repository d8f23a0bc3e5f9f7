"""Why the worker invoker cannot serve the app; devhost then refuses to start."""

from __future__ import annotations

__all__ = ["MetadataMismatch", "WorkerError", "WorkerStartFailed", "WorkerUnavailable"]


class WorkerError(RuntimeError):
    """The worker invoker cannot run the app."""


class WorkerUnavailable(WorkerError):
    """Microsoft's worker library cannot be imported (Python older than 3.13, or not installed)."""


class WorkerStartFailed(WorkerError):
    """The library refused an init, metadata or load request (its exception's message)."""


class MetadataMismatch(WorkerError):
    """devhost's own index of the app and the library's function metadata disagree."""
