"""The database: SQLite settings, and migrations that agree with the models."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fieldkit import create_app
from fieldkit.core.database import upgrade_schema
from fieldkit.extensions import db
from tests.conftest import make_config


def test_sqlite_has_foreign_keys_wal_busy_timeout_and_mapped_reads(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'x.sqlite'}", tmp_path))
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 10000
        assert db.session.execute(sa.text("PRAGMA mmap_size")).scalar() == 1 << 30


def test_models_and_migrations_agree(app):
    """Autogenerate finds nothing to do on the database the migrations built."""
    import fieldkit.models  # noqa: F401

    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_migration_history_has_one_head():
    """A plain ``fieldkit db upgrade`` (and ``db migrate``) needs exactly one head."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from fieldkit import MIGRATIONS_PATH

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_PATH))
    assert ScriptDirectory.from_config(config).get_heads() == ["m005"]


def test_migrations_downgrade_to_nothing_and_up_again(tmp_path):
    from flask_migrate import downgrade

    app = create_app(make_config(f"sqlite:///{tmp_path / 'm.sqlite'}", tmp_path))
    with app.app_context():
        upgrade_schema()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"users", "projects", "memberships", "audit_events", "jobs"} <= tables
        downgrade(directory=app.extensions["migrate"].directory, revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) == {"alembic_version"}
        upgrade_schema()
        assert set(sa.inspect(db.engine).get_table_names()) == tables


def test_foreign_keys_are_enforced(app, make_user):
    from fieldkit.core.models import Membership

    user = make_user()
    db.session.add(Membership(user_id=user.id, project_id=999_999))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_binary_results_give_the_same_values_and_use_psycopg_binary_format(make_user):
    """The ``BINARY_RESULTS`` option (results' reads) changes the wire format, not the values."""
    from datetime import datetime

    from fieldkit.core.database import BINARY_RESULTS, utc_naive
    from fieldkit.core.models import User

    if db.engine.dialect.name != "postgresql":
        pytest.skip("BINARY_RESULTS only changes psycopg's wire format; SQLite has one format")
    from psycopg.pq import Format

    user = make_user(name="Binær")
    formats = []

    def seen(_conn, cursor, *_args):
        # The format the server sent each column in, not only what the cursor asked for.
        result = cursor.pgresult
        formats.append({Format(result.fformat(i)) for i in range(result.nfields)})

    query = sa.select(
        sa.literal(b"\x00\x01\xff", sa.LargeBinary),
        User.name,
        utc_naive(User.created_at),
    ).where(User.id == user.id)
    sa.event.listen(db.engine, "after_cursor_execute", seen)
    try:
        text_rows = db.session.execute(query).all()
        binary_rows = db.session.execute(query.execution_options(**{BINARY_RESULTS: True})).all()
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", seen)
    assert text_rows == binary_rows
    blob, name, created = binary_rows[0]
    assert bytes(blob) == b"\x00\x01\xff" and name == "Binær"
    assert isinstance(created, datetime) and created.tzinfo is None
    assert created == user.created_at.replace(tzinfo=None)
    assert formats == [{Format.TEXT}, {Format.BINARY}]


def test_only_connections_that_sat_idle_are_pinged_before_use(app, monkeypatch):
    """No round trip of its own per request (``pool_pre_ping`` made one on every checkout):
    a connection is tested only when it comes back into use after
    ``PING_AFTER_IDLE_SECONDS``."""
    from fieldkit.core import database

    pings = []
    real_ping = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda c: pings.append(c) or real_ping(c))
    for _ in range(3):  # requests one after the other, as on a busy server
        db.session.execute(sa.text("SELECT 1"))
        db.session.remove()
    assert pings == []
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)  # as if long unused
    db.session.execute(sa.text("SELECT 1"))
    db.session.remove()
    assert len(pings) == 1


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(app, monkeypatch):
    """A restart of PostgreSQL (or a firewall) ends a pooled connection while it is idle: the
    next request gets a new connection instead of an error."""
    from fieldkit.core import database

    if db.engine.dialect.name != "postgresql":
        pytest.skip("an SQLite connection is a file, not a server's session")
    backend = sa.text("SELECT pg_backend_pid()")
    with db.engine.connect() as connection:
        dropped = connection.execute(backend).scalar()
    killer = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    with killer.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    killer.dispose()
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)  # it sat idle meanwhile
    with db.engine.connect() as connection:
        assert connection.execute(backend).scalar() != dropped
