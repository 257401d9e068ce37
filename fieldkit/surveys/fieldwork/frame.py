"""Sampling frames: read a CSV or XLSX file, map its columns, validate, preview, import.

Nothing is stored before the researcher has seen the report; an import with errors stores
nothing, and importing the same file again changes nothing (the frame's id finds the case).

Reading a large workbook takes seconds (openpyxl reads some 5 000 rows a second), so an
uploaded file is read once, by a background job (``read_upload_job``), within the bounds of
``core.uploads``; the table it read is kept beside the upload for the preview and the import.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from flask_babel import gettext as _

from fieldkit.core import audit, columns, pending_uploads, uploads
from fieldkit.core.models import User
from fieldkit.core.operations import OperationError
from fieldkit.core.uploads import Table
from fieldkit.extensions import db
from fieldkit.surveys.models import Case, Survey
from fieldkit.surveys.respond import links

#: The roles a column can have; every other column is a stratum or ignored.
ROLES = ("id", "name", "email", "contact_person")
STRATUM = "stratum"
#: The case's field each role fills (its length bounds the cells).
FIELDS = {
    "id": Case.external_id,
    "name": Case.name,
    "email": Case.email,
    "contact_person": Case.contact_person,
}
IGNORE = "ignore"

#: Header names (normalised: lower case, no spaces, dashes or dots) and the role they suggest.
DEFAULT_HEADERS = {
    "id": ("id", "nr", "nummer", "kontornr", "kontornummer", "enhetsnr", "enhetsid", "caseid"),
    "name": ("navn", "name", "enhet", "enhetsnavn", "kontor", "kontornavn"),
    "email": ("epost", "email", "mail", "epostadresse", "emailaddress", "mailadresse"),
    "contact_person": ("kontaktperson", "kontakt", "contactperson", "contact", "leder"),
}

EMAIL_PATTERN = re.compile(
    r"^[^@\s,;<>\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)


class FrameError(OperationError):
    """The file cannot be read as a frame at all."""


@dataclass
class Issue:
    """One finding of the validation, with where it is."""

    severity: str  # "error" or "warning"
    message: str
    row: int | None = None
    column: str | None = None

    def where(self, table: Table) -> str:
        parts = [table.where]
        if self.row is not None:
            parts.append(_("row %(row)d", row=self.row))
        if self.column:
            parts.append(_("column %(column)s", column=self.column))
        return ", ".join(parts)


@dataclass
class FrameRow:
    row: int
    external_id: str
    name: str
    email: str | None
    contact_person: str
    strata: dict[str, str]


@dataclass
class FramePreview:
    """What an import would do: the validation report and the changes, before anything is stored."""

    table: Table
    mapping: dict[str, str]
    issues: list[Issue] = field(default_factory=list)
    rows: list[FrameRow] = field(default_factory=list)
    new: list[FrameRow] = field(default_factory=list)
    #: (row, {field: (old, new)}) for cases whose fields would change.
    changed: list[tuple[FrameRow, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def strata_columns(self) -> list[str]:
        return [h for h in self.table.headers if self.mapping.get(h) == STRATUM]

    def report_lines(self) -> list[str]:
        """The report as text lines (for the command line)."""
        lines = [
            _(
                "%(rows)d rows: %(new)d new, %(changed)d changed, %(unchanged)d unchanged.",
                rows=len(self.table.rows),
                new=len(self.new),
                changed=len(self.changed),
                unchanged=self.unchanged,
            )
        ]
        for issue in self.issues:
            label = _("Error") if issue.severity == "error" else _("Warning")
            lines.append(f"{label}: {issue.where(self.table)}: {issue.message}")
        for row, changes in self.changed:
            fields = ", ".join(sorted(changes))
            lines.append(_("Changed: %(id)s (%(fields)s)", id=row.external_id, fields=fields))
        return lines


def normalise_header(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).strip().lower()
    return re.sub(r"[\s_\-.:/]+", "", text)


def default_mapping(headers: list[str]) -> dict[str, str]:
    """A role for every column, guessed from its header: id, name, e-mail, contact, or stratum."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        key = normalise_header(header)
        role = next(
            (r for r, names in DEFAULT_HEADERS.items() if key in names and r not in taken), None
        )
        if role is None:
            mapping[header] = STRATUM if header.strip() else IGNORE
        else:
            mapping[header] = role
            taken.add(role)
    return mapping


