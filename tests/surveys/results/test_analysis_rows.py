"""The packed analysis rows: packed by the SPSS and Stata export (never by the respondent's
pages) for the responses changed since the last export, and read into the very frame the decoded
JSON gives (or not read, when stale)."""

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from fieldkit.core.operations import add_member
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.models import Response, ResponseMode, ResponseStatus
from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import operations as responses
from fieldkit.surveys.results import analysis_rows, cleaning, dataset, exports, schema
from fieldkit.surveys.results.cleaning_steps import FILTER
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


def finish(survey):
    variables = schema.variables(survey)
    return variables, [schema.finishing(v, schema.encoding(v)) for v in variables]


def decoded(survey):
    """The frame of the decoded path (the packed rows neither packed nor read)."""
    variables, finishing = finish(survey)
    assert analysis_rows.usable_layout(survey, variables, finishing) is not None
    original = analysis_rows.usable_layout
    analysis_rows.usable_layout = lambda *args: None
    try:
        return exports.statistical_frame(survey)
    finally:
        analysis_rows.usable_layout = original


def stored_rows(survey, *, valid=True):
    """(id, row, layout, packed from revision, revision) of the survey's (valid) responses, in
    the data set's order."""
    query = sa.select(
        Response.id,
        Response.analysis_row,
        Response.analysis_layout,
        Response.analysis_revision,
        Response.revision,
    )
    if valid:
        query = query.where(*dataset.valid_criteria(survey)).order_by(
            Response.submitted_at, Response.submitted_on, Response.id
        )
    else:
        query = query.where(Response.survey_id == survey.id)
    return db.session.execute(query).all()


def unpacked(survey, response_id):
    row = db.session.scalar(sa.select(Response.analysis_row).where(Response.id == response_id))
    names = [v.name for v in analysis_rows.packed_layout(survey).variables]
    return dict(zip(names, np.frombuffer(row, dtype="<f8").tolist(), strict=True))


def test_the_first_export_packs_every_valid_response(numeric_survey, answer):
    fill(numeric_survey, answer)
    # The respondents' saves and submissions packed nothing.
    assert {row for _id, row, *_rest in stored_rows(numeric_survey, valid=False)} == {None}
    layout = analysis_rows.packed_layout(numeric_survey)
    assert layout.complete
    # 1 + 1 + 2 dummies + 2 grid rows + 2 dummies + 2 x 2 table cells + 3 numbers
    assert layout.width == 15
    exports.statistical_frame(numeric_survey)
    rows = stored_rows(numeric_survey)
    assert len(rows) == 4
    for _id, row, hash_, packed_from, revision in rows:
        assert hash_ == layout.hash and len(row) == 15 * 8 and packed_from == revision
    # Not the unsubmitted or the discarded response: no export reads them.
    assert sum(1 for _id, row, *_rest in stored_rows(numeric_survey, valid=False) if row) == 4
    assert analysis_rows.pack_stale(numeric_survey) == 0


def test_packed_frame_is_the_decoded_frame(numeric_survey, answer):
    fill(numeric_survey, answer)
    expected, expected_meta = decoded(numeric_survey)
    assert_frame_is(expected, NUMERIC_FRAME, numeric_survey)
    # The first export packs the rows, the second reads them: both give the decoded frame.
    for _export in ("first", "second"):
        frame, meta = exports.statistical_frame(numeric_survey)
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
    exports.statistical_frame(numeric_survey)
    # The JSON answers are no longer what the export reads while the rows are current.
    db.session.execute(sa.update(Response).values(answers={}))
    db.session.commit()
    frame, _meta = exports.statistical_frame(numeric_survey)
    assert frame["q1"].tolist() == [1.0, 2.0, 9.0, 7.0]


def test_missing_rows_are_packed_by_the_next_export(numeric_survey, answer):
    fill(numeric_survey, answer)
    expected, _meta = decoded(numeric_survey)
    assert_frame_is(expected, NUMERIC_FRAME, numeric_survey)
    exports.statistical_frame(numeric_survey)
    first = stored_rows(numeric_survey)[0][0]
    db.session.execute(sa.update(Response).where(Response.id != first).values(analysis_row=None))
    db.session.commit()
    assert analysis_rows.pack_stale(numeric_survey) == 3
    assert analysis_rows.pack_stale(numeric_survey) == 0
    frame, _meta = exports.statistical_frame(numeric_survey)
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)


