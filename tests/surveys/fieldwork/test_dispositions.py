"""AAPOR dispositions and outcome rates: the worked example, derivation, SQL counts."""

import json
import random
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from fieldkit.core.models import AuditEvent
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import dispositions, outcomes, queries
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.fieldwork.demo import ANSWERS as COMPLETE_ANSWERS
from fieldkit.surveys.fieldwork.dispositions import CaseFacts, derive
from fieldkit.surveys.models import Case, Response, ResponseStatus
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import operations as responses
from tests.paths import FIXTURES

FIXTURES = FIXTURES
EXAMPLE = json.loads((FIXTURES / "aapor_worked_example.json").read_text())


def test_worked_example_to_one_decimal():
    counts = EXAMPLE["counts"]
    e = dispositions.estimate_e(counts)
    assert round(e, 4) == EXAMPLE["e"]
    computed = {k: dispositions.percent(v) for k, v in dispositions.rates(counts, e).items()}
    assert computed == EXAMPLE["rates_percent"]


def test_e_can_be_fixed():
    counts = EXAMPLE["counts"]
    assert dispositions.percent(dispositions.rates(counts, 1.0)["RR3"]) == 54.2  # = RR1
    assert dispositions.percent(dispositions.rates(counts, 0.0)["RR3"]) == 73.2  # = RR5
    with pytest.raises(ValueError):
        dispositions.estimate_e(counts, "fixed", 1.5)


def test_empty_denominators_give_no_rate():
    assert dispositions.rates({})["RR1"] is None


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        (CaseFacts(), "3.11"),
        (CaseFacts(invited=True), "3.19"),
        (CaseFacts(invited=True, bounced=True), "3.20"),
        (CaseFacts(invited=True, opened=True), "2.1121"),
        (CaseFacts(invited=True, opened=True, response_status="in_progress"), "2.1121"),
        (CaseFacts(response_status="in_progress", share=0.3), "2.12"),
        (CaseFacts(response_status="in_progress", share=0.6), "1.2"),
        (CaseFacts(response_status="submitted", share=0.8), "1.1"),
        (CaseFacts(response_status="submitted", share=0.79), "1.2"),
        (CaseFacts(response_status="submitted", share=0.49), "2.12"),
        (CaseFacts(response_status="submitted", share=1.0, discarded=True), "2.12"),
        (CaseFacts(invited=True, declined=True), "2.111"),
        (CaseFacts(eligible=False, response_status="submitted", share=1.0), "4.10"),
        (CaseFacts(override="2.33", response_status="submitted", share=1.0), "2.33"),
        (CaseFacts(submitted_class="P"), "1.2"),
    ],
)
def test_derive(facts, code):
    assert derive(facts) == code


@pytest.fixture
def survey(app, make_project):
    project = make_project()
    record = questionnaires.import_questionnaire(
        project, "a.yaml", (FIXTURES / "ansatteskjema_storbysatsingen.yaml").read_bytes()
    )
    survey = surveys.create_survey(record, "Kartlegging")
    surveys.launch(survey)
    db.session.commit()
    return survey


def answer(survey, case, share_answers: dict, submit: bool):
    response = responses.start_for_case(survey, case)
    names = list(share_answers)
    responses.save_answers(response, share_answers, names)
    if submit:
        responses.submit(response)
    return response


def test_sql_counts_agree_with_derive(survey):
    """Random cases: the SQL CASE expression gives each the code that ``derive`` gives."""
    rng = random.Random(2004)
    full = {
        "q1": "1",
        "q2": "1",
        "q3": 2.5,
        "q4": 12,
        "q5": "2004-01-05",
        "q6_aetat": "1",
        "q6_sosial": "2",
        "q6_helse": "3",
        "q6_andre": "4",
        "q7_kurs": ["aetat"],
        "q7_praksis": ["kommunen"],
        "q7_loenn": ["aetat"],
        "q8": ["moter"],
        "q9": "1",
        "q10": "4",
        "q11": 5,
        "q12": "2",
        "q16": "2",
        "q18": "Bra",
    }
    names = list(full)
    expected = []
    for n in range(60):
        case = surveys.add_case(survey, str(n), strata={"etat": rng.choice(["Aetat", "Sosial"])})
        case.invited_at = datetime(2004, 3, 1, tzinfo=UTC) if rng.random() < 0.9 else None
        case.bounced_at = datetime(2004, 3, 2, tzinfo=UTC) if rng.random() < 0.1 else None
        case.opened_at = datetime(2004, 3, 3, tzinfo=UTC) if rng.random() < 0.6 else None
        case.declined_at = datetime(2004, 3, 4, tzinfo=UTC) if rng.random() < 0.1 else None
        case.eligible = rng.random() > 0.05
        if rng.random() < 0.05:
            case.disposition_override = "2.32"
        db.session.commit()
        facts = dict(
            eligible=case.eligible,
            override=case.disposition_override,
            declined=case.declined_at is not None,
            bounced=case.bounced_at is not None,
            invited=case.invited_at is not None,
            opened=case.opened_at is not None,
        )
        if case.opened_at and rng.random() < 0.8:
            k = rng.randint(0, len(names))
            response = answer(
                survey, case, {x: full[x] for x in names[:k]}, submit=rng.random() < 0.7
            )
            if response.submitted and rng.random() < 0.1:
                outcomes.discard_response(response, "mangelfull utfylling")
            db.session.commit()
            facts.update(
                response_status=response.status.value,
                share=response.completeness,
                discarded=response.discarded_at is not None,
            )
        expected.append((case.strata["etat"], derive(CaseFacts(**facts))))
    total = {}
    for _etat, code in expected:
        total[code] = total.get(code, 0) + 1
    assert queries.code_counts(survey)[queries.TOTAL] == total
    by_etat = queries.code_counts(survey, "etat")
    for etat in ("Aetat", "Sosial"):
        wanted = {}
        for e, code in expected:
            if e == etat:
                wanted[code] = wanted.get(code, 0) + 1
        assert by_etat.get(etat, {}) == wanted
    assert len(total) >= 8  # the random cases reach most of the rules


