"""The outbox and uploads awaiting confirmation are kept for a while only, like downloads."""

import os
import time
from pathlib import Path

from fieldkit.core import retention
from fieldkit.core.mail import build_message, send_mail


def _age(path: Path, hours_old: float) -> Path:
    moment = time.time() - hours_old * 3600
    os.utime(path, (moment, moment))
    return path


def _outbox_message(app, to: str, days_old: float) -> Path:
    folder = Path(app.config["OUTBOX_PATH"])
    before = set(folder.glob("*.eml")) if folder.is_dir() else set()
    send_mail(build_message(to, "Invitasjon", "Hei"))
    (path,) = set(folder.glob("*.eml")) - before
    return _age(path, days_old * 24)


def _preview(name: str, hours_old: float) -> list[Path]:
    folder = retention.preview_folder("frames")
    files = [folder / f"{name}.bin", folder / f"{name}.name"]
    files[0].write_bytes(b"Nr;Navn\n1;Kari\n")
    files[1].write_text("1\nutvalg.csv", encoding="utf-8")
    return [_age(f, hours_old) for f in files]


def test_outbox_messages_older_than_the_retention_period_are_deleted(app):
    app.config["OUTBOX_RETENTION_DAYS"] = 30
    old = [_outbox_message(app, f"a{i}@example.no", 31) for i in range(3)]
    fresh = [_outbox_message(app, f"b{i}@example.no", 29) for i in range(2)]
    assert retention.prune_outbox() == 3
    assert [p.exists() for p in old + fresh] == [False] * 3 + [True] * 2
    assert retention.prune_outbox() == 0


def test_frame_previews_older_than_the_retention_period_are_deleted(app):
    app.config["PREVIEW_RETENTION_HOURS"] = 6
    old = _preview("a" * 32, 7) + _preview("b" * 32, 30)
    fresh = _preview("c" * 32, 5)
    assert retention.prune_previews() == 4
    assert [p.exists() for p in old + fresh] == [False] * 4 + [True] * 2


def test_the_maintenance_command_prunes_all_three_kinds(app, runner):
    from fieldkit.core import downloads

    app.config.update(
        DOWNLOAD_RETENTION_HOURS=72, OUTBOX_RETENTION_DAYS=10, PREVIEW_RETENTION_HOURS=24
    )
    export = downloads.folder("exports") / ("e" * 32 + ".csv")
    export.write_bytes(b"a;b\n")
    _age(export, 73)
    _outbox_message(app, "gammel@example.no", 11)
    _outbox_message(app, "ny@example.no", 9)
    _preview("d" * 32, 25)
    _preview("f" * 32, 23)
    result = runner.invoke(args=["prune-downloads"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Deleted 1 download(s) older than 72 hours, 1 outbox message(s) older than 10 days, "
        "2 upload preview file(s) older than 24 hours\n"
    )
    assert len(list(Path(app.config["OUTBOX_PATH"]).glob("*.eml"))) == 1
    assert len(list(retention.preview_folder("frames").iterdir())) == 2


def test_settings_come_from_the_environment():
    from fieldkit.config import from_environment

    config = from_environment(
        {"FIELDKIT_OUTBOX_RETENTION_DAYS": "14", "FIELDKIT_PREVIEW_RETENTION_HOURS": "2.5"}
    )
    assert config["OUTBOX_RETENTION_DAYS"] == 14.0
    assert config["PREVIEW_RETENTION_HOURS"] == 2.5
