"""One-off downloads made by jobs are deleted after the retention period."""

import os
import time
from pathlib import Path

from fieldkit.core import downloads


def _file(folder: Path, name: str, hours_old: float) -> Path:
    path = folder / name
    path.write_bytes(b"svar")
    moment = time.time() - hours_old * 3600
    os.utime(path, (moment, moment))
    return path


def test_files_older_than_the_retention_period_are_deleted(app):
    app.config["DOWNLOAD_RETENTION_HOURS"] = 72
    exports = downloads.folder("exports")
    old = _file(exports, "a.sav", 73)
    fresh = _file(exports, "b.sav", 71)
    points = _file(downloads.folder("conference-exports"), "c.csv", 100)
    assert downloads.prune("exports") == 1
    assert not old.exists() and fresh.exists() and points.exists()
    assert downloads.prune_all() == 1
    assert not points.exists() and fresh.exists()


def test_a_job_storing_a_download_prunes_the_old_ones(app):
    old = _file(downloads.folder("conference-exports"), "old.csv", 80)
    result = downloads.store_bytes(
        "conference-exports", b"a;b\n", ".csv", download_name="points.csv", mimetype="text/csv"
    )
    assert not old.exists()
    assert downloads.stored_path("conference-exports", result).read_bytes() == b"a;b\n"
    assert result["download_name"] == "points.csv" and result["size"] == 4
    assert downloads.stored_path("conference-exports", {"file": "../../etc/passwd"}) is None
    assert downloads.stored_path("exports", result) is None  # another area's file


def test_the_command_prunes_and_says_how_many(app, runner):
    app.config["DOWNLOAD_RETENTION_HOURS"] = 1
    _file(downloads.folder("exports"), "a.csv", 2)
    _file(downloads.folder("exports"), "b.csv", 0)
    result = runner.invoke(args=["prune-downloads"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Deleted 1 download(s) older than 1 hours, 0 outbox message(s) older than 30 days, "
        "0 upload preview file(s) older than 24 hours\n"
    )


def test_documents_of_record_are_never_pruned(app):
    """Compiled conference summaries live in the same store but are kept."""
    app.config["DOWNLOAD_RETENTION_HOURS"] = 1
    kept = _file(downloads.folder("conference-summaries"), "a" * 32 + ".pdf", 1000)
    old = _file(downloads.folder("exports"), "b" * 32 + ".sav", 1000)
    assert downloads.prune_all() == 1
    assert kept.exists() and not old.exists()
    result = downloads.store_bytes(
        "conference-summaries", b"%PDF", ".pdf", download_name="x.pdf", mimetype="application/pdf"
    )
    assert kept.exists() and downloads.stored_path("conference-summaries", result).is_file()
