"""The one store of files made for download: survey exports, the export of a project's
conference points, combined synthesis documents, and compiled conference summaries.

Each kind of file has an area (a folder under ``UPLOAD_PATH``); files are written whole under a
random name and served privately, never from another area. One-off downloads hold answers or
what groups reported, so they are not kept for ever: a file older than
``DOWNLOAD_RETENTION_HOURS`` (default 72) is deleted when the next job stores a file in its
area, and by ``fieldkit prune-downloads`` (for a cron job). Compiled conference summaries are
documents of record, sent to the participants by link: their area is never pruned.
"""

from __future__ import annotations

import mimetypes
import os
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Response, current_app, send_file
from flask_babel import gettext as _

#: The folders under UPLOAD_PATH that hold one-off downloads, pruned after the retention period.
AREAS = ("exports", "conference-exports")
#: The folders of documents of record, kept until their record is deleted.
KEPT_AREAS = ("conference-summaries",)


def folder(area: str) -> Path:
    """The folder of one kind of download (created when missing)."""
    if area not in AREAS + KEPT_AREAS:
        raise ValueError(f"unknown download area {area!r}")
    path = Path(current_app.config["UPLOAD_PATH"]) / area
    path.mkdir(parents=True, exist_ok=True)
    return path


#: The name of a stored file: random, with its format's extension; nothing else is ever served.
STORED_NAME = re.compile(r"[0-9a-f]{32}\.[a-z]{1,5}")


def store(
    area: str,
    suffix: str,
    write: Callable[[Path], Any],
    *,
    download_name: str,
    mimetype: str | None = None,
) -> dict[str, Any]:
    """Keep the file ``write(path)`` writes under a random name in ``area`` (older files are
    pruned first); a file is only seen whole. Returns the job's result: the stored name, the
    name it downloads as, its type and size, and ``write``'s own result as ``"written"``."""
    if area in AREAS:
        prune(area)
    name = f"{secrets.token_hex(16)}{suffix}"
    path = folder(area) / name
    partial = path.with_name(name + ".part")
    try:
        written = write(partial)
        os.replace(partial, path)
    finally:
        if partial.exists():
            partial.unlink()
    return {
        "file": name,
        "download_name": download_name,
        "mimetype": mimetype
        or mimetypes.guess_type(download_name)[0]
        or "application/octet-stream",
        "size": path.stat().st_size,
        "written": written,
    }


def store_bytes(area: str, content: bytes, suffix: str, **names: Any) -> dict[str, Any]:
    """``store`` for content already in memory."""

    def write(path: Path) -> None:
        path.write_bytes(content)

    return store(area, suffix, write, **names)


def stored_path(area: str, result: Any) -> Path | None:
    """The file a job's ``result`` names in ``area``, if it is one of ours and still there."""
    name = str(result.get("file", "")) if isinstance(result, dict) else ""
    if not STORED_NAME.fullmatch(name):
        return None
    path = folder(area) / name
    return path if path.is_file() else None


def send(area: str, result: Any, *, attachment: bool = True) -> Response | None:
    """The stored file as a private download (or shown in the browser, without
    ``attachment``), or None when it is gone (pruned or unknown)."""
    path = stored_path(area, result)
    if path is None:
        return None
    response = send_file(
        path,
        mimetype=result["mimetype"],
        as_attachment=attachment,
        download_name=result["download_name"],
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def prune_folder(
    path: Path, max_age_seconds: float, now: float | None = None, suffixes: tuple[str, ...] = ()
) -> int:
    """Delete the files in ``path`` (those ending in ``suffixes``, if given) older than
    ``max_age_seconds``; returns how many. Downloads, the outbox and upload previews."""
    if not path.is_dir():
        return 0
    limit = (time.time() if now is None else now) - max_age_seconds
    removed = 0
    for item in path.iterdir():
        if suffixes and not item.name.endswith(suffixes):
            continue
        try:
            if item.is_file() and item.stat().st_mtime < limit:
                item.unlink()
                removed += 1
        except FileNotFoundError:  # another process pruned it first
            continue
    return removed


def prune(area: str, *, now: float | None = None) -> int:
    """Delete the area's files older than the retention period; returns how many."""
    hours = float(current_app.config.get("DOWNLOAD_RETENTION_HOURS", 72))
    return prune_folder(folder(area), hours * 3600, now)


def prune_all(*, now: float | None = None) -> int:
    """Delete every area's files older than the retention period; returns how many."""
    return sum(prune(area, now=now) for area in AREAS)


def gone_message() -> str:
    """What a user is told who asks for a download that was pruned."""
    hours = f"{current_app.config['DOWNLOAD_RETENTION_HOURS']:g}"
    return _(
        "The file has been deleted: files made for download are kept for %(hours)s hours. "
        "Make it again.",
        hours=hours,
    )
