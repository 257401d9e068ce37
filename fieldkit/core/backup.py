"""Backups of an installation: ``fieldkit backup``, and what its restore shares with it.

One archive (``.tar.gz``) holds what a restore needs:

- ``database/fieldkit.sqlite``: a consistent copy of a SQLite database, made with SQLite's
  online backup API, so the app may go on writing while it is made; or
  ``database/fieldkit.pgdump``: ``pg_dump --format=custom`` of a PostgreSQL database;
- ``uploads/…``: the files kept under ``UPLOAD_PATH`` (conference photos, compiled summaries,
  frame files awaiting import), except the one-off downloads made by jobs
  (``downloads.AREAS``), which are pruned after the retention period anyway;
- ``outbox/…``: the mail outbox;
- ``instance/secret_key``: the key generated into the instance, when the installation uses
  one. Personal links are derived from the secret key, so without it no link sent before the
  backup would open. A key set in the configuration (``FIELDKIT_SECRET_KEY``) is not written
  into the archive; the manifest keeps a fingerprint of it, and the restore says when the
  installation it restores into has another key;
- ``manifest.json`` (written last): fieldkit's version, the database kind and its Alembic
  revisions, the rows of each table, and every other file with its size and SHA-256.

The database is copied before the files: a photo is written before its row is committed, so
every file a copied row names is in the archive. ``fieldkit.core.restore`` reads the archive.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.metadata
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from fieldkit.core import downloads
from fieldkit.extensions import db

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
#: What ``manifest.json`` says it is, and the version of its layout this code writes and reads.
ARCHIVE_KIND = "fieldkit-backup"
ARCHIVE_VERSION = 1
DATABASE_FILES = {"sqlite": "database/fieldkit.sqlite", "postgresql": "database/fieldkit.pgdump"}
SECRET_KEY_FILE = "instance/secret_key"
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
#: Alembic's own table: a database holding rows only here is empty.
VERSION_TABLE = "alembic_version"
GZIP_LEVEL = 6
CHUNK = 1 << 20


class BackupError(RuntimeError):
    """A backup or restore cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class Backup:
    """A written archive and its manifest."""

    path: Path
    manifest: dict[str, Any]

    @property
    def rows(self) -> int:
        return sum(self.manifest["database"]["rows"].values())

    @property
    def files(self) -> int:
        """The uploaded files and outbox messages in the archive."""
        return sum(1 for entry in self.manifest["files"] if is_data_file(entry["name"]))


# --- Making a backup ---------------------------------------------------------------------------


def default_name(now: datetime | None = None) -> str:
    """``fieldkit-backup-YYYYMMDD-HHMMSS.tar.gz`` (UTC)."""
    moment = now or datetime.now(UTC)
    return f"fieldkit-backup-{moment:%Y%m%d-%H%M%S}.tar.gz"


def create_backup(output: Path | None = None) -> Backup:
    """Write the database, the data files and the secret key into one archive: ``output``
    (a file, or a folder to put it in), by default ``instance/backups/``."""
    kind = database_kind()
    instance = Path(current_app.instance_path)
    if output is None:
        output = instance / "backups"
        output.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = output / default_name() if output.is_dir() else output
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a folder")
    partial = target.with_name(f".{target.name}.part")
    entries: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fieldkit-backup-") as tmp:
            staged = Path(tmp) / "database"
            database = dump_database(kind, staged)
            # The archive holds personal data and the key to every link: only its owner reads it.
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with (
                os.fdopen(fd, "wb") as raw,
                tarfile.open(fileobj=raw, mode="w:gz", compresslevel=GZIP_LEVEL) as tar,
            ):
                entries.append(_add_file(tar, staged, DATABASE_FILES[kind]))
                for name, path in data_files(skip={partial, target}):
                    entry = _add_file(tar, path, name, missing_ok=True)
                    if entry is not None:
                        entries.append(entry)
                manifest = {
                    "format": ARCHIVE_KIND,
                    "format_version": ARCHIVE_VERSION,
                    "fieldkit_version": fieldkit_version(),
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "database": {"kind": kind, "file": DATABASE_FILES[kind], **database},
                    "secret_key": _key_description(),
                    "files": entries,
                }
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    logger.info("backup written to %s", target)
    return Backup(target, manifest)


def database_kind() -> str:
    """``sqlite`` or ``postgresql``: the kind of the configured database."""
    kind = db.engine.dialect.name
    if kind not in DATABASE_FILES:
        raise BackupError(f"fieldkit backs up SQLite and PostgreSQL databases, not {kind}")
    return kind


def dump_database(kind: str, path: Path) -> dict[str, Any]:
    """Copy the database to ``path``; returns its revisions and the rows of each table, as
    they are in the copy."""
    db.session.remove()
    if kind == "sqlite":
        return _copy_sqlite(sqlite_path(), path)
    return _dump_postgresql(path)


def sqlite_path() -> Path:
    """The configured SQLite database file."""
    name = db.engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError("the SQLite database is not a file: there is nothing to back up")
    return Path(name)


def _copy_sqlite(source: Path, path: Path) -> dict[str, Any]:
    if not source.exists():
        raise BackupError(f"the SQLite database {source} does not exist")
    reader = sqlite3.connect(source, timeout=30)
    copy = sqlite3.connect(path)
    try:
        # All pages in one step: one read transaction, so the copy is one moment of the
        # database; in WAL mode the app's writers go on meanwhile (a stepwise copy would start
        # over after each of their commits).
        reader.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        return {"revisions": _revisions(copy), "rows": _sqlite_rows(copy)}
    finally:
        copy.close()
        reader.close()


