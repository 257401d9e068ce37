"""The column path (``dataset.columns``, behind SPSS and Stata) gives exactly what the record
path (``dataset.rows``, behind CSV and XLSX) gives: every item type, odd stored values, cleaning
steps, excluded responses and anonymous surveys."""

import math
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import sqlalchemy as sa

from fieldkit.extensions import db
from fieldkit.surveys.models import Case, Response
from fieldkit.surveys.results import cleaning, dataset, exports, schema
from fieldkit.surveys.results.cleaning_steps import BAND, CODE, FILTER, RECODE
from fieldkit.surveys.results.schema import DATETIME, NUMERIC

nan = math.nan
#: The numbers SPSS and Stata get for string codes (1..k in list order), written out by hand.
MODE_CODES = {"web": 1, "interviewer": 2, "paper": 3}
CODES = {"mode": MODE_CODES}


def same(a, b) -> bool:
    """Equal values of the same type (NaN equals NaN; True is not 1)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def assert_columns_equal_rows(survey, chunk=2):
    variables = schema.variables(survey)
    expected = [row for batch in dataset.rows(survey, variables) for row in batch]
    found = [
        list(values)
        for batch in dataset.columns(survey, variables, chunk=chunk)
        for values in zip(*batch, strict=True)
    ]
    assert len(found) == len(expected)
    for index, (got, want) in enumerate(zip(found, expected, strict=True)):
        for variable, g, w in zip(variables, got, want, strict=True):
            assert same(g, w), (index, variable.name, g, w)
    return variables, expected


def reference_frame(survey, codes=CODES):
    """The statistical frame built from the record path, as exports did before the column
    path: each cell converted on its own, string codes numbered by ``codes`` (by hand, not by
    the exports' own encoding)."""
    variables = schema.variables(survey)
    rows = [row for batch in dataset.rows(survey, variables) for row in batch]
    data = {}
    for index, variable in enumerate(variables):
        values = [row[index] for row in rows]
        encoding = codes.get(variable.name)
        if encoding is not None:
            data[variable.name] = np.array(
                [np.nan if v is None else encoding.get(v, np.nan) for v in values], dtype=float
            )
        elif variable.kind == NUMERIC:
            data[variable.name] = np.array(values, dtype=object).astype(float)
        else:
            data[variable.name] = np.array(values, dtype=object)
    frame = pd.DataFrame(data)
    for variable in variables:
        if variable.kind == DATETIME:
            frame[variable.name] = pd.to_datetime(frame[variable.name])
        elif variable.kind != NUMERIC and variable.name not in codes:
            column = frame[variable.name]
            frame[variable.name] = column.where(column.notna(), "")
    return frame


def assert_frames_equal(survey, codes=CODES):
    frame, _meta = exports.statistical_frame(survey)
    pd.testing.assert_frame_equal(frame, reference_frame(survey, codes), check_exact=True)
    return frame


#: In an expected frame: the responses' times as stored (UTC, no zone), read from the database.
STORED = "stored"


def stored_times(survey, name, case_ids):
    column = getattr(Response, name)
    rows = db.session.execute(
        sa.select(Case.external_id, column)
        .join(Case, Response.case_id == Case.id)
        .where(Response.survey_id == survey.id)
    ).all()
    moments = {key: moment for key, moment in rows if key in case_ids}
    return [moments[key].astimezone(UTC).replace(tzinfo=None) for key in case_ids]


def assert_frame_is(frame, expected, survey=None):
    """``frame`` has exactly the columns of ``expected``, in order, with its values: numbers
    and codes as float64 (NaN when missing), texts as strings ("" when missing), dates and
    times as datetime64 (None for NaT)."""
    assert list(frame.columns) == list(expected)
    for name, values in expected.items():
        column = frame[name]
        if values == STORED:
            values = stored_times(survey, name, expected["case_id"])
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            assert column.dtype == np.float64, name
            np.testing.assert_array_equal(column.to_numpy(), np.array(values, float), name)
        elif all(isinstance(v, str) for v in values):
            assert column.tolist() == values, name
        else:
            assert pd.api.types.is_datetime64_dtype(column), name
            assert [None if pd.isna(v) else v.to_pydatetime() for v in column] == values, name


def rows_of(expected, rows):
    """The expected frame's ``rows`` (positions) only."""
    return {k: v if v == STORED else [v[i] for i in rows] for k, v in expected.items()}


def store(response, answers):
    """Answers as they may lie in the database (paper entry, imports, old versions), written as
    every write of answers is: with a new revision."""
    response.answers = answers
    response.revision += 1
    db.session.commit()


@pytest.fixture
def mixed(make_survey, answer):
    survey = make_survey()
    answer(
        survey,
        {
            "q1": "1", "q2": "3", "q2.3": "Rådgiver", "q3": 2.5, "q4": 1200, "q5": "2004-03-01",
            "q6_aetat": "1", "q6_andre": "2", "q6_andre.other": "NAV", "q7_kurs": ["aetat"],
            "q8": ["moter", "team", "annet"], "q8.annet": "Telefon", "q9": "2", "q10": "7",
            "q12": "1",
            "q13": [{"navn": "AS Tiltak", "deltakere": 12, "plasser": 1.5}, {}, {}],
            "q14": "1", "q16": "9", "q17": "Per telefon",
        },
        strata={"etat": "Aetat", "fylke": "Oslo"},
    )  # fmt: skip
    answer(survey, {"q1": "2", "q8": ["ingen"], "q12": "2", "q4": 3}, strata={"etat": "Sosial"})
    answer(survey, {"q1": "1", "q8": ["moter"], "q4": 40, "q3": 1}, mode="paper")
    answer(survey, {"q1": "2"}, strata={"etat": "Sosial"}, submit=False)
    answer(survey, {"q1": "1", "q8": ["moter"]}, strata={"etat": "Aetat"}, discard=True)
    odd = answer(survey, {"q1": "1"}, strata={"etat": "Aetat"})
    store(
        odd,
        {
            # A number as a boolean, as text with a decimal comma and as a float equal to an
            # int elsewhere; a code that is not a choice; a text stored as a number; a date
            # that is not one; a multiple choice that is not a list; table rows that are not.
            "q1": "7", "q3": True, "q4": "1 200,5", "q2.3": 1200, "q5": "31.02.2004",
            "q8": "moter", "q7_kurs": ["aetat", 1, True], "q13": "ingen",
        },
    )  # fmt: skip
    again = answer(survey, {"q1": "2"}, strata={"fylke": "Bergen"})
    store(again, {"q1": "2", "q3": 1, "q4": 40.0, "q2.3": "1200", "q8": [], "q13": [None, {}]})
    # Every other value seen before: only the boolean can go wrong (True == 1 in a dict).
    boolean = answer(survey, {}, strata={"etat": "Aetat"})
    store(boolean, {"q1": "1", "q3": True, "q4": 1200, "q8": ["moter", "team"]})
    return survey


#: The statistical frame of ``mixed``, worked out by hand from the answers above: the cases
#: K0004 (not submitted) and K0005 (discarded) are left out; K0006 is ``odd`` (a code not in
#: the list kept as a number, "1 200,5" read with a decimal comma, True as no number, a date
#: that is not one, a multiple choice or table that is not a list: missing), K0007 ``again``
#: (an empty list: every box 0) and K0008 ``boolean``.
MIXED_FRAME = {
    "case_id": ["K0001", "K0002", "K0003", "K0006", "K0007", "K0008"],
    "mode": [1, 1, 3, 1, 1, 1],  # web, web, paper, web, web, web
    "disposition": ["1.2", "2.12", "2.12", "2.12", "2.12", "2.12"],
    "language": ["nb"] * 6,
    "started_at": STORED,
    "submitted_at": STORED,
    "etat": ["Aetat", "Sosial", "", "Aetat", "", "Aetat"],
    "fylke": ["Oslo", "", "", "", "Bergen", ""],
    "q1": [1, 2, 1, 7, 2, 1],
    "q2": [3, nan, nan, nan, nan, nan],
    "q2_3_tekst": ["Rådgiver", "", "", "1200", "1200", ""],
    "q3": [2.5, nan, 1, nan, 1, nan],
    "q4": [1200, 3, 40, 1200.5, 40, 1200],
    "q5": [datetime(2004, 3, 1), None, None, None, None, None],
    "q6_aetat": [1, nan, nan, nan, nan, nan],
    "q6_sosial": [nan] * 6,
    "q6_helse": [nan] * 6,
    "q6_andre": [2, nan, nan, nan, nan, nan],
    "q6_andre_tekst": ["NAV", "", "", "", "", ""],
    "q7_kurs_aetat": [1, nan, nan, 1, nan, nan],
    "q7_kurs_kommunen": [0, nan, nan, 0, nan, nan],
    "q7_kurs_satsingen": [0, nan, nan, 0, nan, nan],
    "q7_praksis_aetat": [nan] * 6,
    "q7_praksis_kommunen": [nan] * 6,
    "q7_praksis_satsingen": [nan] * 6,
    "q7_loenn_aetat": [nan] * 6,
    "q7_loenn_kommunen": [nan] * 6,
    "q7_loenn_satsingen": [nan] * 6,
    "q8_moter": [1, 0, 1, nan, 0, 1],
    "q8_team": [1, 0, 0, nan, 0, 1],
    "q8_plan": [0, 0, 0, nan, 0, 0],
    "q8_annet": [1, 0, 0, nan, 0, 0],
    "q8_ingen": [0, 1, 0, nan, 0, 0],
    "q8_annet_tekst": ["Telefon", "", "", "", "", ""],
    "q9": [2, nan, nan, nan, nan, nan],
    "q10": [7, nan, nan, nan, nan, nan],
    "q11": [nan] * 6,
    "q12": [1, 2, nan, nan, nan, nan],
    "q13_1_navn": ["AS Tiltak", "", "", "", "", ""],
    "q13_1_deltakere": [12, nan, nan, nan, nan, nan],
    "q13_1_plasser": [1.5, nan, nan, nan, nan, nan],
    "q13_2_navn": [""] * 6,
    "q13_2_deltakere": [nan] * 6,
    "q13_2_plasser": [nan] * 6,
    "q13_3_navn": [""] * 6,
    "q13_3_deltakere": [nan] * 6,
    "q13_3_plasser": [nan] * 6,
    "q14": [1, nan, nan, nan, nan, nan],
    "q15": [""] * 6,
    "q16": [9, nan, nan, nan, nan, nan],
    "q17": ["Per telefon", "", "", "", "", ""],
    "q18": [""] * 6,
}


def test_columns_equal_rows_for_every_item_type_and_odd_values(mixed):
    variables, rows = assert_columns_equal_rows(mixed)
    names = [v.name for v in variables]
    assert len(rows) == 6  # not the unsubmitted or the discarded response
    odd = dict(zip(names, rows[3], strict=True))
    assert odd["q3"] is None and odd["q4"] == 1200.5 and odd["q1"] == 7
    assert odd["q2_3_tekst"] == "1200" and odd["q5"] is None and odd["q8_moter"] is None
    assert odd["q7_kurs_aetat"] == 1 and odd["q13_1_navn"] is None
    again = dict(zip(names, rows[4], strict=True))
    assert again["q3"] == 1 and again["q8_moter"] == 0 and again["q5"] is None
    first = dict(zip(names, rows[0], strict=True))
    assert first["q5"] == date(2004, 3, 1) and isinstance(first["submitted_at"], datetime)
    assert first["q13_1_plasser"] == 1.5 and first["q6_andre_tekst"] == "NAV"


def test_statistical_frame_equals_the_frame_of_the_record_path(mixed):
    frame = assert_frames_equal(mixed)
    assert_frame_is(frame, MIXED_FRAME, mixed)
    assert list(frame["q3"].isna()) == [False, True, False, True, False, True]
    assert list(frame["mode"]) == [1.0, 1.0, 3.0, 1.0, 1.0, 1.0]


def test_columns_equal_rows_with_cleaning_steps(mixed):
    cleaning.add_step(mixed, FILTER, {"condition": "${q1} != '2'"})
    cleaning.add_step(
        mixed,
        RECODE,
        {
            "name": "samarbeid",
            "rules": [
                {"condition": "selected(${q8}, 'moter') and selected(${q8}, 'team')", "code": "3"},
                {"condition": "selected(${q8}, 'moter')", "code": "1"},
            ],
        },
    )
    cleaning.add_step(mixed, BAND, {"source": "q4", "name": "q4_gruppe", "limits": "0,100"})
    step = cleaning.add_step(mixed, CODE, {"source": "q8.annet", "name": "annet_kode"})
    cleaning.update_code_frame(step, [{"code": "tlf", "label": "Telefon"}], {"Telefon": "tlf"})
    db.session.commit()
    variables, rows = assert_columns_equal_rows(mixed)
    names = [v.name for v in variables]
    assert len(rows) == 4  # the filter left out the two with q1 = 2
    first = dict(zip(names, rows[0], strict=True))
    assert (first["samarbeid"], first["q4_gruppe"], first["annet_kode"]) == (3, 2, "tlf")
    frame = assert_frames_equal(mixed, {**CODES, "annet_kode": {"tlf": 1}})
    # K0001, K0003, K0006 and K0008 (q1 != 2); moter and team 3, moter alone 1 (K0006's
    # "moter" is selected, not being a list); q4 over 100 in band 2; "Telefon" coded tlf = 1.
    expected = {
        **rows_of(MIXED_FRAME, [0, 2, 3, 5]),
        "samarbeid": [3, 1, 1, 3],
        "q4_gruppe": [2, 1, 2, 2],
        "annet_kode": [1, nan, nan, nan],
    }
    assert_frame_is(frame, expected, mixed)


def test_columns_equal_rows_for_an_anonymous_survey(make_survey, answer):
    survey = make_survey("deltakerskjema_storbysatsingen.yaml", slug="anonym")
    assert survey.anonymous
    for age, sex in ((34, "1"), (51, "2"), (34, "1")):
        answer(survey, {"q1": age, "q2": sex, "q3": "Grunnskole"}, strata={"etat": "Aetat"})
    variables, rows = assert_columns_equal_rows(survey, chunk=1)
    assert len(rows) == 3
    assert not {"case_id", "started_at", "submitted_at", "etat"} & {v.name for v in variables}
    frame = assert_frames_equal(survey)
    # Anonymous responses come in no particular order: sorted by age here.
    frame = frame.sort_values("q1", kind="stable", ignore_index=True)
    expected = {
        "mode": [1, 1, 1],
        "disposition": ["2.12"] * 3,
        "language": ["nb"] * 3,
        "q1": [34, 34, 51],
        "q2": [1, 1, 2],
        "q3": ["Grunnskole"] * 3,
        "q4": [nan] * 3,
        "q5": [""] * 3,
        **{name: [nan] * 3 for name in ("q6", "q7", "q8", "q9_1", "q9_2", "q9_3")},
        **{f"q10_{n}": [nan] * 3 for n in range(1, 6)},
    }
    assert_frame_is(frame, expected)


def test_sav_export_reads_back_equal_to_the_reference_frame(mixed, tmp_path):
    path = tmp_path / "data.sav"
    exports.export(mixed, "sav", path)
    frame, _meta = pyreadstat.read_sav(str(path))
    reference = reference_frame(mixed)
    for name in ("q1", "q3", "q4", "q8_moter", "q7_kurs_aetat", "mode", "q13_1_plasser"):
        assert list(frame[name].fillna(-1)) == list(reference[name].fillna(-1)), name
        assert [-1 if math.isnan(v) else v for v in MIXED_FRAME[name]] == list(
            frame[name].fillna(-1)
        ), name
