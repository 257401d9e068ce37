"""The operations on questionnaires: import, save (new version or wording fix), export, freeze.

Called by views, the CLI and (for freezing) the survey module; nothing here reads the request.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from fieldkit.core import audit, pending_uploads
from fieldkit.core.i18n import N_
from fieldkit.core.models import Project, User, utcnow
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys.models import Questionnaire, QuestionnaireVersion
from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.questionnaires.definition import DefinitionError
from fieldkit.surveys.questionnaires.xlsform import check_archive, read_xlsform, write_xlsform

NATIVE_SUFFIXES = (".yaml", ".yml", ".json")
XLSFORM_SUFFIXES = (".xlsx",)
YAML = "application/yaml"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: A native YAML/JSON file's size: PyYAML reads some 150 KB a second (in the job), and
#: the 30-question staff questionnaire is 11 KB.
MAX_NATIVE_BYTES = 256 * 1024


def _placed(filename: str, exc: DefinitionError) -> DefinitionError:
    """``exc`` with the file's name in front of its place."""
    where = f"{filename}, {exc.path}" if exc.path else filename
    return DefinitionError(where, exc.template, **exc.params)


def check_upload(filename: str, content: bytes) -> None:
    """The checks of ``parse_upload`` that cost nothing (the kind of file, a native file's
    size, an XLSForm's zip archive), for a request to make before a job parses the file.

    Raises ``DefinitionError`` with the same message ``parse_upload`` would give.
    """
    suffix = PurePath(filename).suffix.lower()
    try:
        if suffix in NATIVE_SUFFIXES:
            if len(content) > MAX_NATIVE_BYTES:
                raise DefinitionError(
                    "",
                    N_("the file is larger than %(max)d KB"),
                    max=MAX_NATIVE_BYTES // 1024,
                )
            return
        if suffix in XLSFORM_SUFFIXES:
            check_archive(content)
            return
    except DefinitionError as exc:
        raise _placed(filename, exc) from None
    raise DefinitionError(
        filename, N_("unknown file type: use .yaml, .yml or .json (native) or .xlsx (XLSForm)")
    )


def parse_upload(filename: str, content: bytes) -> definition.Questionnaire:
    """A definition from an uploaded file: native YAML/JSON, or an XLSForm workbook.

    Raises ``DefinitionError`` whose message names the file and the place in it.
    """
    check_upload(filename, content)
    try:
        if PurePath(filename).suffix.lower() in XLSFORM_SUFFIXES:
            return read_xlsform(content)
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DefinitionError("", N_("the file is not UTF-8 text")) from None
        return definition.load(text)
    except DefinitionError as exc:
        raise _placed(filename, exc) from None


def create_questionnaire(
    project: Project, questionnaire: definition.Questionnaire, *, actor: User | None = None
) -> Questionnaire:
    """Store a new questionnaire with ``questionnaire`` as version 1."""
    record = Questionnaire(
        project=project,
        title=definition.text_in(questionnaire.title, "nb")[:300],
        created_by=actor,
    )
    version = QuestionnaireVersion(number=1)
    version.set_definition(questionnaire)
    record.versions.append(version)
    db.session.add(record)
    db.session.flush()
    audit.record("questionnaire.created", record, actor=actor, project=project, version=1)
    return record


def import_questionnaire(
    project: Project, filename: str, content: bytes, *, actor: User | None = None
) -> Questionnaire:
    """Parse an uploaded file and store it as a new questionnaire; nothing is stored on error."""
    return create_questionnaire(project, parse_upload(filename, content), actor=actor)


