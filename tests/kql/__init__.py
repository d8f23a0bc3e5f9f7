"""A small KQL evaluator for the queries of infra/queries, over the telemetry envelopes the
app really sends (captured by devhost.ingestion), so that each query is shown to read names
the app emits and each alert's condition is evaluated without Azure.

It implements the subset those queries use, and nothing silently: anything else raises
`Unsupported` (the grammar is in tests/kql/syntax.py). What it does not reproduce: Azure's
t-digest percentiles on large sets (nearest rank here), time windows (the rule's window is
the whole capture), and `render` (how the portal draws rows).
"""

from __future__ import annotations

from tests.kql.alerts import Rule, fires
from tests.kql.errors import KqlError, Unsupported
from tests.kql.evaluate import Table, run
from tests.kql.reads import Reads, reads
from tests.kql.syntax import Query, parse
from tests.kql.telemetry import tables

__all__ = [
    "KqlError",
    "Query",
    "Reads",
    "Rule",
    "Table",
    "Unsupported",
    "fires",
    "parse",
    "reads",
    "run",
    "tables",
]
