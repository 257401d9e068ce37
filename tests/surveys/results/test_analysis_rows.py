"""The packed analysis rows: kept up to date by every write of answers, and read by the SPSS and
Stata exports into the very frame the decoded JSON gives (or not read, when stale)."""

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.models import Response, ResponseMode
from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import operations as responses
from fieldkit.surveys.results import analysis_rows, cleaning, dataset, exports
from tests.paths import FIXTURES

from .test_export_fast_path import (
    CODES,
    STORED,
    assert_frame_is,
    nan,
    reference_frame,
    rows_of,
    store,
)

FIXTURES = FIXTURES

#: Every item kind whose variables are numeric in SPSS, and skip logic.
NUMERIC_YAML = """
format: fieldkit-questionnaire/1
title: {nb: Alle talltyper}
choice_lists:
  skala:
    - {code: "1", label: {nb: Godt}}
    - {code: "2", label: {nb: Middels}}
    - {code: "3", label: {nb: Dårlig}}
    - {code: "9", label: {nb: Vet ikke}, nonsubstantive: true}
sections:
  - name: alt
    title: {nb: Alt}
    questions:
      - {no: "1", type: single, text: {nb: Skala}, options: skala, ordinal: true}
      - no: "2"
        type: single
        text: {nb: Etat}
        options:
          - {code: "aetat", label: {nb: Aetat}}
          - {code: "sosial", label: {nb: Sosialtjenesten}}
          - {code: "vet_ikke", label: {nb: Vet ikke}, nonsubstantive: true}
      - no: "3"
        type: multiple
        text: {nb: Former}
        options:
          - {code: "moter", label: {nb: Møter}}
          - {code: "team", label: {nb: Team}}
      - no: "4"
        type: grid_single
        text: {nb: Samarbeid}
        columns: skala
        rows:
          - {name: q4_aetat, label: {nb: Aetat}}
          - {name: q4_helse, label: {nb: Helse}}
      - no: "5"
        type: grid_multiple
        text: {nb: Tiltak}
        columns:
          - {code: "aetat", label: {nb: Aetat}}
          - {code: "kommunen", label: {nb: Kommunen}}
        rows:
          - {name: q5_kurs, label: {nb: Kurs}}
      - no: "6"
        type: table
        text: {nb: Arrangører}
        row_count: 2
        columns:
          - {name: deltakere, label: {nb: Deltakere}, type: integer}
          - {name: plasser, label: {nb: Plasser}, type: decimal}
      - {no: "7", type: integer, text: {nb: Antall}}
      - {no: "8", type: decimal, text: {nb: Årsverk}, relevant: "${q1} = '1'"}
      - {no: "9", type: fraction, text: {nb: Hvor mange av ti}, denominator: 10}
"""

FULL = {
    "q1": "1", "q2": "sosial", "q3": ["moter", "team"], "q4_aetat": "2", "q4_helse": "9",
    "q5_kurs": ["kommunen"], "q6": [{"deltakere": 12, "plasser": 1.5}, {}], "q7": 40,
    "q8": 2.5, "q9": 7,
}  # fmt: skip


@pytest.fixture
def numeric_survey(make_project):
    project = make_project("tall")
    record = questionnaires.import_questionnaire(project, "tall.yaml", NUMERIC_YAML.encode())
    survey = surveys.create_survey(record, "Talltyper")
    surveys.launch(survey)
    db.session.commit()
    return survey


#: q2's codes numbered 1..k in list order for SPSS and Stata, by hand.
NUMERIC_CODES = {**CODES, "q2": {"aetat": 1, "sosial": 2, "vet_ikke": 3}}


def fill(numeric_survey, answer):
    answer(numeric_survey, FULL, strata={"etat": "Aetat"})
    answer(numeric_survey, {"q1": "2", "q2": "vet_ikke", "q3": [], "q7": 0})
    answer(numeric_survey, {"q1": "9", "q3": ["team"], "q9": 10}, mode="paper")
    answer(numeric_survey, {"q1": "1"}, submit=False)
    answer(numeric_survey, {"q1": "3"}, discard=True)
    odd = answer(numeric_survey, {})
    # Stored through the ORM (imports, old data): a code not in the list, numbers as text.
    store(odd, {"q1": "7", "q2": "ukjent", "q3": "moter", "q7": "1 200,5", "q8": True})