def test_stale_rows_are_read_by_id_in_every_chunk(numeric_survey, answer):
    """Rows gone stale after the export packed them (read in chunks of two): each chunk's are
    packed from their own answers, in memory."""
    fill(numeric_survey, answer)
    expected, _meta = decoded(numeric_survey)
    assert_frame_is(expected, NUMERIC_FRAME, numeric_survey)
    assert analysis_rows.pack_stale(numeric_survey) == 4
    ids = [response_id for response_id, *_rest in stored_rows(numeric_survey)]
    assert len(ids) == 4
    missing = ids[1::2]  # the second of each chunk of two
    db.session.execute(
        sa.update(Response).where(Response.id.in_(missing)).values(analysis_row=None)
    )
    db.session.commit()
    variables, finishing = finish(numeric_survey)
    layout = analysis_rows.usable_layout(numeric_survey, variables, finishing)
    chunks = list(analysis_rows.packed_chunks(numeric_survey, variables, finishing, layout, 2))
    assert [len(block) for block, _others in chunks] == [2, 2]
    answers = np.concatenate([block for block, _others in chunks])
    names = [v.name for v in variables if v.origin == schema.ANSWERS]
    np.testing.assert_array_equal(answers, expected[names].to_numpy())


def test_answers_changed_after_an_export_are_packed_by_the_next(numeric_survey, answer):
    response = answer(numeric_survey, {"q1": "1"})
    exports.statistical_frame(numeric_survey)
    assert unpacked(numeric_survey, response.id)["q1"] == 1
    # Changed through the ORM (as every write of answers: with a new revision).
    store(response, {"q1": "2", "q3": ["team"]})
    assert unpacked(numeric_survey, response.id)["q1"] == 1  # stale: not read
    frame, _meta = exports.statistical_frame(numeric_survey)
    assert frame["q1"].tolist() == [2.0] and frame["q3_team"].tolist() == [1.0]
    values = unpacked(numeric_survey, response.id)
    assert values["q1"] == 2 and values["q3_team"] == 1


def test_a_save_while_packing_keeps_its_row_stale_and_the_export_exact(
    numeric_survey, answer, monkeypatch
):
    fill(numeric_survey, answer)
    saved = stored_rows(numeric_survey)[1][0]
    read = analysis_rows.answers_by_id

    def read_then_saved(ids):
        found = read(ids)
        # A respondent saves between the packing's read and its write.
        db.session.execute(
            sa.update(Response)
            .where(Response.id == saved)
            .values(answers={"q1": "3", "q7": 99}, revision=Response.revision + 1)
        )
        return found

    monkeypatch.setattr(analysis_rows, "answers_by_id", read_then_saved)
    assert analysis_rows.pack_stale(numeric_survey) == 4
    monkeypatch.setattr(analysis_rows, "answers_by_id", read)
    rows = {rid: (row, packed_from, revision) for rid, row, _h, packed_from, revision in
            stored_rows(numeric_survey)}  # fmt: skip
    assert rows[saved][0] is None  # its write found a newer revision: left alone
    assert all(packed_from == revision for rid, (_r, packed_from, revision) in rows.items()
               if rid != saved)  # fmt: skip
    variables, finishing = finish(numeric_survey)
    layout = analysis_rows.usable_layout(numeric_survey, variables, finishing)
    blocks = [
        b for b, _o in analysis_rows.packed_chunks(numeric_survey, variables, finishing, layout)
    ]
    names = [v.name for v in variables if v.origin == schema.ANSWERS]
    second = dict(zip(names, blocks[0][1].tolist(), strict=True))
    assert second["q1"] == 3 and second["q7"] == 99  # decoded from its JSON
    frame, _meta = exports.statistical_frame(numeric_survey)
    pd.testing.assert_frame_equal(
        frame, reference_frame(numeric_survey, NUMERIC_CODES), check_exact=True
    )
    assert unpacked(numeric_survey, saved)["q7"] == 99


def test_the_export_writes_back_only_rows_whose_answers_did_not_change_meanwhile(
    numeric_survey, answer, monkeypatch
):
    fill(numeric_survey, answer)
    saved = stored_rows(numeric_survey)[2][0]
    read = analysis_rows.answers_by_id

    def read_then_saved(ids):
        found = read(ids)
        # A respondent saves after the export read the answers, before it writes the rows.
        db.session.execute(
            sa.update(Response)
            .where(Response.id == saved)
            .values(answers={"q1": "2"}, revision=Response.revision + 1)
        )
        return found

    monkeypatch.setattr(analysis_rows, "answers_by_id", read_then_saved)
    frame, _meta = exports.statistical_frame(numeric_survey)
    monkeypatch.setattr(analysis_rows, "answers_by_id", read)
    assert frame["q1"].tolist() == [1.0, 2.0, 9.0, 7.0]  # as read
    rows = {rid: row for rid, row, *_rest in stored_rows(numeric_survey)}
    assert rows[saved] is None and sum(1 for row in rows.values() if row) == 3
    frame, _meta = exports.statistical_frame(numeric_survey)
    assert frame["q1"].tolist() == [1.0, 2.0, 2.0, 7.0]
    assert unpacked(numeric_survey, saved)["q1"] == 2
    assert analysis_rows.pack_stale(numeric_survey) == 0


