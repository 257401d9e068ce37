"""`fieldkit frame import`, `fieldkit survey send-invitations|send-reminders|run-schedule`."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from fieldkit.core.models import utcnow
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import recipients
from fieldkit.surveys.models import Case, SentMessage
from tests.surveys.fieldwork.conftest import FIXTURES, OFFICES


def count_cases() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Case))


def test_frame_import_prints_the_report_and_is_idempotent(runner, make_survey):
    survey = make_survey()
    result = runner.invoke(args=["frame", "import", str(survey.id), str(OFFICES), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output == "160 rader: 160 nye, 0 endret, 0 uendret.\n"
    assert count_cases() == 0
    result = runner.invoke(args=["frame", "import", str(survey.id), str(OFFICES)])
    assert result.exit_code == 0 and count_cases() == 160
    again = runner.invoke(args=["frame", "import", str(survey.id), str(OFFICES)])
    assert again.output == "160 rader: 0 nye, 0 endret, 160 uendret.\n"


def test_frame_import_of_a_broken_file_exits_1_and_stores_nothing(runner, make_survey):
    survey = make_survey()
    path = FIXTURES / "frame_broken_cp1252.csv"
    result = runner.invoke(args=["frame", "import", str(survey.id), str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "5 rader: 3 nye, 0 endret, 0 uendret.",
        "Feil: frame_broken_cp1252.csv, rad 3, kolonne E-post: "
        "frogner(at)nav.no er ikke en e-postadresse.",
        "Feil: frame_broken_cp1252.csv, rad 4, kolonne Nr: Id-en 101 står også på rad 2.",
        "Feil: frame_broken_cp1252.csv, rad 5, kolonne Nr: Id-en er tom.",
        "Advarsel: frame_broken_cp1252.csv, rad 6, kolonne E-post: "
        "E-postadressen grunerlokka@nav.no står også på rad 2.",
    ]
    assert count_cases() == 0


def test_frame_import_with_a_column_mapped_by_hand(runner, make_survey):
    survey = make_survey()
    args = ["frame", "import", str(survey.id), str(OFFICES), "--map", "antall ansatte=ignore"]
    assert runner.invoke(args=args).exit_code == 0
    case = db.session.scalars(sa.select(Case).where(Case.external_id == "A060")).one()
    assert sorted(case.strata) == ["etat", "fylke", "kommune", "kommunestørrelse"]
    bad = runner.invoke(args=["frame", "import", str(survey.id), str(OFFICES), "--map", "x=id"])
    assert bad.exit_code == 1 and "--map 'x=id'" in bad.output


def test_send_invitations_and_reminders_from_the_command_line(
    runner, smtp_app, smtp_server, office_survey
):
    sid = str(office_survey.id)
    dry = runner.invoke(
        args=["survey", "send-invitations", sid, "--dry-run", "--stratum", "etat=Aetat"]
    )
    assert dry.exit_code == 0
    lines = dry.output.splitlines()
    assert lines[-1] == "60 messages"
    assert lines[0] == "A001\taetat.halden@aetat.no\tinvitation\t0\tAetat Halden"
    assert smtp_server.messages == []
    sent = runner.invoke(args=["survey", "send-invitations", sid])
    assert sent.output == "160 sent, 0 failed (done)\n"
    assert runner.invoke(args=["survey", "send-reminders", sid, "--dry-run"]).output == (
        "0 messages\n"  # the minimum gap: invited just now
    )
    db.session.execute(sa.update(SentMessage).values(sent_at=utcnow() - timedelta(days=6)))
    db.session.commit()
    dry = runner.invoke(args=["survey", "send-reminders", sid, "--dry-run"])
    assert dry.output.splitlines()[-1] == "160 messages"
    assert "\treminder_not_started\t1\t" in dry.output
    smtp_server.handler.fail_after = 170
    crashed = runner.invoke(args=["survey", "send-reminders", sid])
    assert crashed.exit_code == 1 and "10 sent, 1 failed (interrupted)" in crashed.output
    smtp_server.handler.fail_after = None
    rest = runner.invoke(args=["survey", "send-reminders", sid])
    assert rest.output == "150 sent, 0 failed (done)\n"
    addressees = [m.rcpt_tos[0] for m in smtp_server.messages[160:]]
    assert len(addressees) == len(set(addressees)) == 160


def test_run_schedule_sends_what_is_due(runner, smtp_app, smtp_server, office_survey):
    sid = str(office_survey.id)
    runner.invoke(args=["survey", "send-invitations", sid])
    recipients.save_reminder_schedule(office_survey, [7])
    db.session.execute(sa.update(SentMessage).values(sent_at=utcnow() - timedelta(days=7, hours=1)))
    db.session.commit()
    result = runner.invoke(args=["survey", "run-schedule"])
    assert result.exit_code == 0
    assert result.output.endswith(": 160 sent, 0 failed\n")
    assert runner.invoke(args=["survey", "run-schedule"]).output == ""


def test_the_send_command_sends_to_the_end_whatever_the_jobs_mode(
    app, runner, smtp_app, smtp_server, office_survey
):
    """In thread mode (the app's default without Redis) a command still sends before it ends."""
    app.config["JOBS_MODE"] = "thread"
    sent = runner.invoke(args=["survey", "send-invitations", str(office_survey.id)])
    assert sent.output == "160 sent, 0 failed (done)\n"
    assert len(smtp_server.messages) == 160
