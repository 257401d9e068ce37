"""Backups and restores through the ``fieldkit backup`` and ``fieldkit restore`` commands, as an
administrator runs them: on SQLite, and on PostgreSQL too when FIELDKIT_TEST_DATABASE_URL is
set (in scratch databases named ``backup_…``, dropped after each test).

Each installation has its own instance folder and no configured secret key, so its key is
generated into the instance, as on a default installation.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from fieldkit import create_app
from fieldkit.core import backup, operations
from fieldkit.core.models import AuditEvent, Role, User, utcnow
from fieldkit.extensions import db
from tests.conftest import make_config


def head_revision() -> str:
    """The migration history's one head (what ``db upgrade`` leads to)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from fieldkit import MIGRATIONS_PATH

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_PATH))
    (head,) = ScriptDirectory.from_config(config).get_heads()
    return head


KINDS = ["sqlite"] + (["postgresql"] if os.environ.get("FIELDKIT_TEST_DATABASE_URL") else [])


@pytest.fixture(params=KINDS)
def new_database(request, tmp_path):
    """Factory: the URL of a new, empty database of the test's kind."""
    made: list[str] = []

    def new(name: str) -> str:
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path / name}.sqlite"
        server = sa.make_url(os.environ["FIELDKIT_TEST_DATABASE_URL"])
        database = f"backup_{uuid.uuid4().hex[:8]}_{name}"
        _on_server(f'CREATE DATABASE "{database}"')
        made.append(database)
        return server.set(database=database).render_as_string(hide_password=False)

    yield new
    for database in made:
        _on_server(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _on_server(statement: str) -> None:
    engine = sa.create_engine(os.environ["FIELDKIT_TEST_DATABASE_URL"])
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text(statement))
    finally:
        engine.dispose()


@pytest.fixture
def installation(tmp_path):
    """Factory: an app on ``url`` with its instance folder ``tmp_path/name`` (and its secret
    key generated there, unless ``SECRET_KEY`` is given)."""
    apps = []

    def make(url: str, name: str, **config):
        app = create_app(make_config(url, tmp_path / name, **{"SECRET_KEY": None, **config}))
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def run(app, *args: str):
    """``fieldkit ARGS`` on ``app``, as a user runs it (no app context of the test's around)."""
    return app.test_cli_runner().invoke(args=list(args))


def rows(app) -> dict[str, int]:
    with app.app_context(), db.engine.connect() as connection:
        return backup.table_rows(connection)