#: The statistical frame after ``fill``, by hand: K0004 (not submitted) and K0005 (discarded)
#: left out; q2's codes numbered aetat 1, sosial 2, vet_ikke 3; an empty list all boxes 0; q8
#: asked only when q1 = 1; K0006 as stored: a code not in the list kept as a number, one not in
#: q2's list missing, a multiple choice that is not a list missing, "1 200,5" with a decimal
#: comma, True as no number.
NUMERIC_FRAME = {
    "case_id": ["K0001", "K0002", "K0003", "K0006"],
    "mode": [1, 1, 3, 1],  # web, web, paper, web
    "disposition": ["1.1", "2.12", "2.12", "2.12"],
    "language": ["nb"] * 4,
    "started_at": STORED,
    "submitted_at": STORED,
    "etat": ["Aetat", "", "", ""],
    "q1": [1, 2, 9, 7],
    "q2": [2, 3, nan, nan],
    "q3_moter": [1, 0, 0, nan],
    "q3_team": [1, 0, 1, nan],
    "q4_aetat": [2, nan, nan, nan],
    "q4_helse": [9, nan, nan, nan],
    "q5_kurs_aetat": [0, nan, nan, nan],
    "q5_kurs_kommunen": [1, nan, nan, nan],
    "q6_1_deltakere": [12, nan, nan, nan],
    "q6_1_plasser": [1.5, nan, nan, nan],
    "q6_2_deltakere": [nan] * 4,
    "q6_2_plasser": [nan] * 4,
    "q7": [40, 0, nan, 1200.5],
    "q8": [2.5, nan, nan, nan],
    "q9": [7, nan, 10, nan],
}


def decoded(survey):
    """The frame of the decoded path (the packed rows ignored)."""
    variables = dataset.variables(survey)
    finish = [exports._finish(v, exports._encoding(v)) for v in variables]
    assert analysis_rows.usable_layout(survey, variables, finish) is not None
    original = analysis_rows.usable_layout
    analysis_rows.usable_layout = lambda *args: None
    try:
        return exports.statistical_frame(survey)
    finally:
        analysis_rows.usable_layout = original


def stored_rows(survey):
    return db.session.execute(
        sa.select(Response.id, Response.analysis_row, Response.analysis_layout).where(
            Response.survey_id == survey.id
        )
    ).all()


def test_every_response_of_a_numeric_survey_has_its_row(numeric_survey, answer):
    fill(numeric_survey, answer)
    layout = analysis_rows.layout(numeric_survey)
    assert layout.complete
    # 1 + 1 + 2 dummies + 2 grid rows + 2 dummies + 2 x 2 table cells + 3 numbers
    assert layout.width == 15
    for _id, row, hash_ in stored_rows(numeric_survey):
        assert hash_ == layout.hash and len(row) == 15 * 8


def test_packed_frame_is_the_decoded_frame(numeric_survey, answer):
    fill(numeric_survey, answer)
    frame, meta = exports.statistical_frame(numeric_survey)
    expected, expected_meta = decoded(numeric_survey)
    assert_frame_is(expected, NUMERIC_FRAME, numeric_survey)
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    reference = reference_frame(numeric_survey, NUMERIC_CODES)
    pd.testing.assert_frame_equal(frame, reference, check_exact=True)
    assert meta == expected_meta
    # SPSS and Stata label numbers only: q2's codes by their numbers, "code = label".
    assert meta["value_labels"]["q2"] == {
        1: "aetat = Aetat",
        2: "sosial = Sosialtjenesten",
        3: "vet_ikke = Vet ikke",
    }
    assert meta["missing"]["q2"] == [3]  # vet_ikke is not substantive
    assert len(frame) == 4  # not the unsubmitted or the discarded response
    first = frame.iloc[0]
    assert first["q1"] == 1 and first["q2"] == 2 and first["q3_team"] == 1
    assert first["q6_1_plasser"] == 1.5 and np.isnan(first["q6_2_deltakere"])
    odd = frame.iloc[3]
    assert odd["q1"] == 7 and np.isnan(odd["q2"]) and np.isnan(odd["q3_moter"])
    assert odd["q7"] == 1200.5 and np.isnan(odd["q8"])


def test_packed_path_reads_rows_not_answers(numeric_survey, answer):
    fill(numeric_survey, answer)
    # The JSON answers are no longer what the export reads while the rows are current.
    db.session.execute(sa.update(Response).values(answers={}))
    db.session.commit()
    frame, _meta = exports.statistical_frame(numeric_survey)
    assert frame["q1"].tolist() == [1.0, 2.0, 9.0, 7.0]