COMPLETE = COMPLETE_ANSWERS  # a staff form answered in full (the demo's)


def build_2004_round(survey):
    """160 offices (100 sosialtjeneste, 60 Aetat), 115 returned, 2 discarded, 113 valid."""
    returned = {"Aetat": 47, "Sosialtjenesten": 68}
    for etat, size in (("Sosialtjenesten", 100), ("Aetat", 60)):
        for n in range(size):
            case = surveys.add_case(
                survey, f"{etat[:1]}{n:03d}", strata={"etat": etat, "fylke": f"F{n % 5}"}
            )
            case.invited_at = datetime(2004, 3, 1, tzinfo=UTC)
            db.session.commit()
            if n < returned[etat]:
                response = answer(survey, case, COMPLETE, submit=True)
                if n == 0:
                    outcomes.discard_response(
                        response, "forkastet på grunn av mangelfull utfylling"
                    )
                db.session.commit()


def test_the_2004_round_gives_the_reported_rates(survey):
    build_2004_round(survey)
    result = queries.survey_rates(survey, by="etat")
    assert result.total.counts == {
        "I": 113,
        "P": 0,
        "R": 2,
        "NC": 0,
        "O": 0,
        "UH": 45,
        "UO": 0,
        "NE": 0,
    }
    data = result.as_dict()
    assert data["total"]["rates"]["RR1"] == 70.6
    groups = {g["group"]: g for g in data["groups"]}
    assert groups["Aetat"]["rates"]["RR1"] == 76.7
    assert groups["Sosialtjenesten"]["rates"]["RR1"] == 67.0
    assert groups["Aetat"]["cases"] == 60


