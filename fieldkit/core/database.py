"""Database set-up shared by every engine: SQLite pragmas, schema upgrade, table listing."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from flask import current_app

_configured = False

#: Milliseconds SQLite waits for a lock held by another process before giving up.
SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def configure_engine_events() -> None:
    """Turn on foreign keys, WAL and a busy timeout on every SQLite connection (once)."""
    global _configured
    if not _configured:
        sa.event.listen(sa.engine.Engine, "connect", _sqlite_pragmas)
        _configured = True


def upgrade_schema() -> None:
    """Bring the database schema to the newest migration (what ``fieldkit db upgrade`` does)."""
    from flask_migrate import upgrade

    # "heads": feature branches of the migration history may each have their own head.
    upgrade(directory=current_app.extensions["migrate"].directory, revision="heads")
