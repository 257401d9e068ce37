"""Erasing a person (GDPR art. 17): the parts every feature shares.

A feature's erasure (``surveys.fieldwork.erasure``, ``conferences.setup.erasure``) deletes its
own rows, then calls these to remove the person from what the core keeps: the details of past
audit events, the arguments, results and messages of job records, the one-off downloads made
from the data, the mail outbox, and files kept between an upload and its confirmation. The
erasure itself is audited with counts only (``record``).

What identifies the person is given as ``Identifiers``: names and e-mail addresses are
scrubbed wherever they stand as words in a text, an external id only where a whole value
equals it (an id such as ``12`` is too short to look for inside texts), and free texts the
person wrote (answers) wherever they occur.

Not covered: backups already written (``fieldkit backup`` archives are kept by the operator and
age out with them), files written outside the instance by ``-o`` of commands, and mail already
delivered through SMTP.
"""

from __future__ import annotations

import email.policy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from fieldkit.core import audit, downloads
from fieldkit.core.models import AuditEvent, Job, Project, User
from fieldkit.extensions import db

#: What an erased piece of text is replaced by.
ERASED = "[slettet]"
#: Shorter names and texts are not looked for inside other texts (too many false hits).
MIN_NAME_LENGTH = 3
MIN_TEXT_LENGTH = 8


@dataclass(frozen=True)
class Identifiers:
    """What identifies one person in stored text."""

    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    #: External ids: scrubbed only where a whole value equals one.
    ids: tuple[str, ...] = ()
    #: Free texts the person wrote (answers): scrubbed wherever they occur.
    texts: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        names: Iterable[str | None] = (),
        emails: Iterable[str | None] = (),
        ids: Iterable[str | None] = (),
        texts: Iterable[str | None] = (),
    ) -> Identifiers:
        """Identifiers without blanks, duplicates or values too short to look for."""

        def clean(values: Iterable[str | None], minimum: int) -> tuple[str, ...]:
            kept = {v.strip() for v in values if v and len(v.strip()) >= minimum}
            return tuple(sorted(kept, key=lambda v: (-len(v), v)))

        return cls(
            names=clean(names, MIN_NAME_LENGTH),
            emails=clean(emails, MIN_NAME_LENGTH),
            ids=clean(ids, 1),
            texts=clean(texts, MIN_TEXT_LENGTH),
        )

    def __bool__(self) -> bool:
        return bool(self.names or self.emails or self.ids or self.texts)

    @property
    def pattern(self) -> re.Pattern[str] | None:
        """A case-insensitive pattern for the names and addresses (as words) and the texts."""
        words = [re.escape(v) for v in (*self.emails, *self.names)]
        parts = [rf"(?<!\w){w}(?!\w)" for w in words] + [re.escape(t) for t in self.texts]
        return re.compile("|".join(parts), re.IGNORECASE) if parts else None

    def found_in(self, text: str) -> bool:
        """Whether ``text`` mentions the person."""
        pattern = self.pattern
        return bool(pattern is not None and pattern.search(text))

    def scrub(self, value: Any) -> tuple[Any, bool]:
        """``value`` (a string or JSON data) with the person replaced by ``ERASED``, and
        whether anything changed."""
        return _scrub(value, self.pattern, set(self.ids))


def _scrub(value: Any, pattern: re.Pattern[str] | None, ids: set[str]) -> tuple[Any, bool]:
    if isinstance(value, str):
        if value.strip() in ids:
            return ERASED, True
        if pattern is None:
            return value, False
        scrubbed = pattern.sub(ERASED, value)
        return scrubbed, scrubbed != value
    if isinstance(value, list):
        items = [_scrub(v, pattern, ids) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    if isinstance(value, dict):
        entries = {k: _scrub(v, pattern, ids) for k, v in value.items()}
        return {k: v for k, (v, _) in entries.items()}, any(c for _, c in entries.values())
    return value, False


@dataclass
class Erasure:
    """What one erasure removed: counts by kind of thing, and no data of the person."""

    #: e.g. "case", "response", "participant".
    kind: str
    object_id: str
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, count: int) -> None:
        self.counts[what] = self.counts.get(what, 0) + count

    def lines(self) -> list[str]:
        """One line per kind of thing removed, for the command line."""
        return [f"  {what}: {count}" for what, count in self.counts.items()]