def test_dashboard_and_cli_show_the_same_figures(survey, client, runner, make_user, login):
    build_2004_round(survey)
    user = make_user()
    from fieldkit.core.operations import add_member

    add_member(survey.project, user)
    db.session.commit()
    login(user)
    page = client.get(f"/p/{survey.project.slug}/surveys/{survey.id}/dashboard?by=etat")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<span class="figure-value">70,6 %</span>' in html
    assert '<td class="num">76,7</td>' in html and '<td class="num">67,0</td>' in html
    result = runner.invoke(
        args=["survey", "rates", str(survey.id), "--by", "etat", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"]["rates"]["RR1"] == 70.6
    assert [(g["group"], g["rates"]["RR1"]) for g in data["groups"]] == [
        ("Aetat", 76.7),
        ("Sosialtjenesten", 67.0),
    ]
    assert data["total"]["counts"]["I"] == 113
    csv_text = runner.invoke(
        args=["survey", "rates", str(survey.id), "--by", "etat", "--format", "csv"]
    ).output
    lines = csv_text.splitlines()
    assert lines[0].startswith("group,cases,I,P,R,NC,O,UH,UO,NE,e,RR1,")
    assert lines[1].startswith("Aetat,60,46,0,1,0,0,13,0,0,")
    assert lines[3].startswith("Totalt,160,113,0,2,0,0,45,0,0,1.0,70.6,")
    table = runner.invoke(args=["survey", "rates", str(survey.id)]).output
    assert "Totalt" in table and "70.6" in table
    download = client.get(
        f"/p/{survey.project.slug}/surveys/{survey.id}/rates.csv?by=etat"
    ).get_data(as_text=True)
    assert download == csv_text


def test_strata_without_usable_answers_stand_out(survey):
    answers = {f"q{n}": "1" for n in (1, 2, 9, 10, 12, 16)}
    answers.update(
        {
            "q6_aetat": "1",
            "q6_sosial": "1",
            "q6_helse": "1",
            "q6_andre": "1",
            "q7_kurs": ["aetat"],
            "q7_praksis": ["aetat"],
            "q7_loenn": ["aetat"],
            "q8": ["team"],
            "q3": 1.0,
            "q4": 3,
            "q11": 4,
        }
    )
    for n, fylke in enumerate(["Finnmark", "Finnmark", "Troms", "Oslo", "Bergen"]):
        case = surveys.add_case(survey, str(n), strata={"fylke": fylke})
        db.session.commit()
        if fylke == "Oslo":
            answer(survey, case, answers, submit=True)
        if fylke == "Troms":  # one question answered: a break-off, nothing usable
            answer(survey, case, {"q1": "1"}, submit=True)
    groups = {g.group: g for g in queries.survey_rates(survey, by="fylke").groups}
    assert [name for name, g in groups.items() if g.no_returns] == ["Bergen", "Finnmark", "Troms"]
    assert groups["Oslo"].counts["I"] == 1


def test_discard_and_override_are_audited_and_reversible(survey, make_user):
    user = make_user()
    case = surveys.add_case(survey, "1")
    db.session.commit()
    response = answer(survey, case, {"q1": "1"}, submit=True)
    with pytest.raises(OperationError):
        outcomes.discard_response(response, "  ")
    outcomes.discard_response(response, "mangelfull utfylling", actor=user)
    assert queries.code_counts(survey)[queries.TOTAL] == {"2.12": 1}
    outcomes.restore_response(response, actor=user)
    outcomes.override_disposition(case, "4.10", "Kontoret var nedlagt", actor=user)
    assert queries.code_counts(survey)[queries.TOTAL] == {"4.10": 1}
    with pytest.raises(OperationError):
        outcomes.override_disposition(case, "9.99", "x", actor=user)
    outcomes.clear_override(case, actor=user)
    db.session.commit()
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-4:] == [
        "response.discarded",
        "response.restored",
        "case.disposition_overridden",
        "case.override_cleared",
    ]


def test_anonymous_survey_counts_cases_without_linking(app, make_project):
    project = make_project()
    record = questionnaires.import_questionnaire(
        project, "d.yaml", (FIXTURES / "deltakerskjema_storbysatsingen.yaml").read_bytes()
    )
    survey = surveys.create_survey(record, "Deltakere")
    surveys.launch(survey)
    db.session.commit()
    full = {
        "q1": 30,
        "q2": "1",
        "q3": "Videregående",
        "q4": "3",
        "q5": "Kurs",
        "q6": "3",
        "q7": "1",
        "q8": "2",
        "q9_1": "3",
        "q9_2": "3",
        "q9_3": "2",
        "q10_1": "1",
        "q10_2": "2",
        "q10_3": "2",
        "q10_4": "2",
        "q10_5": "1",
    }
    cases = [surveys.add_case(survey, str(n)) for n in range(4)]
    db.session.commit()
    answer(survey, cases[0], full, submit=True)
    answer(survey, cases[1], {"q1": 30, "q2": "2"}, submit=True)
    answer(survey, cases[2], {k: full[k] for k in list(full)[:10]}, submit=False)
    assert queries.code_counts(survey)[queries.TOTAL] == {"1.1": 1, "2.12": 1, "1.2": 1, "3.11": 1}
    first = db.session.scalar(sa.select(Response).where(Response.completeness == 1.0))
    outcomes.discard_response(first, "tull")
    assert queries.code_counts(survey)[queries.TOTAL] == {"2.12": 2, "1.2": 1, "3.11": 1}
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Response.id)).where(Response.status == ResponseStatus.SUBMITTED)
        )
        == 2
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Case.id)).where(Case.submitted_class.is_not(None))
        )
        == 2
    )


def test_rate_over_time_starts_at_the_invitation():
    from datetime import date

    from fieldkit.surveys.fieldwork import rate_chart

    points = rate_chart.cumulative_rate(
        [(date(2004, 3, 3), 2), (date(2004, 3, 5), 3)], 10, date(2004, 3, 6), start=date(2004, 3, 1)
    )
    assert points == [
        (date(2004, 3, 1), 0.0),
        (date(2004, 3, 2), 0.0),
        (date(2004, 3, 3), 0.2),
        (date(2004, 3, 4), 0.2),
        (date(2004, 3, 5), 0.5),
        (date(2004, 3, 6), 0.5),
    ]
    svg = rate_chart.svg(points, [rate_chart.Marker(date(2004, 3, 1), "Invitasjon")], title="RR1")
    assert "50,0 %" in svg and "Invitasjon" in svg and 'role="img"' in svg