def test_missing_rows_fall_back_to_the_answers(numeric_survey, answer):
    fill(numeric_survey, answer)
    expected, _meta = decoded(numeric_survey)
    assert_frame_is(expected, NUMERIC_FRAME, numeric_survey)
    first = stored_rows(numeric_survey)[0][0]
    db.session.execute(sa.update(Response).where(Response.id != first).values(analysis_row=None))
    db.session.commit()
    frame, _meta = exports.statistical_frame(numeric_survey)
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    assert analysis_rows.repack(numeric_survey) == 5
    assert analysis_rows.repack(numeric_survey) == 0
    frame, _meta = exports.statistical_frame(numeric_survey)
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)


def test_stale_rows_are_read_by_id_in_every_chunk(numeric_survey, answer):
    """Chunks of two: the missing rows of each chunk are packed from their own answers."""
    fill(numeric_survey, answer)
    expected, _meta = decoded(numeric_survey)
    assert_frame_is(expected, NUMERIC_FRAME, numeric_survey)
    in_order = dataset.valid_responses(numeric_survey, [Response.id])
    ids = db.session.scalars(in_order).all()
    assert len(ids) == 4
    missing = ids[1::2]  # the second of each chunk of two
    db.session.execute(
        sa.update(Response).where(Response.id.in_(missing)).values(analysis_row=None)
    )
    db.session.commit()
    variables = dataset.variables(numeric_survey)
    finish = [exports._finish(v, exports._encoding(v)) for v in variables]
    layout = analysis_rows.usable_layout(numeric_survey, variables, finish)
    chunks = list(dataset.packed_chunks(numeric_survey, variables, finish, layout, chunk=2))
    assert [len(block) for block, _others in chunks] == [2, 2]
    answers = np.concatenate([block for block, _others in chunks])
    names = [v.name for v in variables if v.origin == dataset.ANSWERS]
    np.testing.assert_array_equal(answers, expected[names].to_numpy())


def test_a_new_questionnaire_version_makes_the_rows_stale(numeric_survey, answer):
    fill(numeric_survey, answer)
    old = analysis_rows.layout(numeric_survey)
    changed = definition.load(NUMERIC_YAML)
    # A new code in the middle of q2's list: the 1..k numbers of the later codes move.
    q2 = changed.item("q2")
    q2.choices.insert(1, q2.choices[0].__class__("kommunen", {"nb": "Kommunen"}))
    questionnaires.freeze(numeric_survey.questionnaire_version)
    version = questionnaires.save_definition(numeric_survey.questionnaire_version.questionnaire,
                                             changed)  # fmt: skip
    numeric_survey.questionnaire_version = version
    db.session.commit()
    layout = analysis_rows.layout(numeric_survey)
    assert layout.hash != old.hash
    codes = {**CODES, "q2": {"aetat": 1, "kommunen": 2, "sosial": 3, "vet_ikke": 4}}
    expected = {**NUMERIC_FRAME, "q2": [3, 4, nan, nan]}
    frame, _meta = exports.statistical_frame(numeric_survey)
    pd.testing.assert_frame_equal(frame, reference_frame(numeric_survey, codes), check_exact=True)
    assert frame["q2"].tolist()[:2] == [3.0, 4.0]  # sosial, vet_ikke after the new code
    assert_frame_is(frame, expected, numeric_survey)
    assert analysis_rows.repack(numeric_survey) == 6
    assert {hash_ for _id, _row, hash_ in stored_rows(numeric_survey)} == {layout.hash}
    frame, _meta = exports.statistical_frame(numeric_survey)
    pd.testing.assert_frame_equal(frame, reference_frame(numeric_survey, codes), check_exact=True)
    assert_frame_is(frame, expected, numeric_survey)


def unpacked(survey, response_id):
    row = db.session.scalar(sa.select(Response.analysis_row).where(Response.id == response_id))
    layout = analysis_rows.layout(survey)
    return dict(zip(layout.keys, np.frombuffer(row, dtype="<f8").tolist(), strict=False))


def test_save_and_submit_keep_the_row_up_to_date(numeric_survey):
    case = surveys.add_case(numeric_survey, "K1")
    db.session.commit()
    response = responses.start_for_case(numeric_survey, case)
    assert np.isnan(unpacked(numeric_survey, response.id)["q1"])  # packed at creation
    responses.save_answers(response, {"q1": "2", "q7": 5}, ["q1", "q7"])
    assert unpacked(numeric_survey, response.id)["q1"] == 2
    responses.save_answers(response, {"q1": "3"}, ["q1"])
    values = unpacked(numeric_survey, response.id)
    assert values["q1"] == 3 and values["q7"] == 5
    # Submission repacks (for a layout changed meanwhile) when the answers are still current.
    db.session.execute(
        sa.update(Response).where(Response.id == response.id).values(analysis_layout="gammel")
    )
    db.session.commit()
    responses.submit(response)
    stored = db.session.get(Response, response.id)
    assert stored.analysis_layout == analysis_rows.layout(numeric_survey).hash
    assert unpacked(numeric_survey, response.id)["q1"] == 3


