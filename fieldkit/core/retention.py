"""Files kept for a while only, and their removal when their time is up.

- One-off downloads made by jobs (``core.downloads``): ``DOWNLOAD_RETENTION_HOURS``.
- The mail outbox (``.eml`` files in ``OUTBOX_PATH``, written when no SMTP server is set):
  ``OUTBOX_RETENTION_DAYS``. They hold names, addresses and personal links.
- Uploads kept between the request that received them and their use (``core.pending_uploads``:
  a sampling frame awaiting import, in ``UPLOAD_PATH/frames``; a questionnaire file awaiting
  the job that reads it, in ``UPLOAD_PATH/questionnaires``): ``PREVIEW_RETENTION_HOURS``.

``prune_all`` removes what is past its time; ``fieldkit prune-downloads`` runs it (nightly from
``fieldkit-maintenance.timer``), and each store also prunes its own kind when it adds a file.
Age is the file's modification time.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from fieldkit.core import downloads

#: Folders under ``UPLOAD_PATH`` of uploads awaiting confirmation or their job.
PREVIEW_AREAS = ("frames", "questionnaires")


def preview_folder(area: str) -> Path:
    """The folder of one kind of upload awaiting confirmation (created when missing)."""
    if area not in PREVIEW_AREAS:
        raise ValueError(f"unknown preview area {area!r}")
    path = Path(current_app.config["UPLOAD_PATH"]) / area
    path.mkdir(parents=True, exist_ok=True)
    return path


def prune_previews(*, now: float | None = None) -> int:
    """Delete the uploads awaiting confirmation older than ``PREVIEW_RETENTION_HOURS``."""
    hours = float(current_app.config["PREVIEW_RETENTION_HOURS"])
    return sum(
        downloads.prune_folder(preview_folder(area), hours * 3600, now, (".bin", ".name", ".table"))
        for area in PREVIEW_AREAS
    )


def prune_outbox(*, now: float | None = None) -> int:
    """Delete the outbox messages older than ``OUTBOX_RETENTION_DAYS``."""
    days = float(current_app.config["OUTBOX_RETENTION_DAYS"])
    folder = Path(current_app.config["OUTBOX_PATH"])
    return downloads.prune_folder(folder, days * 86400, now, (".eml", ".tmp"))


def prune_all(*, now: float | None = None) -> dict[str, int]:
    """Delete everything past its retention period; how many files of each kind."""
    return {
        "downloads": downloads.prune_all(now=now),
        "outbox": prune_outbox(now=now),
        "previews": prune_previews(now=now),
    }
