"""The data set and its exports: read back with every label exact."""

import csv
import io
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime

import pyreadstat
import pytest
import sqlalchemy as sa

from fieldkit.core import downloads
from fieldkit.core.jobs import enqueue
from fieldkit.core.models import Job
from fieldkit.extensions import db
from fieldkit.surveys.models import Response
from fieldkit.surveys.results import dataset, exports, schema


@pytest.fixture
def filled(make_survey, answer):
    survey = make_survey()
    answer(
        survey,
        {
            "q1": "1", "q2": "3", "q2.3": "Rådgiver", "q3": 2.5, "q4": 1200, "q5": "2004-03-01",
            "q6_aetat": "1", "q6_andre": "2", "q6_andre.other": "NAV", "q7_kurs": ["aetat"],
            "q8": ["moter", "annet"], "q8.annet": "Telefon", "q9": "9" if False else "2",
            "q10": "7", "q12": "1",
            "q13": [{"navn": "AS Tiltak", "deltakere": 12, "plasser": 1.5}, {}, {}],
            "q14": "1", "q16": "9", "q17": "Per telefon",
        },
        strata={"etat": "Aetat", "fylke": "Oslo"},
    )  # fmt: skip
    answer(survey, {"q1": "2", "q8": ["ingen"], "q12": "2"}, strata={"etat": "Sosialtjenesten"})
    answer(survey, {"q1": "2"}, strata={"etat": "Sosialtjenesten"}, submit=False)
    answer(survey, {"q1": "1"}, strata={"etat": "Aetat"}, discard=True)
    return survey


def test_variables_are_named_for_spss_and_stata(filled):
    names = [v.name for v in schema.variables(filled)]
    assert names[:8] == [
        "case_id", "mode", "disposition", "language", "started_at", "submitted_at", "etat", "fylke",
    ]  # fmt: skip
    for expected in (
        "q2_3_tekst", "q6_andre_tekst", "q7_kurs_aetat", "q8_moter", "q8_annet", "q8_annet_tekst",
        "q13_1_navn", "q13_3_plasser",
    ):  # fmt: skip
        assert expected in names
    assert all(len(n) <= 32 and n.replace("_", "").isalnum() for n in names)
    assert len({n.lower() for n in names}) == len(names)


def test_only_submitted_and_kept_responses(filled):
    assert dataset.count_valid(filled) == 2
    variables = schema.variables(filled)
    chunks = list(dataset.rows(filled, variables, chunk=1))
    assert [len(c) for c in chunks] == [1, 1]
    first = dict(zip([v.name for v in variables], chunks[0][0], strict=True))
    assert first["case_id"] == "K0001"
    assert first["disposition"] == "1.2"
    assert first["q2"] == 3 and first["q2_3_tekst"] == "Rådgiver"
    assert first["q8_moter"] == 1 and first["q8_team"] == 0 and first["q8_annet_tekst"] == "Telefon"
    assert first["q13_1_deltakere"] == 12 and first["q13_2_navn"] is None
    second = dict(zip([v.name for v in variables], chunks[1][0], strict=True))
    assert second["q8_ingen"] == 1 and second["q8_moter"] == 0
    assert second["q7_kurs_aetat"] is None  # not answered: missing, not 0
    assert second["disposition"] == "2.12"


def test_sav_reads_back_with_every_label(filled, tmp_path):
    path = tmp_path / "data.sav"
    assert exports.export(filled, "sav", path) == 2
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["q1"] == "1. Hvilken etat arbeider du i?"
    assert labels["q8_moter"] == ("8. Hvilke samarbeidsformer har dere brukt? – Faste møter")
    assert meta.variable_value_labels["q1"] == {1.0: "Aetat", 2.0: "Sosialtjenesten"}
    assert meta.variable_value_labels["q16"][9.0] == "Vet ikke"
    assert meta.variable_value_labels["mode"] == {
        1.0: "web = Web",
        2.0: "interviewer = Interviewer",
        3.0: "paper = Paper",
    }
    assert meta.missing_ranges["q16"] == [{"lo": 9.0, "hi": 9.0}]
    assert meta.variable_measure["q16"] == "ordinal"
    assert list(frame["q1"]) == [1.0, 2.0]
    assert list(frame["etat"]) == ["Aetat", "Sosialtjenesten"]
    assert frame["q13_1_navn"][0] == "AS Tiltak"
    assert frame["q2_3_tekst"][0] == "Rådgiver"
    assert str(frame["submitted_at"].dtype).startswith("datetime64")


def test_dta_reads_back_with_labels(filled, tmp_path):
    path = tmp_path / "data.dta"
    exports.export(filled, "dta", path)
    frame, meta = pyreadstat.read_dta(str(path))
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["q1"] == "1. Hvilken etat arbeider du i?"
    assert meta.variable_value_labels["q1"] == {1: "Aetat", 2: "Sosialtjenesten"}
    assert meta.variable_value_labels["q8_moter"] == {0: "Ikke valgt", 1: "Valgt"}
    assert list(frame["q8_moter"]) == [1, 0]