def _sqlite_rows(connection: sqlite3.Connection) -> dict[str, int]:
    names = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {
        name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names
    }


def _revisions(connection: Any) -> list[str]:
    """The Alembic revisions a database is at (none before its first migration)."""
    try:
        rows = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall()
    except sqlite3.OperationalError:
        return []
    return sorted(row[0] for row in rows)


def _dump_postgresql(path: Path) -> dict[str, Any]:
    pg_dump = client_tool("pg_dump")
    server = _server_major()
    tool = tool_major(pg_dump)
    if tool < server:
        raise BackupError(
            f"pg_dump is version {tool} and the database server version {server}: pg_dump "
            f"must be at least as new as the server; install the PostgreSQL {server} client "
            f"programs (e.g. apt-get install postgresql-client-{server})"
        )
    conninfo, env = libpq_connection()
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            # pg_dump reads the very snapshot this transaction counts the rows in.
            snapshot = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
            rows = table_rows(connection)
            revisions = (
                sorted(connection.scalars(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")))
                if VERSION_TABLE in rows
                else []
            )
            run_tool(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={path}",
                    f"--dbname={conninfo}",
                ],  # fmt: skip
                env,
                "pg_dump",
            )
    return {"revisions": revisions, "rows": rows, "pg_dump_version": tool}


def table_rows(connection: sa.Connection) -> dict[str, int]:
    """The rows of each table of the database (in its default schema)."""
    return {
        name: connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
        for name in sorted(sa.inspect(connection).get_table_names())
    }


def libpq_connection() -> tuple[str, dict[str, str]]:
    """The configured PostgreSQL database as a libpq URL for pg_dump and the other client
    programs, and the environment that gives them its password (never on a command line)."""
    url = db.engine.url
    plain = sa.URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    env = {"PGPASSWORD": url.password} if url.password else {}
    return plain.render_as_string(hide_password=False), env


def client_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client programs of the server's "
            "version (e.g. apt-get install postgresql-client)"
        )
    return path


def tool_major(path: str) -> int:
    text = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"\)\s*(\d+)", text)
    if found is None:
        raise BackupError(f"cannot tell the version of {path} from {text.strip()!r}")
    return int(found.group(1))


def _server_major() -> int:
    with db.engine.connect() as connection:
        return int(connection.scalar(sa.text("SHOW server_version_num"))) // 10_000


def run_tool(command: list[str], env: dict[str, str], what: str, **options: Any) -> None:
    done = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, **options
    )
    if done.returncode != 0:
        detail = done.stderr.strip() or f"exit status {done.returncode}"
        raise BackupError(f"{what} failed: {detail}")


def is_data_file(name: str) -> bool:
    """Whether an archive's member is an uploaded file or an outbox message."""
    return name.startswith(("uploads/", "outbox/"))


def data_files(skip: set[Path] = frozenset()) -> Iterator[tuple[str, Path]]:
    """The instance's data files as (name in the archive, path): uploads without the one-off
    downloads, the outbox, and the generated secret key."""
    config = current_app.config
    roots = (("uploads", Path(config["UPLOAD_PATH"])), ("outbox", Path(config["OUTBOX_PATH"])))
    passing = {Path(config["UPLOAD_PATH"]) / area for area in downloads.AREAS}
    skip = {path.resolve() for path in skip}
    for prefix, root in roots:
        for folder, subfolders, names in os.walk(root):
            here = Path(folder)
            subfolders[:] = sorted(name for name in subfolders if here / name not in passing)
            for name in sorted(names):
                path = here / name
                # Files being written: an outbox message's ".name.tmp", a download's ".part".
                if name.startswith(".") or name.endswith(".part") or path.is_symlink():
                    continue
                if path.resolve() in skip:
                    continue
                yield f"{prefix}/{path.relative_to(root).as_posix()}", path
    key = instance_key_file()
    if key is not None:
        yield SECRET_KEY_FILE, key


def instance_key_file() -> Path | None:
    """The instance's ``secret_key`` file, when it is the key the app uses."""
    path = Path(current_app.instance_path) / "secret_key"
    try:
        in_use = path.read_text().strip() == current_app.config["SECRET_KEY"]
    except OSError:
        return None
    return path if in_use else None


def key_fingerprint(key: str) -> str:
    """A short digest that tells two secret keys apart without revealing them."""
    return hmac.new(key.encode(), b"fieldkit backup: which key", hashlib.sha256).hexdigest()[:16]


def _key_description() -> dict[str, str]:
    source = "instance" if instance_key_file() is not None else "configuration"
    return {"source": source, "fingerprint": key_fingerprint(current_app.config["SECRET_KEY"])}


def fieldkit_version() -> str:
    try:
        return importlib.metadata.version("fieldkit")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - a bare checkout
        return "unknown"


class _Hashing:
    """A file read by tarfile, hashed on the way."""

    def __init__(self, handle: Any):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        return chunk


def _add_file(
    tar: tarfile.TarFile, path: Path, name: str, *, missing_ok: bool = False
) -> dict[str, Any] | None:
    try:
        handle = open(path, "rb")  # noqa: SIM115  # closed below; opened first, so a file
    except FileNotFoundError:  # pruned or deleted meanwhile is skipped, not half-read
        if missing_ok:
            return None
        raise
    with handle:
        stat = os.fstat(handle.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        hashing = _Hashing(handle)
        tar.addfile(info, hashing)
    return {"name": name, "size": info.size, "sha256": hashing.digest.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(content), int(datetime.now(UTC).timestamp()), 0o600
    tar.addfile(info, io.BytesIO(content))
