"""Compiled summary documents, kept under ``UPLOAD_PATH/conference-summaries`` with random
names. They are documents of record, sent to the participants, and are never pruned."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Response, current_app, send_file

from fieldkit.conferences.documents import MIMETYPES
from fieldkit.conferences.models import Conference, SummaryDocument
from fieldkit.core.models import User
from fieldkit.extensions import db


def folder() -> Path:
    """The folder of the compiled documents (created when missing)."""
    path = Path(current_app.config["UPLOAD_PATH"]) / "conference-summaries"
    path.mkdir(parents=True, exist_ok=True)
    return path


def document_path(document: SummaryDocument) -> Path:
    """Where the document's file is kept."""
    return folder() / f"{document.stem}.{document.format}"


def download_name(document: SummaryDocument) -> str:
    """The file name the document downloads as: the conference's title and place."""
    conference = document.conference
    base = "-".join(x for x in (conference.title, conference.place) if x)
    safe = "".join(ch if ch.isalnum() else "-" for ch in base).strip("-")
    while "--" in safe:
        safe = safe.replace("--", "-")
    return f"{safe or 'konferanse'}.{document.format}"


def store_document(
    conference: Conference, fmt: str, content: bytes, options: dict, user: User | None
) -> SummaryDocument:
    """Keep ``content`` as a new document of ``conference`` (the file is only seen whole)."""
    document = SummaryDocument(
        conference=conference,
        format=fmt,
        stem=secrets.token_hex(16),
        size=len(content),
        options=options,
        created_by_id=getattr(user, "id", None),
    )
    path = document_path(document)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(content)
    temporary.replace(path)
    db.session.add(document)
    db.session.flush()
    return document


def send(document: SummaryDocument) -> Response | None:
    """The document's file as a download that is never cached, or None when it is gone."""
    path = document_path(document)
    if not path.exists():
        return None
    response = send_file(
        path,
        mimetype=MIMETYPES[document.format],
        as_attachment=document.format != "html",
        download_name=download_name(document),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    if document.format == "html":
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
        )
    return response
