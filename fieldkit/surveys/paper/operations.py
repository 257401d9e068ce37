"""The operations: export a questionnaire's paper version or codebook as a file, and audit it.

Views and the CLI call these; nothing here reads the request. Each works on one version of the
questionnaire (by default the current one: data collected with an older version are described
by that version's codebook).
"""

from __future__ import annotations

from fieldkit.core import audit
from fieldkit.core.models import User
from fieldkit.surveys.models import Questionnaire, QuestionnaireVersion
from fieldkit.surveys.paper.codebook import codebook_pdf, codebook_xlsx
from fieldkit.surveys.paper.paper import paper_pdf

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportError(ValueError):
    """A version or language the questionnaire does not have."""


class UnknownLanguage(ExportError):
    """The questionnaire is not written in the language asked for."""


class UnknownVersion(ExportError):
    """The questionnaire has no version with that number."""


def version_of(record: Questionnaire, number: int | None) -> QuestionnaireVersion:
    """Version ``number`` of the questionnaire; the current one when no number is given."""
    if number is None:
        return record.current
    for version in record.versions:
        if version.number == number:
            return version
    raise UnknownVersion(f"the questionnaire has no version {number}")


def language_of(version: QuestionnaireVersion, language: str | None) -> str:
    """``language`` when the version offers it; its first language when none is asked."""
    languages = version.definition.languages
    if not language:
        return languages[0]
    if language not in languages:
        raise UnknownLanguage(
            f"the questionnaire is in {', '.join(languages)}, not in {language!r}"
        )
    return language


def export_paper(
    record: Questionnaire,
    language: str | None = None,
    *,
    version: int | None = None,
    actor: User | None = None,
) -> tuple[bytes, str, str]:
    """The paper version as a PDF: (content, file name, MIME type)."""
    chosen = version_of(record, version)
    language = language_of(chosen, language)
    content = paper_pdf(chosen.definition, language)
    audit.record(
        "questionnaire.paper_exported",
        record,
        actor=actor,
        version=chosen.number,
        language=language,
    )
    name = f"questionnaire-{record.id}-v{chosen.number}-paper-{language}.pdf"
    return content, name, PDF


def export_codebook(
    record: Questionnaire,
    fmt: str,
    language: str | None = None,
    *,
    version: int | None = None,
    actor: User | None = None,
) -> tuple[bytes, str, str]:
    """The codebook as ``pdf`` or ``xlsx``: (content, file name, MIME type)."""
    chosen = version_of(record, version)
    language = language_of(chosen, language)
    if fmt == "pdf":
        content, mimetype = codebook_pdf(chosen.definition, language, chosen.number), PDF
    elif fmt == "xlsx":
        content, mimetype = codebook_xlsx(chosen.definition, language), XLSX
    else:
        raise ValueError(f"unknown codebook format {fmt!r}: use pdf or xlsx")
    audit.record(
        "questionnaire.codebook_exported",
        record,
        actor=actor,
        version=chosen.number,
        language=language,
        format=fmt,
    )
    name = f"questionnaire-{record.id}-v{chosen.number}-codebook-{language}.{fmt}"
    return content, name, mimetype
