"""Restoring a backup made by ``fieldkit.core.backup``: ``fieldkit restore``.

A restore checks the whole archive before it changes anything: every file against the
manifest's size and SHA-256, the database kind (SQLite into SQLite, PostgreSQL into
PostgreSQL: moving between them is not a restore), a schema revision this code knows (a
backup made by a newer fieldkit is refused), the client programs a PostgreSQL restore needs,
and an empty database (rows only in ``alembic_version``, as after ``fieldkit db upgrade``)
unless forced. Only then does it replace the database, put the files in place (files already
there under other names are kept), write the secret key, check that every table holds the
rows the manifest lists, and upgrade an older schema to the newest revision.

SQLite is restored with SQLite's backup API into the database file, PostgreSQL by
``pg_restore`` piped into ``psql`` in one transaction that first drops the tables there: the
database is either the old one or the backup's, never a mix.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app

from fieldkit.core.backup import (
    ARCHIVE_KIND,
    ARCHIVE_VERSION,
    CHUNK,
    DATABASE_FILES,
    KIND_NAMES,
    MANIFEST,
    SECRET_KEY_FILE,
    VERSION_TABLE,
    BackupError,
    client_tool,
    database_kind,
    fieldkit_version,
    instance_key_file,
    key_fingerprint,
    libpq_connection,
    run_tool,
    sqlite_path,
    table_rows,
    tool_major,
)
from fieldkit.core.database import upgrade_schema
from fieldkit.extensions import db

logger = logging.getLogger(__name__)


@dataclass
class Restore:
    """What a restore did."""

    manifest: dict[str, Any]
    rows: int = 0
    files: int = 0
    #: The backup's revisions when the schema was upgraded after the restore, else None.
    upgraded_from: list[str] | None = None
    #: What became of the secret key that signs the links (a warning when they will not open).
    key_note: str = ""
    key_warning: bool = False


def restore(archive: Path, *, force: bool = False) -> Restore:
    """Restore ``archive`` into the configured database and instance; BackupError, with
    nothing changed, when a check fails (a database that is not empty only with ``force``)."""
    kind = database_kind()
    instance = Path(current_app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=instance, prefix=".fieldkit-restore-") as tmp:
        staging = Path(tmp)
        try:
            manifest = unpack(archive, staging)
            _check_restorable(manifest, kind)
            tools = _postgresql_tools(manifest) if kind == "postgresql" else {}
            _check_target(force)
        except BackupError as exc:
            raise BackupError(f"{exc}; nothing was changed") from exc
        result = Restore(manifest)
        staged = staging / manifest["database"]["file"]
        db.session.remove()
        db.engine.dispose()
        if kind == "sqlite":
            _restore_sqlite(staged)
        else:
            _restore_postgresql(staged, tools)
        result.rows = _check_rows(manifest["database"]["rows"])
        result.files = _place_files(staging, manifest)
        result.key_note, result.key_warning = _restore_key(staging, manifest)
    revisions = manifest["database"]["revisions"]
    if set(revisions) != set(_migrations().get_heads()):
        upgrade_schema()
        result.upgraded_from = revisions
    logger.info("backup %s restored (%d rows, %d files)", archive, result.rows, result.files)
    return result


def unpack(archive: Path, staging: Path) -> dict[str, Any]:
    """Unpack ``archive`` into ``staging`` and return its manifest, after checking every file
    against the manifest's size and SHA-256; BackupError if anything differs."""
    found: dict[str, tuple[int, str]] = {}
    manifest_text = None
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                if member.name == MANIFEST and member.isfile():
                    manifest_text = tar.extractfile(member).read()
                    continue
                if not member.isfile() or not _safe_name(member.name):
                    raise BackupError(f"{archive.name} holds {member.name!r}, no backup file")
                if member.name in found:
                    raise BackupError(f"{archive.name} holds {member.name} twice")
                path = staging / member.name
                path.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with tar.extractfile(member) as source, open(path, "wb") as copy:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        copy.write(chunk)
                found[member.name] = (member.size, digest.hexdigest())
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"{archive.name} is damaged: it cannot be read ({exc})") from exc
    if manifest_text is None:
        raise BackupError(f"{archive.name} is damaged or no fieldkit backup: it has no {MANIFEST}")
    try:
        manifest = json.loads(manifest_text)
        listed = {entry["name"]: (entry["size"], entry["sha256"]) for entry in manifest["files"]}
        database = manifest["database"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{archive.name} is damaged: its {MANIFEST} cannot be read") from exc
    if manifest.get("format") != ARCHIVE_KIND:
        raise BackupError(f"{archive.name} is no fieldkit backup")
    for name in sorted(set(listed) | set(found)):
        if name not in found:
            raise BackupError(f"{archive.name} is damaged: {name} is missing")
        if name not in listed:
            raise BackupError(f"{archive.name} is damaged: {name} is not in its {MANIFEST}")
        if found[name] != tuple(listed[name]):
            raise BackupError(f"{archive.name} is damaged: {name} does not match its checksum")
    if DATABASE_FILES.get(database.get("kind")) != database.get("file") or (
        database["file"] not in found
    ):
        raise BackupError(f"{archive.name} is damaged: its database is missing")
    return manifest


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or len(path.parts) < 2:
        return False
    if path.parts[0] in ("uploads", "outbox"):
        return True
    return name == SECRET_KEY_FILE or name in DATABASE_FILES.values()


def _check_restorable(manifest: dict[str, Any], kind: str) -> None:
    if manifest.get("format_version", 0) > ARCHIVE_VERSION:
        raise BackupError(
            f"the backup was made by a newer fieldkit ({manifest.get('fieldkit_version')}) in "
            "a format this version cannot read: restore it with that version or a newer one"
        )
    source = manifest["database"]["kind"]
    if source != kind:
        raise BackupError(
            f"the backup holds a {KIND_NAMES[source]} database and this installation uses "
            f"{KIND_NAMES[kind]}: fieldkit restores SQLite into SQLite and PostgreSQL into "
            "PostgreSQL only"
        )
    script = _migrations()
    for revision in manifest["database"]["revisions"]:
        try:
            script.get_revision(revision)
        except CommandError:
            raise BackupError(
                f"the backup's database schema is newer than this fieldkit knows (revision "
                f"{revision}, made by fieldkit {manifest.get('fieldkit_version')}; this is "
                f"{fieldkit_version()}): upgrade fieldkit first, then restore"
            ) from None


def _migrations() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    return ScriptDirectory.from_config(config)


def _postgresql_tools(manifest: dict[str, Any]) -> dict[str, str]:
    tools = {name: client_tool(name) for name in ("pg_restore", "psql")}
    made_by = int(manifest["database"].get("pg_dump_version", 0))
    have = tool_major(tools["pg_restore"])
    if have < made_by:
        raise BackupError(
            f"the backup was made by pg_dump {made_by} and pg_restore is version {have}: "
            f"install the PostgreSQL {made_by} client programs"
        )
    return tools


def _check_target(force: bool) -> None:
    """BackupError if the database holds rows (beyond Alembic's), unless ``force``."""
    with db.engine.connect() as connection:
        rows = {
            name: count
            for name, count in table_rows(connection).items()
            if name != VERSION_TABLE and count
        }
    if rows and not force:
        sample = ", ".join(sorted(rows, key=rows.get, reverse=True)[:3])
        raise BackupError(
            f"the database is not empty ({sum(rows.values())} rows in {len(rows)} tables, "
            f"most in {sample}): restore into an empty database, or add --force to replace "
            "what it holds"
        )


def _restore_sqlite(staged: Path) -> None:
    target = sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(staged)
    destination = sqlite3.connect(target, timeout=30)
    try:
        # Page by page into the database file, as one write: connections that stay open see
        # the old database or the restored one, never half of each.
        source.backup(destination)
    finally:
        destination.close()
        source.close()


def _restore_postgresql(staged: Path, tools: dict[str, str]) -> None:
    conninfo, env = libpq_connection()
    with db.engine.connect() as connection:
        tables = sorted(sa.inspect(connection).get_table_names())
    db.engine.dispose()
    command = [tools["psql"], "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
               "--single-transaction", f"--dbname={conninfo}"]  # fmt: skip
    if tables:
        # Dropped in the restore's own transaction: the database is the old one or the
        # backup's, never a mix (also when the old one has tables the backup lacks).
        quoted = ", ".join('"{}"'.format(name.replace('"', '""')) for name in tables)
        command.append(f"--command=DROP TABLE {quoted} CASCADE")
    command.append("--file=-")
    with tempfile.TemporaryFile() as errors:
        script = subprocess.Popen(
            [tools["pg_restore"], "--no-owner", "--no-privileges", "--file=-", str(staged)],
            stdout=subprocess.PIPE,
            stderr=errors,
            env={**os.environ, **env},
        )
        try:
            run_tool(command, env, "the restore of the PostgreSQL database", stdin=script.stdout)
        finally:
            script.stdout.close()
            status = script.wait()
        if status != 0:
            errors.seek(0)
            detail = errors.read().decode(errors="replace").strip()
            raise BackupError(f"pg_restore failed: {detail or f'exit status {status}'}")


def _check_rows(expected: dict[str, int]) -> int:
    """The rows restored; BackupError when a table holds other than the backup's rows."""
    with db.engine.connect() as connection:
        restored = table_rows(connection)
    differences = [
        f"{name}: {restored.get(name, 0)} rows, the backup {count}"
        for name, count in sorted(expected.items())
        if restored.get(name, 0) != count
    ]
    if differences:
        raise BackupError(
            "the restored database differs from the backup: " + "; ".join(differences)
        )
    return sum(expected.values())


def _place_files(staging: Path, manifest: dict[str, Any]) -> int:
    config = current_app.config
    roots = {"uploads": Path(config["UPLOAD_PATH"]), "outbox": Path(config["OUTBOX_PATH"])}
    placed = 0
    for entry in manifest["files"]:
        root, _, rest = entry["name"].partition("/")
        if root in roots:
            _put(staging / entry["name"], roots[root] / rest)
            placed += 1
    return placed


def _put(source: Path, target: Path, mode: int | None = None) -> None:
    """Move ``source`` to ``target``, which is only ever seen whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.restore")
    shutil.move(source, partial)
    if mode is not None:
        partial.chmod(mode)
    os.replace(partial, target)


#: What the secret key means for the links sent before the backup: a respondent's link is found
#: by a plain hash, but derived again with the key to be sent in a reminder; a referent's link
#: is found by a hash made with the key.
SAME_LINKS = "the links sent before the backup open, and are sent again, as before"
BROKEN_LINKS = "referents' links and the links sent again (reminders) will not open"


def _restore_key(staging: Path, manifest: dict[str, Any]) -> tuple[str, bool]:
    """Write the backup's generated secret key into the instance; returns what becomes of the
    links sent before the backup, and whether that needs the administrator."""
    current = current_app.config["SECRET_KEY"]
    configured = instance_key_file() is None
    names = {entry["name"] for entry in manifest["files"]}
    key_file = Path(current_app.instance_path) / "secret_key"
    if SECRET_KEY_FILE in names:
        archived = (staging / SECRET_KEY_FILE).read_text().strip()
        _put(staging / SECRET_KEY_FILE, key_file, mode=0o600)
        if not configured or archived == current:
            return (
                f"the secret key was restored into {key_file}: {SAME_LINKS} (restart a running "
                "app to use it)",
                False,
            )
        return (
            f"the backup's secret key is now in {key_file}, but this installation uses another "
            f"key from its configuration (FIELDKIT_SECRET_KEY): set it to the content of that "
            f"file, or {BROKEN_LINKS}",
            True,
        )
    if key_fingerprint(current) == manifest["secret_key"]["fingerprint"]:
        return f"this installation has the backup's secret key: {SAME_LINKS}", False
    return (
        "the backed-up installation had its secret key in its configuration "
        "(FIELDKIT_SECRET_KEY) and this installation uses another one: set FIELDKIT_SECRET_KEY "
        f"to that key, or {BROKEN_LINKS}",
        True,
    )
