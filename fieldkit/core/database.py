"""Database set-up shared by every engine: SQLite pragmas, schema upgrade, table listing, and
the SQL expressions that differ between SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import time

import sqlalchemy as sa
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from fieldkit.extensions import db

_configured = False

#: Milliseconds SQLite waits for a lock held by another process before giving up.
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: How much of the database file SQLite reads through memory-mapped I/O instead of a read()
#: call per 4 kB page (address space, not memory: the pages are the OS's file cache); an
#: export's reads are faster so (docs/benchmarks.md).
SQLITE_MMAP_BYTES = 1 << 30


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        # Deleted rows are overwritten with zeros, not left in free pages (erasure, GDPR);
        # Debian's SQLite does this by default, other builds do not.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()


class utc_naive(FunctionElement):  # noqa: N801  # an SQL function, named as SQL names them
    """A ``UTCDateTime`` column's moment in UTC without a time zone, converted by the database:
    what SPSS, Stata and Excel files hold.

    PostgreSQL keeps ``timestamp with time zone`` and gives it in the session's time zone, so
    it is converted there (``timezone('UTC', …)``); SQLite stores UTC without an offset, which
    is already that. Cheaper than converting every aware datetime in Python, and right
    whatever the session's time zone is.
    """

    type = sa.DateTime()
    inherit_cache = True
    name = "utc_naive"


@compiles(utc_naive)
def _utc_naive_as_stored(element: utc_naive, compiler, **kw) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(utc_naive, "postgresql")
def _utc_naive_postgresql(element: utc_naive, compiler, **kw) -> str:
    return f"timezone('UTC', {compiler.process(element.clauses, **kw)})"


#: Execution option: the statement's rows come in the driver's binary format where it has one
#: (psycopg: bytea as bytes and timestamps as numbers instead of hex and date text, which reads
#: analysis rows faster: docs/benchmarks.md). The rows' Python values are the same.
BINARY_RESULTS = "fieldkit_binary_results"


def _binary_results(_connection, cursor, _statement, _parameters, context, _executemany) -> None:
    wanted = context is not None and context.execution_options.get(BINARY_RESULTS)
    if wanted and hasattr(cursor, "format"):  # a psycopg cursor; SQLite has one format
        # psycopg.pq.Format.BINARY, taken from the cursor: no import of psycopg for SQLite.
        cursor.format = type(cursor.format).BINARY


def configure_engine_events() -> None:
    """Turn on foreign keys, WAL, a busy timeout and memory-mapped reads on every SQLite
    connection, and the ``BINARY_RESULTS`` execution option (once)."""
    global _configured
    if not _configured:
        sa.event.listen(sa.engine.Engine, "connect", _sqlite_pragmas)
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", _binary_results)
        _configured = True


#: A pooled connection that has not been used for this many seconds is tested with a round
#: trip before it is handed out (a server restarted or a connection dropped by a firewall in
#: the meantime is then replaced, not met by the request). Connections of a busy server go
#: back and forth within milliseconds and are not tested: SQLAlchemy's ``pool_pre_ping``
#: tested every one, a round trip per request that halved PostgreSQL's submits per second
#: (docs/benchmarks.md).
PING_AFTER_IDLE_SECONDS = 1.0
_RETURNED_AT = "fieldkit_returned_at"


def ping_idle_connections(engine: sa.engine.Engine) -> None:
    """Test a connection on its way out of ``engine``'s pool when it has been idle for more
    than ``PING_AFTER_IDLE_SECONDS``; a dead one invalidates the pool (its other connections
    date from before the same restart) and a fresh connection is handed out instead."""
    dialect = engine.dialect

    def returned(_dbapi_connection, record) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    def checked_out(dbapi_connection, record, _proxy) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
            return  # new, or back from a request a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            raise sa.exc.InvalidatePoolError(f"idle connection is gone: {exc}") from exc

    sa.event.listen(engine, "checkin", returned)
    sa.event.listen(engine, "checkout", checked_out)


def autocommit_until_commit() -> None:
    """Run the session's statements from now until its next commit each in a transaction of
    its own (autocommit): no BEGIN, no COMMIT, two round trips to PostgreSQL fewer.

    For requests that read and then make at most one write, a single statement (the
    respondent's page: ``respond.operations.save_answers``' conditional UPDATE): each statement
    is atomic and durable when it returns, and under READ COMMITTED the reads never shared a
    snapshot anyway. The commit ends it: whatever comes after it in the request (a submission,
    the audit log) runs in a transaction again. Called after the session began a transaction
    (it has read or written something not yet committed), it changes nothing.
    """
    if not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def upgrade_schema() -> None:
    """Bring the database schema to the newest migration (what ``fieldkit db upgrade`` does)."""
    upgrade(directory=current_app.extensions["migrate"].directory, revision="head")
