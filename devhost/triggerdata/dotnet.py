"""How the host renders .NET values it forwards as trigger metadata. A value that is not a
string, byte array or double goes through `ToRpcDefault` (GrpcMessageConversionExtensions.cs in
Azure/azure-functions-host): `JsonConvert.SerializeObject` with Newtonsoft.Json's defaults, so
dates are ISO 8601 with up to seven fraction digits and the offset, and enums are numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["iso", "local_invariant"]


def iso(moment: datetime) -> str:
    """Newtonsoft's `yyyy-MM-ddTHH:mm:ss.FFFFFFFK`: trailing fraction zeros dropped; a
    DateTimeOffset (here any aware datetime) ends in its offset, `+00:00` for UTC."""
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += "." + f"{moment.microsecond:06d}".rstrip("0")
    offset = moment.utcoffset()
    if offset is not None:
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        text += f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return text


def local_invariant(moment: datetime | None = None) -> str:
    """`DateTime.Now.ToString()` under the invariant culture (what Linux hosts run with):
    `MM/dd/yyyy HH:mm:ss`, local time, which on Azure is UTC."""
    return (moment or datetime.now(UTC)).strftime("%m/%d/%Y %H:%M:%S")