def _in_project(column: Any, project_id: int | None) -> Any:
    # Events and jobs of other projects never concern this person's data; those of no project
    # (commands run without one) might.
    return sa.or_(column == project_id, column.is_(None))


def scrub_audit(
    identifiers: Identifiers,
    *,
    project_id: int | None,
    objects: Iterable[tuple[str, str]] = (),
) -> int:
    """Remove the person from the details of past audit events of the project; the events
    about the erased ``objects`` ((table, id) pairs) lose their details altogether (a reason
    written about the person). Returns how many events changed."""
    about = set(objects)
    changed = 0
    query = sa.select(AuditEvent).where(_in_project(AuditEvent.project_id, project_id))
    for event in db.session.scalars(query):
        if (event.object_type, event.object_id) in about:
            if event.details:
                event.details = {}
                changed += 1
            continue
        details, scrubbed = identifiers.scrub(event.details or {})
        if scrubbed:
            event.details = details
            changed += 1
    return changed


JOB_TEXT_COLUMNS = ("args", "kwargs", "result", "message", "error")


def scrub_jobs(identifiers: Identifiers, *, project_id: int | None) -> int:
    """Remove the person from the arguments, results, messages and errors of the project's job
    records; returns how many jobs changed."""
    query = sa.select(Job).where(_in_project(Job.project_id, project_id))
    return scrub_rows(identifiers, db.session.scalars(query), JOB_TEXT_COLUMNS)


def scrub_rows(identifiers: Identifiers, rows: Iterable[Any], columns: Sequence[str]) -> int:
    """Remove the person from ``columns`` of ``rows``; returns how many rows changed."""
    changed = 0
    for row in rows:
        touched = False
        for column in columns:
            value, scrubbed = identifiers.scrub(getattr(row, column))
            if scrubbed:
                setattr(row, column, value)
                touched = True
        changed += touched
    return changed


def delete_job_downloads(area: str, job_rows: Iterable[Job]) -> int:
    """Delete the files ``job_rows`` stored in the downloads ``area`` (their pages then say the
    file is gone: make it again); returns how many files were deleted."""
    removed = 0
    for job in job_rows:
        path = downloads.stored_path(area, job.result)
        if path is not None:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _message_text(path: Path) -> str:
    """An outbox message's headers and decoded text parts, to look for the person in."""
    raw = path.read_bytes()
    message = message_from_bytes(raw, policy=email.policy.default)
    parts = [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            try:
                parts.append(part.get_content())
            except (LookupError, ValueError):
                parts.append(raw.decode("utf-8", errors="replace"))
    return "\n".join(parts)


def delete_outbox_messages(identifiers: Identifiers) -> int:
    """Delete the outbox messages to or about the person (their address or name in a header or
    the text); returns how many."""
    folder = Path(current_app.config["OUTBOX_PATH"])
    if not folder.is_dir() or not (identifiers.names or identifiers.emails):
        return 0
    person = Identifiers(names=identifiers.names, emails=identifiers.emails)
    removed = 0
    for path in sorted(folder.iterdir()):
        if not path.is_file() or not path.name.endswith((".eml", ".tmp")):
            continue
        try:
            mentions = person.found_in(_message_text(path))
        except FileNotFoundError:
            continue
        if mentions:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def record(
    erasure: Erasure,
    *,
    object_type: str,
    project: Project | int | None,
    actor: User | None = None,
    **details: Any,
) -> AuditEvent:
    """Audit the erasure: who erased what kind of thing, with counts and no erased data
    (``details``: ids and codes only)."""
    return audit.record(
        f"{erasure.kind}.erased",
        actor=actor,
        project=project,
        object_type=object_type,
        object_id=erasure.object_id,
        **details,
        **erasure.counts,
    )


def forget_erased() -> None:
    """After an erasure is committed on SQLite: write the log into the database file and empty
    it, so that no copy of the erased rows stays in the write-ahead log (``secure_delete``,
    set on every connection, zeroes what a delete frees in the database file itself).
    PostgreSQL removes dead rows by (auto)vacuum."""
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
