"""`fieldkit survey export` and `fieldkit survey table`."""

import json

import pyreadstat

from fieldkit.extensions import db
from fieldkit.surveys.results import composition
from fieldkit.surveys.results.composition import Entry


def fill(survey, answer):
    for etat, q16 in [("Aetat", "1")] * 5 + [("Aetat", "2")] * 2 + [("Sosialtjenesten", "2")] * 6:
        answer(survey, {"q1": "1" if etat == "Aetat" else "2", "q16": q16}, strata={"etat": etat})


def test_export_command_writes_a_sav_file(runner, make_survey, answer, tmp_path):
    survey = make_survey()
    fill(survey, answer)
    output = tmp_path / "out.sav"
    result = runner.invoke(
        args=["survey", "export", str(survey.id), "--format", "sav", "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {output} (13 responses)\n"
    frame, meta = pyreadstat.read_sav(str(output))
    assert len(frame) == 13
    assert meta.variable_value_labels["q16"][1.0] == "Svært høy"


def test_table_command_crosstab_json_and_suppression(runner, make_survey, answer):
    survey = make_survey()
    fill(survey, answer)
    result = runner.invoke(
        args=["survey", "table", str(survey.id), "q16", "--by", "etat", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    table = json.loads(result.output)
    assert table["header"] == ["", "Aetat (N=7)", "Sosialtjenesten (N=6)", "Totalt (N=13)"]
    # Aetat: 5/7 = 71.4, 2/7 = 28.6; Totalt: 5/13 = 38.5, 8/13 = 61.5.
    assert table["rows"][0] == ["Svært høy", "71", "0", "38"]
    # Aetat's two "Ganske høy" are under the default threshold of 5: suppressed.
    assert table["rows"][1] == ["Ganske høy", "–", "100", "62"]
    result = runner.invoke(
        args=["survey", "table", str(survey.id), "q16", "--by", "etat", "--format", "json",
              "--min-cell", "0"]
    )  # fmt: skip
    assert json.loads(result.output)["rows"][1] == ["Ganske høy", "29", "100", "62"]
    result = runner.invoke(args=["survey", "table", str(survey.id), "q1", "--min-cell", "6"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[3:5] == [
        "Aetat           |      7 |      54",
        "Sosialtjenesten |      6 |      46",
    ]
    result = runner.invoke(args=["survey", "table", str(survey.id), "q1", "--min-cell", "7"])
    assert "Sosialtjenesten |     <7 |       –" in result.output


def test_table_command_refuses_unknown_item(runner, make_survey):
    survey = make_survey()
    result = runner.invoke(args=["survey", "table", str(survey.id), "q99"])
    assert result.exit_code == 1
    assert "Skjemaet har ikke noe spørsmål eller noen variabel som heter «q99»." in result.output


def test_report_command_follows_the_composition_unless_told_otherwise(
    runner, make_survey, answer, tmp_path
):
    survey = make_survey()
    fill(survey, answer)
    composition.save_composition(survey, [Entry("q16")], include_figures=True)
    db.session.commit()
    with_figures = tmp_path / "a.html"
    result = runner.invoke(args=["survey", "report", str(survey.id), "-o", str(with_figures)])
    assert result.exit_code == 0, result.output
    html = with_figures.read_text(encoding="utf-8")
    assert "Tabell 2." in html and "Figur 1." in html and "Tabell 3." not in html
    tables_only = tmp_path / "b.html"
    result = runner.invoke(
        args=["survey", "report", str(survey.id), "-o", str(tables_only), "--no-figures"]
    )
    assert result.exit_code == 0, result.output
    assert "Figur 1." not in tables_only.read_text(encoding="utf-8")
    composition.save_composition(survey, [Entry("q16")], include_figures=False)
    db.session.commit()
    result = runner.invoke(args=["survey", "report", str(survey.id), "-o", str(with_figures)])
    assert result.exit_code == 0, result.output
    assert "Figur 1." not in with_figures.read_text(encoding="utf-8")
