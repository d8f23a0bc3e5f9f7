"""The in-process invoker's part of the worker: devhost decodes each trigger with the same
azure.functions converters Microsoft's worker library uses, runs the function in its own
process and encodes what it returned, as the library does (its default, on every Python)."""

from devhost.inprocess.runner import InProcessRunner

__all__ = ["InProcessRunner"]