def test_a_new_questionnaire_version_makes_the_rows_stale(numeric_survey, answer):
    fill(numeric_survey, answer)
    exports.statistical_frame(numeric_survey)
    old = analysis_rows.packed_layout(numeric_survey)
    changed = definition.load(NUMERIC_YAML)
    # A new code in the middle of q2's list: the 1..k numbers of the later codes move.
    q2 = changed.item("q2")
    q2.choices.insert(1, q2.choices[0].__class__("kommunen", {"nb": "Kommunen"}))
    questionnaires.freeze(numeric_survey.questionnaire_version)
    version = questionnaires.save_definition(numeric_survey.questionnaire_version.questionnaire,
                                             changed)  # fmt: skip
    numeric_survey.questionnaire_version = version
    db.session.commit()
    layout = analysis_rows.packed_layout(numeric_survey)
    assert layout.hash != old.hash
    codes = {**CODES, "q2": {"aetat": 1, "kommunen": 2, "sosial": 3, "vet_ikke": 4}}
    expected = {**NUMERIC_FRAME, "q2": [3, 4, nan, nan]}
    assert {hash_ for _id, _row, hash_, *_rest in stored_rows(numeric_survey)} == {old.hash}
    frame, _meta = exports.statistical_frame(numeric_survey)
    pd.testing.assert_frame_equal(frame, reference_frame(numeric_survey, codes), check_exact=True)
    assert frame["q2"].tolist()[:2] == [3.0, 4.0]  # sosial, vet_ikke after the new code
    assert_frame_is(frame, expected, numeric_survey)
    assert {hash_ for _id, _row, hash_, *_rest in stored_rows(numeric_survey)} == {layout.hash}
    assert analysis_rows.pack_stale(numeric_survey) == 0
    frame, _meta = exports.statistical_frame(numeric_survey)
    pd.testing.assert_frame_equal(frame, reference_frame(numeric_survey, codes), check_exact=True)
    assert_frame_is(frame, expected, numeric_survey)


def test_the_respondents_path_packs_nothing_and_the_export_packs_its_answers(numeric_survey):
    case = surveys.add_case(numeric_survey, "K1")
    db.session.commit()
    response = responses.start_for_case(numeric_survey, case)
    responses.save_answers(response, {"q1": "2", "q7": 5}, ["q1", "q7"])
    responses.save_answers(response, {"q1": "3"}, ["q1"])
    responses.submit(response)
    stored = db.session.get(Response, response.id)
    assert stored.status == ResponseStatus.SUBMITTED and stored.revision == 3
    assert (stored.analysis_row, stored.analysis_layout, stored.analysis_revision) == (
        None, None, None,
    )  # fmt: skip
    assert analysis_rows.pack_stale(numeric_survey) == 1
    db.session.refresh(stored)
    assert stored.analysis_layout == analysis_rows.packed_layout(numeric_survey).hash
    assert stored.analysis_revision == 3
    values = unpacked(numeric_survey, response.id)
    assert values["q1"] == 3 and values["q7"] == 5


def test_a_survey_with_texts_is_never_packed(client, make_project, make_user, login, tmp_path):
    """A researcher enters a paper form through the pages; the survey has texts and a date, so
    the export decodes its JSON and packs no row."""
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
    assert stored.analysis_row is None
    assert not analysis_rows.packed_layout(survey).complete
    assert analysis_rows.pack_stale(survey) == 0
    frame, _meta = exports.statistical_frame(survey)
    assert frame["q1"].tolist() == [1.0] and frame["q3"].tolist() == [2.5]
    db.session.refresh(stored)
    assert stored.analysis_row is None


def test_cleaning_steps_use_the_decoded_path(numeric_survey, answer):
    fill(numeric_survey, answer)
    cleaning.add_step(numeric_survey, FILTER, {"condition": "${q1} = '1'"})
    db.session.commit()
    variables, finishing = finish(numeric_survey)
    assert analysis_rows.usable_layout(numeric_survey, variables, finishing) is None
    frame, _meta = exports.statistical_frame(numeric_survey)
    reference = reference_frame(numeric_survey, NUMERIC_CODES)
    pd.testing.assert_frame_equal(frame, reference, check_exact=True)
    assert_frame_is(frame, rows_of(NUMERIC_FRAME, [0]), numeric_survey)  # only q1 = 1


def test_repack_command_packs_the_stale_rows(numeric_survey, answer, runner):
    fill(numeric_survey, answer)
    result = runner.invoke(args=["survey", "repack", str(numeric_survey.id)])
    assert result.exit_code == 0, result.output
    assert result.output == "Packed 4 responses\n"
    assert runner.invoke(args=["survey", "repack", str(numeric_survey.id)]).output == (
        "Packed 0 responses\n"
    )
