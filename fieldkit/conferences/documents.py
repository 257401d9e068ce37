"""What every document made from a conference's points shares (the summary of one conference,
the synthesis across a project's conferences, the export of all points): the formats, what goes
in by default, which points go in and in whose wording.

It sits below the summary and the synthesis, which both use it, so neither imports the other
back.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import get_locale

from fieldkit.conferences.models import Point

FORMATS = ("pdf", "docx", "pptx", "html")
MIMETYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "html": "text/html; charset=utf-8",
}

#: What goes in by default: every live point (not only those marked for the plenum), the
#: photos, the plenary notes and the synthesis, but not the referents' minutes.
DEFAULT_OPTIONS: dict[str, Any] = {
    "points": "all",
    "photos": True,
    "minutes": False,
    "notes": True,
    "synthesis": True,
    "language": "nb",
}


def normalise_options(options: dict[str, Any] | None) -> dict[str, Any]:
    """The options with defaults filled in and unknown keys dropped."""
    result = dict(DEFAULT_OPTIONS)
    for key, value in (options or {}).items():
        if key in result:
            result[key] = value
    if result["points"] not in ("all", "plenum"):
        result["points"] = "all"
    if result["language"] not in current_app.config["LANGUAGES"]:
        result["language"] = current_app.config["BABEL_DEFAULT_LOCALE"]
    for key in ("photos", "minutes", "notes", "synthesis"):
        result[key] = bool(result[key])
    return result


def page_language() -> str:
    """The language of the page that asks for a document, which the document is written in."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def point_text(point: Point) -> str:
    """The text that goes in: the facilitator's correction when there is one."""
    edit = point.edit
    if edit is not None and edit.corrected_text:
        return edit.corrected_text
    return point.text


def included(point: Point, options: dict[str, Any]) -> bool:
    """Whether a point goes into a document under ``options``."""
    if point.deleted_at is not None or point.merged_into_id is not None:
        return False
    if point.edit is not None and point.edit.hidden:
        return False
    return options["points"] == "all" or point.for_plenum