def preview(
    survey: Survey,
    table: Table,
    mapping: dict[str, str] | None = None,
) -> FramePreview:
    """Validate ``table`` under ``mapping`` and compare it with the survey's cases."""
    mapping = dict(mapping or default_mapping(table.headers))
    result = FramePreview(table, mapping)
    issues = result.issues
    column_of = {role: h for h, role in mapping.items() if role in ROLES}
    for role in ROLES:
        if list(mapping.values()).count(role) > 1:
            issues.append(Issue("error", _("Only one column can be the %(role)s.", role=role)))
    if "id" not in column_of:
        issues.append(Issue("error", _("Choose the column that holds each unit's id.")))
        return result
    index = {h: i for i, h in enumerate(table.headers)}
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for number, cells in table.rows:

        def value(role: str, cells=cells) -> str:
            header = column_of.get(role)
            return cells[index[header]] if header is not None else ""

        external_id = value("id")
        if not external_id:
            issues.append(Issue("error", _("The id is empty."), number, column_of["id"]))
            continue
        if external_id in seen_ids:
            issues.append(
                Issue(
                    "error",
                    _(
                        "The id %(id)s is also on row %(row)d.",
                        id=external_id,
                        row=seen_ids[external_id],
                    ),
                    number,
                    column_of["id"],
                )
            )
            continue
        seen_ids[external_id] = number
        for role, case_field in FIELDS.items():
            problem = columns.too_long(value(role), case_field)
            if problem:
                message = problem[0].upper() + problem[1:] + "."
                issues.append(Issue("error", message, number, column_of[role]))
        email = value("email").lower() or None
        if email is not None:
            if not EMAIL_PATTERN.match(email):
                issues.append(
                    Issue(
                        "error",
                        _("%(email)s is not an e-mail address.", email=email),
                        number,
                        column_of["email"],
                    )
                )
            elif email in seen_emails:
                issues.append(
                    Issue(
                        "warning",
                        _(
                            "The e-mail address %(email)s is also on row %(row)d.",
                            email=email,
                            row=seen_emails[email],
                        ),
                        number,
                        column_of["email"],
                    )
                )
            else:
                seen_emails[email] = number
        name = value("name")
        if "name" in column_of and not name:
            issues.append(Issue("warning", _("The name is empty."), number, column_of["name"]))
        strata = {
            h: cells[index[h]] for h in table.headers if mapping.get(h) == STRATUM and h.strip()
        }
        result.rows.append(
            FrameRow(number, external_id, name, email, value("contact_person"), strata)
        )
    _compare(survey, result)
    return result


def _compare(survey: Survey, result: FramePreview) -> None:
    existing = {
        case.external_id: case
        for case in db.session.scalars(sa.select(Case).where(Case.survey_id == survey.id))
    }
    for row in result.rows:
        case = existing.get(row.external_id)
        if case is None:
            result.new.append(row)
            continue
        changes = _changes(case, row)
        if changes:
            result.changed.append((row, changes))
        else:
            result.unchanged += 1


def _changes(case: Case, row: FrameRow) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    for attribute in ("name", "email", "contact_person"):
        old, new = getattr(case, attribute), getattr(row, attribute)
        if (old or "") != (new or ""):
            changes[attribute] = (old, new)
    merged = {**(case.strata or {}), **row.strata}
    if merged != (case.strata or {}):
        changes["strata"] = (case.strata, merged)
    return changes


