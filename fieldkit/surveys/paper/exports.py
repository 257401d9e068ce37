"""The verbs: export a questionnaire's paper version or codebook as a file, and audit it.

Views and the CLI call these; nothing here reads the request.
"""

from __future__ import annotations

from fieldkit.core import audit
from fieldkit.core.models import User
from fieldkit.surveys.models import Questionnaire
from fieldkit.surveys.paper.codebook import codebook_pdf, codebook_xlsx
from fieldkit.surveys.paper.paper import paper_pdf

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UnknownLanguage(ValueError):
    """The questionnaire is not written in the language asked for."""


def language_of(record: Questionnaire, language: str | None) -> str:
    """``language`` when the questionnaire offers it; its first language when none is asked."""
    languages = record.current.definition.languages
    if not language:
        return languages[0]
    if language not in languages:
        raise UnknownLanguage(
            f"the questionnaire is in {', '.join(languages)}, not in {language!r}"
        )
    return language


def export_paper(
    record: Questionnaire, language: str | None = None, *, actor: User | None = None
) -> tuple[bytes, str, str]:
    """The paper version of the current version as a PDF: (content, file name, MIME type)."""
    language = language_of(record, language)
    version = record.current
    content = paper_pdf(version.definition, language)
    audit.record(
        "questionnaire.paper_exported",
        record,
        actor=actor,
        version=version.number,
        language=language,
    )
    name = f"questionnaire-{record.id}-v{version.number}-paper-{language}.pdf"
    return content, name, PDF


def export_codebook(
    record: Questionnaire,
    fmt: str,
    language: str | None = None,
    *,
    actor: User | None = None,
) -> tuple[bytes, str, str]:
    """The codebook of the current version as ``pdf`` or ``xlsx``."""
    language = language_of(record, language)
    version = record.current
    if fmt == "pdf":
        content, mimetype = codebook_pdf(version.definition, language, version.number), PDF
    elif fmt == "xlsx":
        content, mimetype = codebook_xlsx(version.definition, language), XLSX
    else:
        raise ValueError(f"unknown codebook format {fmt!r}: use pdf or xlsx")
    audit.record(
        "questionnaire.codebook_exported",
        record,
        actor=actor,
        version=version.number,
        language=language,
        format=fmt,
    )
    name = f"questionnaire-{record.id}-v{version.number}-codebook-{language}.{fmt}"
    return content, name, mimetype
