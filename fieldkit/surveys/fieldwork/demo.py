"""Demo data: a survey of 160 offices in the field, invited, with answers coming in.

The frame's addresses are all @example.no; invitations are only sent when mail goes to the
outbox folder (no SMTP server configured), so the demo never mails anyone.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from fieldkit.core import uploads
from fieldkit.core.models import Project, User, utcnow
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import frame, recipients, sending
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.models import Case, Questionnaire, ResponseMode, SentMessage, Survey
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import operations as responses

DATA = Path(__file__).resolve().parent / "data"
TITLE = "Kartlegging av sosialkontor og Aetat 2004"
QUESTIONNAIRE_TITLE = "Ansatteskjema (demo for feltarbeid)"
ANSWERS = {
    "q1": "1",
    "q2": "1",
    "q3": 2.0,
    "q4": 30,
    "q5": "2004-01-05",
    "q6_aetat": "1",
    "q6_sosial": "1",
    "q6_helse": "2",
    "q6_andre": "4",
    "q7_kurs": ["aetat"],
    "q7_praksis": ["aetat"],
    "q7_loenn": ["kommunen"],
    "q8": ["team"],
    "q9": "2",
    "q10": "3",
    "q11": 6,
    "q12": "2",
    "q16": "2",
}


def _pick(rng: random.Random, weights: dict) -> object:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def varied_answers(rng: random.Random, etat: str) -> dict:
    """A complete staff form as an office of ``etat`` might answer it: the demo's results
    tables then show spread answers rather than one answer given by all."""
    aetat = etat == "Aetat"
    often = {"1": 3, "2": 4, "3": 3, "4": 1, "9": 1}
    ties = ["moter", "team", "plan"]
    chosen = [code for code in ties if rng.random() < (0.6 if code == "moter" else 0.35)]
    return {
        "q1": "1" if aetat else "2",
        "q2": _pick(rng, {"1": 5, "2": 2}),
        "q3": float(rng.choice([20, 40, 50, 60, 80, 100, 100, 100])),
        "q4": rng.randint(1, 12) * 5,
        "q5": (date(2003, 9, 1) + timedelta(days=rng.randint(0, 150))).isoformat(),
        "q6_aetat": _pick(rng, {"1": 6, "2": 3, "3": 1}) if aetat else _pick(rng, often),
        "q6_sosial": _pick(rng, often) if aetat else _pick(rng, {"1": 6, "2": 3, "3": 1}),
        "q6_helse": _pick(rng, {"2": 2, "3": 5, "4": 3, "9": 1}),
        "q6_andre": _pick(rng, {"2": 1, "3": 3, "4": 4, "9": 2}),
        "q7_kurs": rng.sample(["aetat", "kommunen", "satsingen"], rng.randint(1, 2)),
        "q7_praksis": rng.sample(["aetat", "kommunen", "satsingen"], rng.randint(1, 2)),
        "q7_loenn": ["aetat"] if aetat or rng.random() < 0.5 else ["kommunen"],
        "q8": chosen or ["ingen"],
        "q9": _pick(rng, {"1": 2, "2": 5, "3": 3, "4": 1, "8": 1}),
        "q10": str(_pick(rng, {1: 1, 2: 2, 3: 4, 4: 5, 5: 4, 6: 2, 7: 1})),
        "q11": rng.randint(2, 10),
        "q12": "2",
        "q16": _pick(rng, {"1": 2, "2": 6, "3": 3, "4": 1, "9": 1}),
    }


def load_demo(project: Project, user: User) -> bool:
    """Add the fieldwork demo survey to the demo project once; True if it was created."""
    exists = db.session.scalar(
        sa.select(Survey.id).where(Survey.project_id == project.id, Survey.title == TITLE)
    )
    if exists is not None:
        return False
    record = db.session.scalar(
        sa.select(Questionnaire).where(
            Questionnaire.project_id == project.id, Questionnaire.title == QUESTIONNAIRE_TITLE
        )
    )
    if record is None:
        path = DATA / "ansatteskjema_demo.yaml"
        record = questionnaires.import_questionnaire(project, path.name, path.read_bytes())
        record.title = QUESTIONNAIRE_TITLE
    survey = surveys.create_survey(
        record,
        TITLE,
        closes_at=utcnow() + timedelta(days=21),
        contact_name=user.name,
        contact_email=user.email,
        actor=user,
    )
    surveys.launch(survey, actor=user)
    table = uploads.read_table("frame_demo.csv", (DATA / "frame_demo.csv").read_bytes())
    frame.import_frame(survey, table, actor=user)
    db.session.commit()
    if current_app.config.get("SMTP_HOST"):
        return True  # never mail the demo frame through a real server
    sending.send_invitations(survey, actor=user)
    # The invitation went out ten days ago; since then answers have come in, except from
    # Finnmark and Troms (the gap the dashboard must show while there is time to act).
    ten_days_ago = utcnow() - timedelta(days=10)
    case_ids = sa.select(Case.id).where(Case.survey_id == survey.id)
    db.session.execute(
        sa.update(SentMessage).where(SentMessage.case_id.in_(case_ids)).values(sent_at=ten_days_ago)
    )
    db.session.execute(
        sa.update(Case).where(Case.survey_id == survey.id).values(invited_at=ten_days_ago)
    )
    cases = list(
        db.session.scalars(
            sa.select(Case).where(Case.survey_id == survey.id).order_by(Case.external_id)
        )
    )
    rng = random.Random(2004)  # the same demo every time
    for n, case in enumerate(cases):
        if case.strata.get("fylke") in ("Finnmark", "Troms") or n % 3 == 2:
            continue
        paper = n % 7 == 0
        response = responses.start_for_case(
            survey,
            case,
            mode=ResponseMode.PAPER if paper else ResponseMode.WEB,
            entered_by=user if paper else None,
        )
        if n % 11 == 0:  # started, not finished
            responses.save_answers(response, {"q1": "1", "q2": "1"}, ["q1", "q2"])
            continue
        answers = varied_answers(rng, "Aetat" if case.strata.get("etat") == "Aetat" else "")
        responses.save_answers(response, answers, list(answers))
        responses.submit(response)
    recipients.save_reminder_schedule(survey, [7, 14], actor=user)
    db.session.commit()
    return True