def test_submit_never_packs_answers_saved_meanwhile(numeric_survey):
    case = surveys.add_case(numeric_survey, "K1")
    db.session.commit()
    response = responses.start_for_case(numeric_survey, case)
    responses.save_answers(response, {"q1": "2"}, ["q1"])
    # Another tab saves q1 = 3; this request's response still holds q1 = 2.
    db.session.execute(
        sa.update(Response)
        .where(Response.id == response.id)
        .values(
            answers={"q1": "3"},
            revision=Response.revision + 1,
            **analysis_rows.packed(numeric_survey, {"q1": "3"}),
        )
    )
    db.session.commit()
    responses.submit(response)
    assert unpacked(numeric_survey, response.id)["q1"] == 3


def test_answers_changed_through_the_orm_are_repacked(numeric_survey, answer):
    response = answer(numeric_survey, {"q1": "1"})
    store(response, {"q1": "2", "q3": ["team"]})
    values = unpacked(numeric_survey, response.id)
    assert values["q1"] == 2
    added = Response(id="a" * 36, survey_id=numeric_survey.id, answers={"q7": 9})
    db.session.add(added)
    db.session.commit()
    assert unpacked(numeric_survey, added.id)["q7"] == 9


def test_a_researcher_entering_a_paper_form_packs_its_row(client, make_project, make_user, login):
    from fieldkit.core.operations import add_member

    project = make_project()
    fixture = "ansatteskjema_storbysatsingen.yaml"
    record = questionnaires.import_questionnaire(
        project, fixture, (FIXTURES / fixture).read_bytes()
    )
    survey = surveys.create_survey(
        record,
        "Kartlegging 2004",
        contact_name="Kari Forsker",
        contact_email="kari@afi.no",
        opens_at=datetime(2004, 3, 1, tzinfo=UTC),
        closes_at=datetime(2004, 4, 1, tzinfo=UTC),
    )
    surveys.launch(survey)
    researcher = make_user("forsker@afi.no")
    add_member(project, researcher)
    case = surveys.add_case(survey, "0301", name="NAV Sagene")
    db.session.commit()
    login(researcher)
    client.post(f"/p/{project.slug}/surveys/{survey.id}/cases/{case.id}/enter/paper")
    client.post("/svar/start")
    page = {"q1": "1", "q2": "3", "q3": "2,5", "q4": "120", "_shown": "intro_note q1 q2 q3 q4 q5"}
    client.post("/svar/side/om_kontoret", data={**page, "action": "next"})
    client.post("/svar/oversikt")
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Response))
    assert stored.mode == ResponseMode.PAPER and stored.submitted
    layout = analysis_rows.layout(survey)
    assert stored.analysis_layout == layout.hash
    assert not layout.complete  # texts and a date: the export decodes this survey's JSON
    values = dict(zip(layout.keys, np.frombuffer(stored.analysis_row, dtype="<f8"), strict=False))
    assert values["q1"] == 1 and values["q3"] == 2.5 and values["q4"] == 120


def test_cleaning_steps_use_the_decoded_path(numeric_survey, answer):
    fill(numeric_survey, answer)
    cleaning.add_step(numeric_survey, "filter", {"condition": "${q1} = '1'"})
    db.session.commit()
    variables = dataset.variables(numeric_survey)
    finish = [exports._finish(v, exports._encoding(v)) for v in variables]
    assert analysis_rows.usable_layout(numeric_survey, variables, finish) is None
    frame, _meta = exports.statistical_frame(numeric_survey)
    reference = reference_frame(numeric_survey, NUMERIC_CODES)
    pd.testing.assert_frame_equal(frame, reference, check_exact=True)
    assert_frame_is(frame, rows_of(NUMERIC_FRAME, [0]), numeric_survey)  # only q1 = 1


def test_repack_command_packs_the_stale_rows(numeric_survey, answer, runner):
    fill(numeric_survey, answer)
    db.session.execute(sa.update(Response).values(analysis_row=None))
    db.session.commit()
    result = runner.invoke(args=["survey", "repack", str(numeric_survey.id)])
    assert result.exit_code == 0, result.output
    assert result.output == "Packed 6 responses\n"
    assert runner.invoke(args=["survey", "repack", str(numeric_survey.id)]).output == (
        "Packed 0 responses\n"
    )