def import_frame(
    survey: Survey,
    table: Table,
    mapping: dict[str, str] | None = None,
    *,
    actor: User | None = None,
) -> FramePreview:
    """Store the frame: new cases added, changed ones updated; with any error nothing is stored.

    The caller commits; an exception leaves the session to be rolled back.
    """
    result = preview(survey, table, mapping)
    if result.errors:
        raise OperationError(
            _("The frame has %(count)d errors; nothing was imported.", count=len(result.errors))
        )
    existing = {
        case.external_id: case
        for case in db.session.scalars(sa.select(Case).where(Case.survey_id == survey.id))
    }
    for row in result.new:
        case = Case(
            survey_id=survey.id,
            external_id=row.external_id,
            name=row.name,
            email=row.email,
            contact_person=row.contact_person,
            strata=row.strata,
        )
        links.assign_personal_link(case)
        db.session.add(case)
    for row, changes in result.changed:
        case = existing[row.external_id]
        for attribute, (_old, new) in changes.items():
            setattr(case, attribute, new)
    db.session.flush()
    if result.new or result.changed:
        audit.record(
            "frame.imported",
            survey,
            actor=actor,
            file=table.filename,
            new=len(result.new),
            changed=len(result.changed),
            unchanged=result.unchanged,
        )
    return result


# --- Uploads kept between the preview and the import ------------------------------------------

#: Where frames wait for their confirmation (``core.pending_uploads``).
UPLOAD_AREA = "frames"


def _upload_folder() -> Path:
    return pending_uploads.folder(UPLOAD_AREA)


def store_upload(survey: Survey, filename: str, content: bytes) -> str:
    """Keep an uploaded frame until the researcher confirms the import (at most
    PREVIEW_RETENTION_HOURS); returns its token."""
    return pending_uploads.store(UPLOAD_AREA, survey.id, filename, content, "frame.csv")


def load_upload(survey: Survey, token: str) -> tuple[str, bytes]:
    """The (file name, content) of a stored upload of ``survey``; FrameError if it is gone."""
    try:
        return pending_uploads.load(UPLOAD_AREA, survey.id, token)
    except pending_uploads.UploadGone as exc:
        raise FrameError(str(exc)) from None


def discard_upload(token: str) -> None:
    """Delete a stored upload (imported, or given up)."""
    pending_uploads.discard(UPLOAD_AREA, token)


def discard_uploads_of(survey: Survey) -> int:
    """Delete every stored upload of ``survey`` awaiting confirmation; returns how many."""
    return pending_uploads.discard_all_of(UPLOAD_AREA, survey.id)


def read_upload(survey: Survey, token: str, sheet: str | None) -> Table:
    """Read a stored upload as a table (bounded by ``core.uploads``) and keep what was read
    beside it for ``load_table``; ``UploadError`` or ``FrameError`` says why not."""
    filename, content = load_upload(survey, token)
    table = uploads.read_table(filename, content, sheet)
    kept = {
        "requested_sheet": sheet,
        "filename": table.filename,
        "sheet": table.sheet,
        "headers": table.headers,
        "rows": table.rows,
        "encoding": table.encoding,
        "delimiter": table.delimiter,
    }
    (_upload_folder() / f"{token}.table").write_bytes(orjson.dumps(kept))
    return table


def load_table(survey: Survey, token: str, sheet: str | None) -> Table:
    """The table ``read_upload`` read from the upload ``token`` of ``survey``; FrameError if
    it is gone (or was read from another sheet)."""
    load_upload(survey, token)  # the upload is still there, and it is this survey's
    try:
        kept = orjson.loads((_upload_folder() / f"{token}.table").read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise FrameError(_("The uploaded file is no longer available; upload it again.")) from exc
    if kept["requested_sheet"] != sheet:
        raise FrameError(_("The uploaded file is no longer available; upload it again."))
    rows = [(number, cells) for number, cells in kept["rows"]]
    return Table(
        kept["filename"], kept["sheet"], kept["headers"], rows, kept["encoding"], kept["delimiter"]
    )


def read_upload_job(survey_id: int, token: str, sheet: str | None = None) -> dict[str, Any]:
    """Background job: read an uploaded frame. A file that cannot be read is not a failure of
    the job: its result carries the message (and the upload is discarded)."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        return {"error": _("The survey no longer exists.")}
    try:
        table = read_upload(survey, token, sheet)
    except OperationError as exc:
        discard_upload(token)
        return {"error": str(exc)}
    return {"rows": len(table.rows), "columns": len(table.headers)}