def test_csv_variants(filled, tmp_path):
    plain, excel = tmp_path / "a.csv", tmp_path / "b.csv"
    exports.export(filled, "csv", plain)
    exports.export(filled, "csv_excel", excel)
    rows = list(csv.DictReader(io.StringIO(plain.read_text("utf-8"))))
    assert rows[0]["q3"] == "2.5" and rows[0]["q13_1_plasser"] == "1.5"
    raw = excel.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["q3"] == "2,5" and rows[0]["q2_3_tekst"] == "Rådgiver"


def test_r_zip_has_data_and_label_script(filled, tmp_path):
    path = tmp_path / "r.zip"
    exports.export(filled, "r", path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["data.csv", "labels.R"]
        script = archive.read("labels.R").decode()
    assert (
        'data$q1 <- factor(data$q1, levels = c(1, 2), labels = c("Aetat", "Sosialtjenesten"))'
        in script
    )
    assert 'attr(data$q1, "label") <- "1. Hvilken etat arbeider du i?"' in script


def test_xlsx_has_data_and_labels(filled, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "data.xlsx"
    exports.export(filled, "xlsx", path)
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["Data", "Variabler", "Verdier"]
    data = list(book["Data"].values)
    assert len(data) == 3
    header = list(data[0])
    assert data[1][header.index("q2_3_tekst")] == "Rådgiver"
    assert ("q1", "1", "Aetat") in [tuple(map(str, r)) for r in book["Verdier"].values]


def test_anonymous_export_has_no_case_id_and_no_times(make_survey, answer, tmp_path):
    survey = make_survey("deltakerskjema_storbysatsingen.yaml")
    assert survey.anonymous
    first = survey.definition.variables()
    name = next(iter(first))
    answer(survey, {}, strata={"etat": "Aetat"})
    path = tmp_path / "anon.sav"
    exports.export(survey, "sav", path)
    frame, _meta = pyreadstat.read_sav(str(path))
    assert len(frame) == 1
    for forbidden in ("case_id", "started_at", "submitted_at", "etat"):
        assert forbidden not in frame.columns
    assert name in frame.columns


def test_export_job_writes_the_file_and_reports_progress(filled, app, tmp_path):
    job = enqueue(exports.export_job, filled.id, "sav", created_by=None)
    job = db.session.get(Job, job.id)
    assert job.status == "done", job.message
    assert job.progress_done == 2 and job.progress_total == 2
    stored = downloads.stored_path("exports", job.result)
    frame, _meta = pyreadstat.read_sav(str(stored))
    assert len(frame) == 2
    assert job.result["download_name"] == f"survey{filled.id}.sav"


def test_codebook_uses_the_export_names(filled, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "kodebok.xlsx"
    exports.export(filled, "codebook", path)
    rows = list(load_workbook(path, read_only=True)["Variabler"].values)
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["q13_1_navn"][1] == "q13.navn"
    assert by_name["q6_andre_tekst"][1] == "q6_andre.other"
    assert by_name["q16"][5] == (
        "1 = Svært høy; 2 = Ganske høy; 3 = Ganske lav; 4 = Svært lav; 9 = Vet ikke"
    )
    assert by_name["q16"][6] == "9"
    assert [r[0] for r in rows[1:]] == [v.name for v in schema.variables(filled)]


@pytest.mark.skipif(shutil.which("pspp") is None, reason="PSPP is not installed")
def test_pspp_reads_the_sav_with_labels(filled, tmp_path):
    path = tmp_path / "data.sav"
    exports.export(filled, "sav", path)
    syntax = tmp_path / "check.sps"
    syntax.write_text(
        f"GET FILE='{path}'.\nDISPLAY DICTIONARY /VARIABLES=q1 q16 q8_moter.\n"
        "FREQUENCIES /VARIABLES=q1.\n",
        encoding="utf-8",
    )
    output = subprocess.run(
        ["pspp", "-O", "format=txt", "-o", "-", str(syntax)],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert "1. Hvilken etat arbeider du i?" in output
    assert "Sosialtjenesten" in output and "Vet ikke" in output
    assert "Faste møter" in output
    assert re.search(r"Aetat\s*\|\s*1\|\s*50\.0%", output), output
    assert re.search(r"\|q1\s*\|F8\.0", output), output  # codes print without decimals


def test_times_are_exported_in_utc_whatever_the_database_session_time_zone(
    make_survey, answer, tmp_path
):
    survey = make_survey()
    response = answer(survey, {"q1": "1"}, strata={"etat": "Aetat"})
    response.started_at = datetime(2004, 3, 1, 9, 5, 30, tzinfo=UTC)
    response.submitted_at = datetime(2004, 3, 1, 10, 15, 0, 250000, tzinfo=UTC)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # PostgreSQL gives timestamptz in the session's zone (Oslo: UTC+1 in March).
        db.session.execute(sa.text("SET LOCAL TIME ZONE 'Europe/Oslo'"))
    variables = schema.variables(survey)
    (row,) = next(dataset.rows(survey, variables))
    values = dict(zip([v.name for v in variables], row, strict=True))
    assert values["started_at"] == datetime(2004, 3, 1, 9, 5, 30)
    assert values["submitted_at"] == datetime(2004, 3, 1, 10, 15, 0, 250000)
    frame, _meta = exports.statistical_frame(survey)
    assert frame["submitted_at"][0] == datetime(2004, 3, 1, 10, 15, 0, 250000)
    path = tmp_path / "data.csv"
    exports.write_csv(survey, path)
    assert "2004-03-01 09:05:30,2004-03-01 10:15:00" in path.read_text(encoding="utf-8")


def _r_tokens(script: str) -> tuple[list[str], list[str]]:
    """The code outside strings and comments, and the strings decoded, of an R script (R's
    lexer for what ``labels.R`` may hold: comments, double-quoted strings with escapes)."""
    code, strings, i = [], [], 0
    escapes = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "'": "'"}
    while i < len(script):
        char = script[i]
        if char == "#":
            end = script.find("\n", i)
            i = len(script) if end < 0 else end
        elif char == '"':
            i += 1
            text = []
            while script[i] != '"':
                if script[i] == "\\":
                    kind = script[i + 1]
                    if kind == "x":
                        text.append(chr(int(script[i + 2 : i + 4], 16)))
                        i += 4
                        continue
                    if kind == "u":
                        end = script.index("}", i)
                        text.append(chr(int(script[i + 3 : end], 16)))
                        i = end + 1
                        continue
                    text.append(escapes[kind])
                    i += 2
                    continue
                assert script[i] != "\n", "a line break inside an R string"
                text.append(script[i])
                i += 1
            strings.append("".join(text))
            i += 1
        else:
            code.append(char)
            i += 1
    return "".join(code).split("\n"), strings


def test_r_script_cannot_be_made_to_run_code(make_survey, tmp_path):
    """A title or label with a line break, quotes or backslashes stays inside its comment or
    string: sourcing the script runs only what fieldkit wrote."""
    survey = make_survey()
    survey.title = "x\nsystem('touch /tmp/pwned')\r\x0b\u2028#"
    attack = 'a"); system("touch /tmp/pwned"); #\\\n\x00'
    variables = schema.variables(survey)
    target = next(v for v in variables if v.value_labels)
    target.label = attack
    label = next(iter(target.value_labels))
    target.value_labels[label] = attack
    from unittest import mock

    with mock.patch.object(schema, "variables", return_value=variables):
        script = exports.r_script(survey, "data.csv")
    code, strings = _r_tokens(script)
    assert all("system" not in line for line in code)
    assert all(
        line == "" or line.startswith(("data <- read.csv(", "data$", "attr(data$")) for line in code
    )
    cleaned = 'a"); system("touch /tmp/pwned"); #\\\n'
    assert strings.count(cleaned) == 2  # the label and the value label, NUL removed
    # The title is in the first line's comment, as an escaped string.
    first = script.split("\n")[0]
    assert first.startswith("# ") and first.endswith(": the data and its labels (fieldkit export).")
    assert _r_tokens(first[2:])[1] == ["x\nsystem('touch /tmp/pwned')\r\x0b\u2028#"]


@pytest.mark.parametrize(
    "fmt",
    ["csv", "csv_excel", "xlsx", "sav", "dta", "r", "codebook", "report_docx", "report_pdf"],
)
def test_exports_do_not_fail_on_control_characters_already_stored(filled, tmp_path, fmt):
    """Text stored before input was normalised (or written by hand into the database): a Word
    line break in an answer and in the survey's title, and NUL where the database holds it,
    make no export fail; XML-based files get the break as a newline."""
    nul = "\x00" if db.engine.dialect.name == "sqlite" else ""
    db.session.execute(sa.text("UPDATE surveys SET title = :t"), {"t": f"Kart\x0blegging{nul}"})
    submitted = db.session.scalars(sa.select(Response).where(Response.status == "submitted"))
    response = next(r for r in submitted if "q2.3" not in r.answers)
    response.answers = {**response.answers, "q2.3": f"Råd\x0bgiver{nul}\x01"}
    db.session.commit()
    db.session.expire_all()
    path = tmp_path / f"export{exports.FORMATS[fmt]}"
    exports.export(filled, fmt, path, items=["q1", "q2"]) if fmt.startswith(
        "report"
    ) else exports.export(filled, fmt, path)
    assert path.stat().st_size > 0
    if fmt == "xlsx":
        from openpyxl import load_workbook

        rows = list(load_workbook(path)["Data"].values)
        column = list(rows[0]).index("q2_3_tekst")
        assert sorted(r[column] for r in rows[1:]) == ["Råd\ngiver", "Rådgiver"]
    if fmt == "report_docx":
        from docx import Document

        texts = [p.text for p in Document(str(path)).paragraphs]
        assert any("Kart\nlegging" in t for t in texts)
