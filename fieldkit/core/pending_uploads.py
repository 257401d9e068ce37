"""Uploaded files kept between the request that received them and the job or page that uses
them: a sampling frame until its import is confirmed, a questionnaire file until its job has
read it.

Each is kept in one area (``retention.PREVIEW_AREAS``) under a random token, with the id of
the object it belongs to (the survey, the project), so that a token given to another object's
page finds nothing. ``retention.prune_previews`` removes what nobody used in time.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask_babel import gettext as _

from fieldkit.core import retention
from fieldkit.core.models import Job, JobStatus
from fieldkit.core.operations import OperationError

TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
#: The files of one upload: its owner and name, its content, and what a job read from it.
SUFFIXES = (".name", ".bin", ".table")


class UploadGone(OperationError):
    """The upload is no longer kept (used, pruned, or another object's)."""


def folder(area: str) -> Path:
    """The folder of ``area``'s uploads."""
    return retention.preview_folder(area)


def store(area: str, owner_id: int, filename: str, content: bytes, default_name: str) -> str:
    """Keep an upload of the object ``owner_id`` (at most ``PREVIEW_RETENTION_HOURS``);
    returns its token."""
    token = secrets.token_urlsafe(24)
    path = folder(area)
    retention.prune_previews()  # uploads nobody used in time
    safe_name = re.sub(r"[^\w.\- ]+", "_", filename)[-120:] or default_name
    (path / f"{token}.name").write_text(f"{owner_id}\n{safe_name}", encoding="utf-8")
    (path / f"{token}.bin").write_bytes(content)
    return token


def load(area: str, owner_id: int, token: str) -> tuple[str, bytes]:
    """The (file name, content) of the upload ``token`` of ``owner_id``; UploadGone if it
    is not kept (or is another object's)."""
    gone = UploadGone(_("The uploaded file is no longer available; upload it again."))
    if not TOKEN.match(token or ""):
        raise gone
    path = folder(area)
    try:
        stored_owner, name = (path / f"{token}.name").read_text(encoding="utf-8").split("\n", 1)
        content = (path / f"{token}.bin").read_bytes()
    except (OSError, ValueError) as exc:
        raise gone from exc
    if stored_owner != str(owner_id):
        raise gone
    return name, content


def discard(area: str, token: str) -> None:
    """Delete a kept upload (used, or given up)."""
    if TOKEN.match(token or ""):
        path = folder(area)
        for suffix in SUFFIXES:
            (path / f"{token}{suffix}").unlink(missing_ok=True)


def discard_all_of(area: str, owner_id: int) -> int:
    """Delete every upload of ``owner_id`` kept in ``area``; returns how many."""
    removed = 0
    for name_file in folder(area).glob("*.name"):
        try:
            stored_owner = name_file.read_text(encoding="utf-8").split("\n", 1)[0]
        except OSError:
            continue
        if stored_owner == str(owner_id):
            discard(area, name_file.stem)
            removed += 1
    return removed


def refusal(job: Job) -> str | None:
    """Why a finished job that reads an uploaded file did not take it, or None when it did.

    A file the job refuses is not a failure of the job: its result carries the message as
    ``{"error": ...}``; a job that failed (a bug, a lost worker) says so too.
    """
    if job.status is JobStatus.FAILED:
        return _("The file could not be read: %(error)s", error=job.error)
    result = job.result if isinstance(job.result, dict) else {}
    return result.get("error")