def files(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` by relative path, with its SHA-256."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def instance_state(app) -> dict:
    """What a refused restore must leave as it was."""
    instance = Path(app.instance_path)
    return {
        "rows": rows(app),
        "uploads": files(Path(app.config["UPLOAD_PATH"])),
        "outbox": files(Path(app.config["OUTBOX_PATH"])),
        "key": (instance / "secret_key").read_text(),
        "instance": sorted(path.name for path in instance.iterdir() if path.name != "__pycache__"),
    }


def jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), (200, 220, 240)).save(buffer, "JPEG")
    return buffer.getvalue()


class Writer(threading.Thread):
    """Another process's writes: two audit events per transaction until stopped."""

    ACTION = "test.writer"

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.engine = sa.create_engine(url)
        self.commits = 0
        self.errors: list[Exception] = []
        self.stopping = threading.Event()
        self.committed = threading.Condition()

    def run(self) -> None:
        insert = AuditEvent.__table__.insert()
        try:
            while not self.stopping.is_set():
                row = {"at": utcnow(), "action": self.ACTION, "object_type": "system"}
                with self.engine.begin() as connection:
                    connection.execute(insert, [{**row, "details": {}}] * 2)
                with self.committed:
                    self.commits += 1
                    self.committed.notify_all()
                self.stopping.wait(0.002)
        except Exception as exc:  # reported by the test
            self.errors.append(exc)
        finally:
            self.engine.dispose()

    def wait_for(self, commits: int) -> int:
        with self.committed:
            self.committed.wait_for(lambda: self.commits >= commits or self.errors, timeout=30)
            return self.commits

    def stop(self) -> int:
        self.stopping.set()
        self.join()
        return self.commits


def writer_rows(app) -> tuple[int, int]:
    """(the writer's audit events, the others)."""
    with app.app_context():
        mine = sa.func.count().filter(AuditEvent.action == Writer.ACTION)
        others = sa.func.count().filter(AuditEvent.action != Writer.ACTION)
        return db.session.execute(sa.select(mine, others)).one()


def test_a_backup_made_while_the_app_writes_restores_into_a_new_installation(
    new_database, installation, tmp_path
):
    from fieldkit.conferences.models import Group, Photo
    from fieldkit.conferences.referent import photos
    from fieldkit.conferences.setup import links as referent_links
    from fieldkit.surveys.fieldwork.demo import ANSWERS
    from fieldkit.surveys.models import Case, Response, ResponseStatus, Survey
    from fieldkit.surveys.respond import links
    from fieldkit.surveys.respond import operations as responses

    source_url = new_database("source")
    source = installation(source_url, "source")
    assert run(source, "demo").exit_code == 0
    with source.app_context():
        survey = db.session.scalar(sa.select(Survey))
        unanswered = db.session.scalars(
            sa.select(Case)
            .where(Case.survey_id == survey.id)
            .where(~sa.exists().where(Response.case_id == Case.id))
            .order_by(Case.external_id)
        ).all()
        answering, linked = unanswered[0], unanswered[1]
        response = responses.start_for_case(survey, answering)
        responses.save_answers(response, dict(ANSWERS), list(ANSWERS))
        assert responses.submit(response)
        group = db.session.scalar(sa.select(Group).order_by(Group.id))
        photo = photos.save_photo(group, jpeg())
        card = f"/g?t={referent_links.token_for(referent_links.card_link(group))}"
        db.session.commit()
        response_id, answers = response.id, dict(response.answers)
        photo_id, stem, group_id = photo.id, photo.stem, group.id
        linked_id, link = linked.id, f"/s/{links.personal_token(linked)}"
    source_uploads = files(Path(source.config["UPLOAD_PATH"]))
    source_outbox = files(Path(source.config["OUTBOX_PATH"]))
    assert f"conferences/{stem}.jpg" in source_uploads and len(source_outbox) == 160

    writer = Writer(source_url)
    writer.start()
    before = writer.wait_for(3)
    archive = tmp_path / "nightly.tar.gz"
    made = run(source, "backup", "-o", str(archive))
    final = writer.stop()
    assert made.exit_code == 0, made.output
    assert writer.errors == []  # the backup never kept the app from writing
    assert made.output.startswith(f"Wrote {archive} (")
    expected = rows(source)

    target = installation(new_database("target"), "target")
    done = run(target, "restore", str(archive))
    assert done.exit_code == 0, done.output
    key_file = Path(target.instance_path) / "secret_key"
    assert done.output.splitlines()[1:] == [
        f"Links: the secret key was restored into {key_file}: the links sent before the backup "
        "open, and are sent again, as before (restart a running app to use it)"
    ]
    # Restarted, the new installation has the old one's key, data and files.
    restored = installation(target.config["SQLALCHEMY_DATABASE_URI"], "target")
    assert key_file.read_text() == (Path(source.instance_path) / "secret_key").read_text()
    got = rows(restored)
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["database"]["rows"] == got
    assert done.output.splitlines()[0] == (
        f"Restored the backup of {manifest['created_at']} (fieldkit "
        f"{backup.fieldkit_version()}): {sum(got.values())} rows, 162 files"
    )
    # Every table as in the source, but for the rows written after the backup's moment.
    assert {k: v for k, v in got.items() if k != "audit_events"} == {
        k: v for k, v in expected.items() if k != "audit_events"
    }
    (written, others), (_, source_others) = writer_rows(restored), writer_rows(source)
    assert others == source_others
    assert written % 2 == 0 and 2 * before <= written <= 2 * final  # whole transactions
    assert got["responses"] == 100 and got["conference_photos"] == 1 and got["users"] == 1
    with restored.app_context():
        restored_response = db.session.get(Response, response_id)
        assert restored_response.answers == answers
        assert restored_response.status == ResponseStatus.SUBMITTED
        assert db.session.get(Photo, photo_id).stem == stem
    assert files(Path(restored.config["UPLOAD_PATH"])) == source_uploads
    assert files(Path(restored.config["OUTBOX_PATH"])) == source_outbox
    assert not [path for path in Path(target.instance_path).iterdir() if path.name.startswith(".")]

    client = restored.test_client()
    opened = client.get(link)
    assert opened.status_code == 302 and opened.headers["Location"] == "/svar"
    assert "Spørreskjema" in client.get("/svar").get_data(as_text=True)
    opened = client.get(card)
    assert opened.status_code == 302 and opened.headers["Location"] == f"/g/{group_id}"
    with restored.app_context():  # a reminder carries the link sent before
        assert f"/s/{links.personal_token(db.session.get(Case, linked_id))}" == link
    # New rows get new ids (PostgreSQL's sequences came along).
    with restored.app_context():
        user = operations.create_user("ny@example.no", "Ny Bruker", "correct horse battery")
        db.session.commit()
        assert user.id == 2
    # An app started before the restore keeps its own key: a referent's card, looked up with a
    # hash made with the key, does not open there until it is restarted.
    assert target.test_client().get(card).status_code == 404


@pytest.fixture
def small_backup(new_database, installation, tmp_path):
    """A backup of an installation with one user, one uploaded file and one outbox message."""
    source = installation(new_database("source"), "source")
    run(source, "db", "upgrade")
    assert run(source, "user", "create", "kari@example.no", "--name", "Kari",
               "--password", "correct horse battery").exit_code == 0  # fmt: skip
    (Path(source.config["UPLOAD_PATH"]) / "conferences").mkdir(parents=True)
    (Path(source.config["UPLOAD_PATH"]) / "conferences" / "photo.jpg").write_bytes(b"jpeg")
    (Path(source.config["OUTBOX_PATH"])).mkdir(parents=True)
    (Path(source.config["OUTBOX_PATH"]) / "message.eml").write_bytes(b"Subject: hei\n\nhei\n")
    # A one-off download is left out: it is pruned after the retention period anyway.
    (Path(source.config["UPLOAD_PATH"]) / "exports").mkdir(parents=True)
    (Path(source.config["UPLOAD_PATH"]) / "exports" / "old.sav").write_bytes(b"sav")
    made = run(source, "backup")
    assert made.exit_code == 0, made.output
    return Path(made.output.split()[1])


def empty_target(new_database, installation):
    """A new installation whose database has the schema and no rows (after `db upgrade`)."""
    target = installation(new_database("target"), "target")
    assert run(target, "db", "upgrade").exit_code == 0
    return target


def test_the_archive_lists_its_files_with_sizes_and_checksums(small_backup, tmp_path):
    backups = tmp_path / "source" / "backups"
    assert small_backup.parent == backups and oct(backups.stat().st_mode & 0o777) == "0o700"
    assert re.fullmatch(r"fieldkit-backup-\d{8}-\d{6}\.tar\.gz", small_backup.name)
    assert oct(small_backup.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(small_backup) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
        content = {name: tar.extractfile(name).read() for name in names if name != "manifest.json"}
    kind = manifest["database"]["kind"]
    database = {"sqlite": "database/fieldkit.sqlite", "postgresql": "database/fieldkit.pgdump"}
    assert names == [
        database[kind],
        "uploads/conferences/photo.jpg",
        "outbox/message.eml",
        "instance/secret_key",
        "manifest.json",
    ]
    assert manifest["files"] == [
        {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in content.items()
    ]
    assert manifest["database"]["revisions"] == [head_revision()]
    assert manifest["database"]["rows"]["users"] == 1
    assert manifest["secret_key"]["source"] == "instance"
    assert manifest["fieldkit_version"] == backup.fieldkit_version()


def test_a_restore_into_a_database_that_is_not_empty_is_refused(
    small_backup, new_database, installation
):
    target = empty_target(new_database, installation)
    assert run(target, "user", "create", "ola@example.no", "--name", "Ola",
               "--password", "correct horse battery").exit_code == 0  # fmt: skip
    before = instance_state(target)
    refused = run(target, "restore", str(small_backup))
    assert refused.exit_code == 1
    assert refused.output == (
        "Error: the database is not empty (2 rows in 2 tables, most in audit_events, users): "
        "restore into an empty database, or add --force to replace what it holds; nothing "
        "was changed\n"
    )
    assert instance_state(target) == before
    # --force replaces it.
    forced = run(target, "restore", "--force", str(small_backup))
    assert forced.exit_code == 0, forced.output
    with target.app_context():
        assert db.session.scalars(sa.select(User.email)).all() == ["kari@example.no"]
        assert db.session.scalar(sa.select(User.role)) == Role.RESEARCHER
    assert files(Path(target.config["OUTBOX_PATH"])).keys() == {"message.eml"}


def repack(archive: Path, out: Path, *, flip: str = "", rename=None, manifest=None) -> Path:
    """A copy of ``archive`` with one byte of member ``flip`` changed, members renamed
    (``{old: new}``) or the manifest changed by ``manifest(data)``."""
    with tarfile.open(archive) as source, tarfile.open(out, "w:gz") as copy:
        for info in source:
            data = source.extractfile(info).read()
            if info.name == flip:
                data = bytes([data[0] ^ 1]) + data[1:]
            if info.name == "manifest.json" and manifest is not None:
                data = json.dumps(manifest(json.loads(data))).encode()
                info.size = len(data)
            info.name = (rename or {}).get(info.name, info.name)
            copy.addfile(info, io.BytesIO(data))
    return out


def test_a_damaged_archive_is_refused_and_changes_nothing(
    small_backup, new_database, installation, tmp_path
):
    target = empty_target(new_database, installation)
    before = instance_state(target)
    changed = repack(
        small_backup, tmp_path / "changed.tar.gz", flip="uploads/conferences/photo.jpg"
    )
    refused = run(target, "restore", str(changed))
    assert refused.exit_code == 1
    assert refused.output == (
        "Error: changed.tar.gz is damaged: uploads/conferences/photo.jpg does not match its "
        "checksum; nothing was changed\n"
    )
    assert instance_state(target) == before

    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(small_backup.read_bytes()[:-200])
    refused = run(target, "restore", str(cut))
    assert refused.exit_code == 1
    assert refused.output.startswith("Error: cut.tar.gz is damaged: it cannot be read (")
    assert refused.output.endswith("; nothing was changed\n")
    assert instance_state(target) == before


def test_a_backup_of_a_newer_schema_is_refused(small_backup, new_database, installation, tmp_path):
    def newer(manifest):
        manifest["database"]["revisions"] = ["z999"]
        manifest["fieldkit_version"] = "9.0"
        return manifest

    target = empty_target(new_database, installation)
    before = instance_state(target)
    refused = run(
        target, "restore", str(repack(small_backup, tmp_path / "new.tar.gz", manifest=newer))
    )
    assert refused.exit_code == 1
    assert refused.output == (
        "Error: the backup's database schema is newer than this fieldkit knows (revision z999, "
        f"made by fieldkit 9.0; this is {backup.fieldkit_version()}): upgrade fieldkit first, "
        "then restore; nothing was changed\n"
    )
    assert instance_state(target) == before


def test_a_backup_of_the_other_kind_of_database_is_refused(
    small_backup, new_database, installation, tmp_path
):
    """A SQLite backup made to look like a PostgreSQL one, or the other way round."""
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    files = {"sqlite": "database/fieldkit.sqlite", "postgresql": "database/fieldkit.pgdump"}
    with tarfile.open(small_backup) as tar:
        kind = json.loads(tar.extractfile("manifest.json").read())["database"]["kind"]
    other = "postgresql" if kind == "sqlite" else "sqlite"

    def swapped(manifest):
        manifest["database"].update(kind=other, file=files[other])
        manifest["files"][0]["name"] = files[other]
        return manifest

    target = empty_target(new_database, installation)
    before = instance_state(target)
    archive = repack(
        small_backup,
        tmp_path / "other.tar.gz",
        rename={files[kind]: files[other]},
        manifest=swapped,
    )
    refused = run(target, "restore", str(archive))
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: the backup holds a {names[other]} database and this installation uses "
        f"{names[kind]}: fieldkit restores SQLite into SQLite and PostgreSQL into PostgreSQL "
        "only; nothing was changed\n"
    )
    assert instance_state(target) == before


def test_a_backup_of_an_older_schema_is_upgraded_after_the_restore(
    new_database, installation, tmp_path
):
    from flask_migrate import upgrade

    source = installation(new_database("source"), "source")
    with source.app_context():
        upgrade(directory=source.extensions["migrate"].directory, revision="0002")
    archive = tmp_path / "old.tar.gz"
    assert run(source, "backup", "-o", str(archive)).exit_code == 0
    target = installation(new_database("target"), "target")
    done = run(target, "restore", str(archive))
    assert done.exit_code == 0, done.output
    assert "Upgraded the schema from 0002\n" in done.output
    with target.app_context():
        assert (
            db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == head_revision()
        )
        assert "conference_photos" in sa.inspect(db.engine).get_table_names()


def test_a_configured_secret_key_stays_out_of_the_archive_and_must_be_the_same_after(
    new_database, installation
):
    key, other = "k" * 40, "o" * 40
    source = installation(new_database("source"), "source", SECRET_KEY=key)
    run(source, "db", "upgrade")
    made = run(source, "backup")
    archive = Path(made.output.split()[1])
    with tarfile.open(archive) as tar:
        assert "instance/secret_key" not in tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["secret_key"] == {
        "source": "configuration",
        "fingerprint": backup.key_fingerprint(key),
    }
    same = installation(new_database("same"), "same", SECRET_KEY=key)
    done = run(same, "restore", str(archive))
    assert done.output.splitlines()[-1] == (
        "Links: this installation has the backup's secret key: the links sent before the "
        "backup open, and are sent again, as before"
    )
    another = installation(new_database("another"), "another", SECRET_KEY=other)
    done = run(another, "restore", str(archive))
    assert done.exit_code == 0
    assert done.output.splitlines()[-1] == (
        "Warning: the backed-up installation had its secret key in its configuration "
        "(FIELDKIT_SECRET_KEY) and this installation uses another one: set FIELDKIT_SECRET_KEY "
        "to that key, or referents' links and the links sent again (reminders) will not open"
    )


def test_pg_dump_that_is_missing_or_older_than_the_server_is_named(
    new_database, installation, tmp_path, monkeypatch
):
    url = new_database("source")
    if url.startswith("sqlite"):
        pytest.skip("SQLite is copied by Python's sqlite3, without client programs")
    source = installation(url, "source")
    run(source, "db", "upgrade")
    tools = tmp_path / "bin"
    tools.mkdir()
    monkeypatch.setenv("PATH", str(tools))
    missing = run(source, "backup")
    assert missing.exit_code == 1
    assert missing.output == (
        "Error: pg_dump is not installed: install the PostgreSQL client programs of the "
        "server's version (e.g. apt-get install postgresql-client)\n"
    )
    old = tools / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    old.chmod(0o755)
    refused = run(source, "backup")
    with source.app_context(), db.engine.connect() as connection:
        server = int(connection.scalar(sa.text("SHOW server_version_num"))) // 10_000
    assert refused.output == (
        f"Error: pg_dump is version 9 and the database server version {server}: pg_dump must "
        f"be at least as new as the server; install the PostgreSQL {server} client programs "
        f"(e.g. apt-get install postgresql-client-{server})\n"
    )
    assert not list((Path(source.instance_path) / "backups").iterdir())
