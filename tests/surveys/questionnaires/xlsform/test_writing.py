"""Writing XLSForm workbooks: pyxform accepts them, and they read back to an equal definition."""

import shutil

import pytest
from pyxform.xls2xform import convert

from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.questionnaires.xlsform import read_xlsform, write_xlsform
from tests.paths import FIXTURES
from tests.surveys.questionnaires.xlsform.workbooks import (
    NATIVE,
    STAFF_XLSFORM,
    pyxform_accepts,
    sheet_rows,
)

# Round trips of the native fixtures


@pytest.mark.parametrize("name", NATIVE)
def test_native_fixture_round_trips_through_xlsform(name):
    original = definition.load((FIXTURES / name).read_text(encoding="utf-8"))
    content = write_xlsform(original)
    pyxform_accepts(content)
    assert read_xlsform(content) == original


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
def test_odk_validate_accepts_the_fixture_and_what_is_written():
    staff_yaml = definition.load((FIXTURES / NATIVE[0]).read_text(encoding="utf-8"))
    for content in (STAFF_XLSFORM.read_bytes(), write_xlsform(staff_yaml)):
        warnings: list[str] = []
        convert(content, warnings=warnings, validate=True, file_type=".xlsx")
        # Only the scale points labelled by their number alone are remarked on.
        assert all("label" in warning for warning in warnings), warnings


def test_written_workbook_uses_plain_xlsform_where_it_can():
    staff = definition.load((FIXTURES / NATIVE[0]).read_text(encoding="utf-8"))
    content = write_xlsform(staff)
    rows = {row["name"]: row for row in sheet_rows(content, "survey") if row["name"]}
    assert rows["q3"]["type"] == "decimal"
    assert rows["q3"]["constraint"] == ". >= 0 and . <= 200"
    assert (rows["q3"]["soft_required"], rows["q3"]["unit::en"]) == ("yes", "FTE")
    assert (rows["q1"]["type"], rows["q1"]["required"]) == ("select_one q1", "yes")
    assert rows["q9"]["appearance"] == "likert"
    assert (rows["q16"]["appearance"], rows["q16"]["ordinal"]) == (None, "yes")
    assert (rows["q6"]["type"], rows["q6"]["appearance"]) == ("begin_group", "table-list")
    assert (rows["q6_andre"]["type"], rows["q6_andre"]["other"]) == ("select_one hyppighet", "yes")
    assert rows["q7_kurs"]["type"] == "select_multiple q7"
    assert rows["q8"]["constraint"] == "count-selected(.) >= 1"
    assert (rows["q11"]["type"], rows["q11"]["denominator"]) == ("integer", "10")
    assert (rows["q13"]["type"], rows["q13"]["repeat_count"]) == ("begin_repeat", "3")
    assert rows["q15"]["appearance"] == "multiline"
    assert rows["q12"]["type"] == "select_one janei"
    assert rows["tiltaksarrangorer"]["appearance"] is None  # ODK has no repeat in a field-list
    assert rows["om_kontoret"]["appearance"] == "field-list"
    choices = sheet_rows(content, "choices")
    assert [c["name"] for c in choices if c["list_name"] == "hyppighet"] == [
        "1",
        "2",
        "3",
        "4",
        "9",
    ]
    assert [c["list_name"] for c in choices if c["nonsubstantive"] == "yes"] == [
        "hyppighet", "q9", "q16"
    ]  # fmt: skip
    assert [(c["list_name"], c["name"]) for c in choices if c["exclusive"] == "yes"] == [
        ("q8", "ingen")
    ]
    settings = sheet_rows(content, "settings")[0]
    assert settings["form_title"] == "Spørreskjema til ansatte i Aetat og sosialtjenesten"
    assert (
        settings["translated_title::en"]
        == "Questionnaire for staff of Aetat and the social services"
    )
    assert (settings["default_language"], settings["languages"]) == ("nb", "nb nn en")


def test_a_form_without_groups_is_one_untitled_page():
    participant = definition.load((FIXTURES / NATIVE[1]).read_text(encoding="utf-8"))
    content = write_xlsform(participant)
    assert [r["type"] for r in sheet_rows(content, "survey")][:3] == [
        "integer", "select_one q2", "text"
    ]  # fmt: skip
    settings = sheet_rows(content, "settings")[0]
    assert (settings["anonymous"], settings["interviewer_assisted_allowed"]) == ("yes", "yes")
    back = read_xlsform(content)
    assert [s.name for s in back.sections] == ["s1"]
    assert [r.name for r in back.item("q9").rows] == ["q9_1", "q9_2", "q9_3"]


def test_text_like_a_formula_is_written_as_text_and_reads_back():
    """A label starting with ``=`` or ``@`` is a text cell (quote-prefixed, so Excel keeps it
    text when edited), never a live formula, and the form reads back unchanged."""
    import io

    from openpyxl import load_workbook

    text = (FIXTURES / NATIVE[0]).read_text(encoding="utf-8")
    hostile = definition.load(
        text.replace(
            '"Hvilken etat arbeider du i?"', '"=HYPERLINK(\\"http://x.example\\")"'
        ).replace('"Sosialtjenesten", nn', '"@SUM(A1)", nn')
    )
    assert hostile != definition.load(text)
    content = write_xlsform(hostile)
    book = load_workbook(io.BytesIO(content))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    formula_like = [c for c in cells if str(c.value or "").startswith(("=", "@"))]
    assert {c.value for c in formula_like} >= {'=HYPERLINK("http://x.example")', "@SUM(A1)"}
    assert all(c.quotePrefix for c in formula_like)
    assert read_xlsform(content) == hostile
