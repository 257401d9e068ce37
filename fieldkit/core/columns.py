"""How much text a column holds. Uploads check their cells against it, so a long cell is a
message naming its row and column, never a database error (PostgreSQL refuses such a value;
SQLite would keep it whole)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _


def max_length(column: sa.Column | sa.orm.InstrumentedAttribute) -> int | None:
    """The most characters ``column`` holds, or None for unbounded text."""
    column = getattr(column, "expression", column)
    return getattr(column.type, "length", None)


def too_long(value: str, column: sa.Column | sa.orm.InstrumentedAttribute) -> str | None:
    """Why ``value`` does not fit ``column`` ("longer than 200 characters (201)"), or None."""
    limit = max_length(column)
    if limit is None or len(value) <= limit:
        return None
    return _("longer than %(max)d characters (%(length)d)", max=limit, length=len(value))