def save_definition(
    record: Questionnaire, questionnaire: definition.Questionnaire, *, actor: User | None = None
) -> QuestionnaireVersion:
    """Save an edited definition.

    While no answers exist, the current version changes in place. Once the current version is
    frozen (a survey has answers), a change that keeps every name, type and code (a wording
    fix) still changes it in place, and is audited; any structural change makes a new version.
    """
    definition.check(questionnaire)
    current = record.current
    old = current.definition
    if current.frozen and definition.structure_signature(old) != definition.structure_signature(
        questionnaire
    ):
        version = QuestionnaireVersion(number=current.number + 1)
        version.set_definition(questionnaire)
        record.versions.append(version)
        action, target = "questionnaire.version_created", version
    else:
        current.set_definition(questionnaire)
        action = "questionnaire.wording_fixed" if current.frozen else "questionnaire.edited"
        target = current
    record.title = definition.text_in(questionnaire.title, "nb")[:300]
    db.session.flush()
    audit.record(action, record, actor=actor, version=target.number)
    return target


# --- Uploaded files, parsed by a background job --------------------------------------------

#: Where an uploaded file waits for the job that parses it (``core.pending_uploads``).
UPLOAD_AREA = "questionnaires"


def store_upload(project: Project, filename: str, content: bytes) -> str:
    """Keep an uploaded questionnaire file of ``project`` for ``import_upload_job``; its token."""
    return pending_uploads.store(UPLOAD_AREA, project.id, filename, content, "questionnaire")


def import_upload_job(
    project_id: int,
    token: str,
    language: str,
    user_id: int | None = None,
    questionnaire_id: int | None = None,
) -> dict[str, Any]:
    """Background job: parse an uploaded file (an XLSForm takes seconds) and store it as a new
    questionnaire of the project, or as the next definition of ``questionnaire_id``.

    A refused file is not a failure of the job: nothing is stored, the upload is discarded and
    the result carries the message (in ``language``, the uploader's), as the request said it
    before. The upload is discarded once used; a job that fails midway stores nothing and
    leaves it for a retry (and for retention).
    """
    project = db.session.get(Project, project_id)
    record = None
    if questionnaire_id is not None:
        record = db.session.get(Questionnaire, questionnaire_id)
    actor = db.session.get(User, user_id) if user_id is not None else None
    with force_locale(language):
        try:
            if project is None or (
                questionnaire_id is not None and (record is None or record.project_id != project.id)
            ):
                raise OperationError(gettext("The questionnaire no longer exists."))
            filename, content = pending_uploads.load(UPLOAD_AREA, project.id, token)
            parsed = parse_upload(filename, content)
            if record is None:
                record = create_questionnaire(project, parsed, actor=actor)
                number = 1
            else:
                number = save_definition(record, parsed, actor=actor).number
        except (DefinitionError, OperationError) as exc:
            db.session.rollback()
            pending_uploads.discard(UPLOAD_AREA, token)
            return {"error": str(exc)}
    pending_uploads.discard(UPLOAD_AREA, token)
    return {"questionnaire": record.id, "version": number}


def freeze(version: QuestionnaireVersion) -> None:
    """Mark ``version`` as answered: from now on structure changes make a new version."""
    if version.frozen_at is None:
        version.frozen_at = utcnow()
        db.session.flush()


def export(record: Questionnaire, fmt: str, *, actor: User | None = None) -> tuple[bytes, str, str]:
    """The current version as a file: (content, file name, MIME type) for ``yaml`` or
    ``xlsform``; the export is audited."""
    version = record.current
    base = f"questionnaire-{record.id}-v{version.number}"
    if fmt == "yaml":
        exported = (definition.dump(version.definition).encode(), f"{base}.yaml", YAML)
    elif fmt == "xlsform":
        exported = (write_xlsform(version.definition), f"{base}.xlsx", XLSX)
    else:
        raise ValueError(f"unknown format {fmt!r}: use yaml or xlsform")
    audit.record("questionnaire.exported", record, actor=actor, format=fmt)
    return exported


def project_questionnaires(project: Project) -> list[Questionnaire]:
    """The project's questionnaires, newest first."""
    return list(
        db.session.scalars(
            sa.select(Questionnaire)
            .where(Questionnaire.project_id == project.id)
            .order_by(Questionnaire.created_at.desc(), Questionnaire.id.desc())
        )
    )
