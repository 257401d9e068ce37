"""Compiled summary documents, kept in the downloads store's ``conference-summaries`` area:
documents of record, sent to the participants, never pruned."""

from __future__ import annotations

from pathlib import Path

from flask import Response

from fieldkit.conferences.documents import MIMETYPES
from fieldkit.conferences.models import Conference, SummaryDocument
from fieldkit.core import downloads
from fieldkit.core.models import User
from fieldkit.extensions import db

AREA = "conference-summaries"


def _stored(document: SummaryDocument) -> dict:
    """The document as the downloads store names it."""
    return {
        "file": f"{document.stem}.{document.format}",
        "download_name": download_name(document),
        "mimetype": MIMETYPES[document.format],
    }


def document_path(document: SummaryDocument) -> Path:
    """Where the document's file is kept."""
    return downloads.folder(AREA) / _stored(document)["file"]


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
    stored = downloads.store_bytes(
        AREA, content, f".{fmt}", download_name=f"summary.{fmt}", mimetype=MIMETYPES[fmt]
    )
    document = SummaryDocument(
        conference=conference,
        format=fmt,
        stem=stored["file"].removesuffix(f".{fmt}"),
        size=len(content),
        options=options,
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(document)
    db.session.flush()
    return document


def send(document: SummaryDocument) -> Response | None:
    """The document's file as a download that is never cached, or None when it is gone; an
    HTML document opens in the browser, unable to load or run anything."""
    response = downloads.send(AREA, _stored(document), attachment=document.format != "html")
    if response is not None and document.format == "html":
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
        )
    return response
