"""Files that background jobs make for one download: survey exports, the export of a
project's conference points, combined synthesis documents.

They hold answers or what groups reported, so they are not kept for ever: a file older than
``DOWNLOAD_RETENTION_HOURS`` (default 72) is deleted when the next job stores a file, and by
``fieldkit prune-downloads`` (for a cron job). Compiled conference summaries are documents of
record, sent by link, and live elsewhere; they are never pruned here.
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

#: The folders under UPLOAD_PATH that hold one-off downloads.
AREAS = ("exports", "conference-exports")


def folder(area: str) -> Path:
    """The folder of one kind of download (created when missing)."""
    if area not in AREAS:
        raise ValueError(f"unknown download area {area!r}")
    path = Path(current_app.config["UPLOAD_PATH"]) / area
    path.mkdir(parents=True, exist_ok=True)
    return path


def prune(area: str, *, now: float | None = None) -> int:
    """Delete the area's files older than the retention period; returns how many."""
    hours = float(current_app.config.get("DOWNLOAD_RETENTION_HOURS", 72))
    limit = (time.time() if now is None else now) - hours * 3600
    removed = 0
    for path in folder(area).iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another process pruned it first
            continue
    return removed


def prune_all(*, now: float | None = None) -> int:
    return sum(prune(area, now=now) for area in AREAS)


def gone_message() -> str:
    """What a user is told who asks for a download that was pruned."""
    hours = f"{current_app.config['DOWNLOAD_RETENTION_HOURS']:g}"
    return _(
        "The file has been deleted: files made for download are kept for %(hours)s hours. "
        "Make it again.",
        hours=hours,
    )
