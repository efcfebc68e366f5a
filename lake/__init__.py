"""Insight Lake: a serverless medallion lake organised by insight zones.

The platform core is pure Python; AWS and local backends plug in underneath.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lake.notebook import Connection

__version__ = "0.1.0"
__all__ = ["connect"]


def connect(zone: str | None = None, *, principal: str | None = None, **where: Any) -> Connection:
    """Query the lake from a notebook or script, as the CLI would (see ``lake.notebook``)."""
    from lake.notebook import connect as _connect  # deferred: `import lake` stays light

    return _connect(zone, principal=principal, **where)
