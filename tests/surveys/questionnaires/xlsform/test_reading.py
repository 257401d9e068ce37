"""Reading XLSForm workbooks: the authored staff form, the ways ODK and KoBoToolbox write
forms, and precise refusals named by sheet, row and column."""

from decimal import Decimal

import pytest

from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.questionnaires.definition import DefinitionError
from fieldkit.surveys.questionnaires.xlsform import read_xlsform, write_xlsform
from tests.surveys.questionnaires.xlsform.workbooks import (
    CHOICES,
    HEADER,
    STAFF_XLSFORM,
    pyxform_accepts,
    workbook,
)

# The staff questionnaire authored as an XLSForm


def test_staff_xlsform_sections_and_items(staff):
    assert staff.title == {
        "nb": "Spørreskjema til NAV-kontorene om Storbysatsingen",
        "nn": "Spørjeskjema til NAV-kontora om Storbysatsinga",
    }
    assert staff.languages == ["nb", "nn"]
    assert staff.intro["nn"] == "Eitt skjema per kontor. Svara vert handsama konfidensielt."
    assert (staff.anonymous, staff.interviewer_assisted_allowed) == (False, False)
    layout = [
        (section.name, [(item.name, item.type, item.number) for item in section.items])
        for section in staff.sections
    ]
    assert layout == [
        ("om_kontoret", [("intro", "note", None), ("q1", "single", "1"), ("q2", "single", "2"),
                         ("q3", "decimal", "3"), ("q4", "integer", "4"), ("q5", "date", "5")]),
        ("samarbeid", [("q6", "grid_single", "6"), ("q7", "grid_multiple", "7"),
                       ("q8", "multiple", "8"), ("q9", "text", "9")]),
        ("vurdering", [("q10", "single", "10"), ("q11", "grid_single", "11"),
                       ("q12", "single", "12"), ("q13", "fraction", "13")]),
        ("tiltaksarrangorer", [("q14", "single", "14"), ("q15", "table", "15"),
                               ("q16", "single", "16"), ("q17", "long_text", "17")]),
        ("avbrudd", [("q18", "integer", "18"), ("q19", "single", "19"), ("q20", "multiple", "20"),
                     ("q21", "single", "21"), ("q22", "long_text", "22")]),
    ]  # fmt: skip
    assert staff.sections[3].title == {"nb": "Tiltaksarrangører", "nn": "Tiltaksarrangørar"}
    assert len(staff.variables()) == 30


def test_staff_xlsform_grids(staff):
    q6, q7, q11 = staff.item("q6"), staff.item("q7"), staff.item("q11")
    assert [(r.name, r.label["nb"], r.other) for r in q6.rows] == [
        ("q6_sosial", "Sosialtjenesten", False),
        ("q6_helse", "Helsevesenet", False),
        ("q6_bolig", "Boligkontoret", False),
        ("q6_andre", "Andre? Hvilke", True),
    ]
    assert q6.choice_list == "hyppighet" and q6.ordinal
    assert [(c.code, c.nonsubstantive) for c in q6.choices] == [
        ("1", False), ("2", False), ("3", False), ("4", False), ("9", True)
    ]  # fmt: skip
    assert q6.choice("9").label == {"nb": "Vet ikke", "nn": "Veit ikkje"}
    # The multi-choice grid: several ticks per row, each row a variable of its own.
    assert [r.name for r in q7.rows] == ["q7_kurs", "q7_praksis", "q7_lonn", "q7_helse"]
    assert [c.code for c in q7.choices] == ["aetat", "kommunen", "satsingen"]
    assert q7.hint == {
        "nb": "Sett gjerne flere kryss på hver linje",
        "nn": "Set gjerne fleire kryss på kvar linje",
    }
    assert not q7.ordinal
    # A second single-choice grid, on the 1-7 scale shared with q10.
    assert [r.label["nn"] for r in q11.rows] == ["… ordinært arbeid", "… bustad", "… helsehjelp"]
    assert q11.choice_list == "skala7"
    assert staff.variables()["q7_lonn"] is q7


def test_staff_xlsform_scale_other_and_nonsubstantive(staff):
    q10 = staff.item("q10")
    assert (q10.layout, q10.ordinal, q10.choice_list) == ("horizontal", True, "skala7")
    assert [(c.code, c.label.get("nb")) for c in q10.choices] == [
        ("1", "1 = Svært lett"), ("2", None), ("3", None), ("4", None), ("5", None),
        ("6", None), ("7", "7 = Svært vanskelig"), ("9", "Vet ikke"),
    ]  # fmt: skip
    assert [c.code for c in q10.choices if c.nonsubstantive] == ["9"]
    q2 = staff.item("q2")
    assert [(c.code, c.other) for c in q2.choices] == [("1", False), ("2", False), ("3", True)]
    assert q2.choice("3").label["nb"] == "Annet, i så fall hva"
    q8 = staff.item("q8")
    assert [c.code for c in q8.choices if c.other] == ["annet"]
    assert [c.code for c in q8.choices if c.exclusive] == ["ingen"]
    assert (q8.min_choices, q8.max_choices, q8.constraint) == (1, None, None)
    q12, q21 = staff.item("q12"), staff.item("q21")
    assert (q12.layout, q12.ordinal) == ("vertical", True)
    assert (q21.layout, q21.ordinal) == ("horizontal", True)
    assert [c.code for c in q21.choices if c.nonsubstantive] == ["8"]


def test_staff_xlsform_numbers_table_and_validation(staff):
    q3 = staff.item("q3")
    assert (q3.minimum, q3.maximum, q3.constraint) == (Decimal(0), Decimal(200), None)
    assert q3.soft_required and not q3.required
    assert q3.unit == {"nb": "årsverk", "nn": "årsverk"}
    assert q3.constraint_message["nb"] == "Oppgi et tall mellom 0 og 200 årsverk"
    assert q3.hint["nb"] == "Bruk gjerne desimaler, f.eks. 2,5"
    assert (staff.item("q4").minimum, staff.item("q4").maximum) == (Decimal(0), None)
    assert staff.item("q13").denominator == 10
    assert [i.name for _s, i in staff.items() if i.required] == ["q1", "q14", "q19"]
    q15 = staff.item("q15")
    assert q15.row_count == 3
    assert [(c.name, c.type, c.unit) for c in q15.columns] == [
        ("arrangor", "text", {}),
        ("deltakere", "integer", {"nb": "personer", "nn": "personar"}),
        ("plasser", "decimal", {}),
    ]


def test_staff_xlsform_skip_rules(staff):
    relevant = {i.name: i.relevant for _s, i in staff.items() if i.relevant}
    assert relevant == {
        "q9": "selected(${q8}, 'annet')",
        "q15": "${q14} = '1'",
        "q16": "${q14} = '1'",
        "q17": "${q14} = '1' and ${q16} = '2'",
        "q20": "${q19} = '1'",
        "q21": "${q19} = '1'",
    }
    from fieldkit.surveys.questionnaires import logic

    _sections, shown = logic.visibility(staff, {"q19": "2", "q14": "1", "q16": "2"})
    assert {"q20", "q21"}.isdisjoint(shown) and {"q15", "q16", "q17", "q22"} <= shown
    _sections, shown = logic.visibility(staff, {"q19": "1", "q8": ["moter", "annet"]})
    assert {"q9", "q20", "q21"} <= shown and "q17" not in shown


def test_staff_xlsform_is_accepted_by_pyxform_and_round_trips(staff):
    xform = pyxform_accepts(STAFF_XLSFORM.read_bytes())
    assert "relevant=\" /data/avbrudd/q19  = '1'\"" in xform
    written = write_xlsform(staff)
    pyxform_accepts(written)
    assert read_xlsform(written) == staff
    assert definition.load(definition.dump(staff)) == staff


# --------------------------------------------------------------------------------------------
# Forms as ODK and KoBoToolbox write them


def test_language_columns_may_be_named_the_odk_way():
    content = workbook(
        [
            ["type", "name", "label::Norsk (nb)", "label::Nynorsk (nn)", "label::English (en)"],
            ["select_one jn", "q1", "Jobber du?", "Jobbar du?", "Do you work?"],
        ],
        [
            [
                "list_name",
                "name",
                "label::Norsk (nb)",
                "label::Nynorsk (nn)",
                "label::English (en)",
            ],
            ["jn", "ja", "Ja", "Ja", "Yes"],
            ["jn", "nei", "Nei", "Nei", "No"],
        ],
        [["form_title", "default_language"], ["Arbeid", "Norsk (nb)"]],
    )
    q = read_xlsform(content)
    assert q.languages == ["nb", "nn", "en"]
    item = q.item("q1")
    assert item.label == {"nb": "Jobber du?", "nn": "Jobbar du?", "en": "Do you work?"}
    assert item.choice("nei").label == {"nb": "Nei", "nn": "Nei", "en": "No"}
    # A list not named after its one question is a shared list.
    assert item.choice_list == "jn" and list(q.choice_lists) == ["jn"]
    assert [s.name for s in q.sections] == ["s1"] and q.title == {"nb": "Arbeid"}


def test_pyxform_aliases_are_read_like_the_canonical_names():
    content = workbook(
        [
            ["type", "name", "caption", "relevance", "required", "constraint",
             "constraining_message"],
            ["select one jn", "q1", "Jobber du?", None, "TRUE"],
            ["select all that apply tid", "q2", "Når?", "${q1} = 'ja'", None,
             "count-selected(.) <= 2", "Høyst to"],
        ],
        [["list name", "value", "caption"], ["jn", "ja", "Ja"], ["jn", "nei", "Nei"],
         ["tid", "dag", "Dag"], ["tid", "kveld", "Kveld"], ["tid", "natt", "Natt"]],
        [["form_title", "form_id", "version", "style"], ["Arbeidstid", "arbeidstid", "3", "pages"]],
    )  # fmt: skip
    q = read_xlsform(content)
    q1, q2 = q.item("q1"), q.item("q2")
    assert (q1.type, q1.required, [c.code for c in q1.choices]) == ("single", True, ["ja", "nei"])
    assert (q2.type, q2.relevant, q2.max_choices) == ("multiple", "${q1} = 'ja'", 2)
    assert q2.constraint is None and q2.constraint_message == {"nb": "Høyst to"}


@pytest.mark.parametrize(
    ("appearance", "ordinal", "layout", "ordinal_read"),
    [
        ("likert", None, "horizontal", True),
        ("likert", "no", "horizontal", False),
        ("columns", None, "horizontal", False),
        ("horizontal", None, "horizontal", False),
        ("horizontal-compact", "yes", "horizontal", True),
        (None, "yes", "vertical", True),
        (None, None, "vertical", False),
    ],
)
def test_appearance_and_ordinal_give_the_layout(appearance, ordinal, layout, ordinal_read):
    content = workbook(
        [["type", "name", "label", "appearance", "ordinal"],
         ["select_one skala", "q1", "Hvor fornøyd?", appearance, ordinal]],
        [["list_name", "name", "label"], ["skala", "1", "Lite"], ["skala", "2", "Mye"]],
    )  # fmt: skip
    item = read_xlsform(content).item("q1")
    assert (item.layout, item.ordinal) == (layout, ordinal_read)


def test_kobotoolbox_bookkeeping_columns_are_passed_over():
    content = workbook(
        [["type", "name", "label", "$kuid", "$autoname"],
         ["integer", "alder", "Alder", "ab12", "alder"]],
        [["list_name", "name", "label", "$kuid"], ["jn", "ja", "Ja", "cd34"]],
        [["form_title", "version"], ["Skjema", "vZ4x"]],
    )  # fmt: skip
    q = read_xlsform(content)
    assert [(i.name, i.type, i.label) for _s, i in q.items()] == [
        ("alder", "integer", {"nb": "Alder"})
    ]
    assert list(q.choice_lists) == ["jn"]


def test_unlabelled_columns_are_the_default_language():
    content = workbook(
        [["type", "name", "label", "hint"], ["integer", "alder", "Din alder", "i hele år"]],
        settings=[["form_title"], ["Skjema"]],
    )
    q = read_xlsform(content)
    assert q.languages == ["nb"]
    assert (q.item("alder").label, q.item("alder").hint) == (
        {"nb": "Din alder"},
        {"nb": "i hele år"},
    )


# Refusals: named by sheet, row and column


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [["integer", "a", "A"], ["calculate", "c", "C"]],
            "sheet 'survey', row 3, column 'type': 'calculate' is not supported",
        ),
        ([["geopoint", "g", "Hvor?"]], "sheet 'survey', row 2, column 'type': 'geopoint' is not"),
        (
            [["select_one_from_file steder.csv", "g", "Sted"]],
            "sheet 'survey', row 2, column 'type': 'select_one_from_file' is not supported",
        ),
        ([["rank jn", "r", "Ranger"]], "sheet 'survey', row 2, column 'type': 'rank' is not"),
        ([["barcode", "b", "B"]], "sheet 'survey', row 2, column 'type': 'barcode' is not"),
        (
            [["start", "start"], ["text", "t", "T"]],
            "sheet 'survey', row 2, column 'type': 'start' is not supported: it is ODK metadata "
            "about the device or the session, not a question",
        ),
        (
            [["select_one jn or_other", "q1", "Q"]],
            "sheet 'survey', row 2, column 'type': 'select_one jn or_other' is not supported: "
            "instead of or_other, add a choice with other = yes",
        ),
        (
            [["integer", "n", "N"], ["begin_repeat", "t", "T", None, None, None, "${n}"],
             ["text", "x", "X"], ["end_repeat"]],
            "sheet 'survey', row 3, column 'repeat_count': only a fixed number of rows is "
            "supported",
        ),
        (
            [["begin_repeat", "t", "T"], ["text", "x", "X"], ["end_repeat"]],
            "sheet 'survey', row 2, column 'repeat_count': only a fixed number of rows",
        ),
        (
            [["select_one jn", "q1", "Q1", "${q2} = 'ja'"], ["select_one jn", "q2", "Q2"]],
            "sheet 'survey', row 2, column 'relevant': refers to 'q2', which is not a question "
            "before this one",
        ),
        (
            [["select_one jn", "q1", "Q1"], ["text", "t", "T", "${q9} = 'ja'"]],
            "sheet 'survey', row 3, column 'relevant': refers to 'q9', which is not a question",
        ),
        (
            [["select_one jn", "q1", "Q1"], ["text", "t", "T", "${q1} = = 'ja'"]],
            "sheet 'survey', row 3, column 'relevant': unexpected '='",
        ),
        (
            [["select_one nope", "q1", "Q1"]],
            "sheet 'survey', row 2, column 'type': the choice list 'nope' does not exist on the "
            "choices sheet",
        ),
        (
            [["begin_group", "s1", "Side 1"], ["text", "t", "T"]],
            "sheet 'survey', row 2, column 'type': 's1' is never closed (no end_group after it)",
        ),
        (
            [["begin_group", "s1", "Side 1"], ["text", "t", "T"], ["end_repeat"]],
            "sheet 'survey', row 4, column 'type': 'end_repeat' cannot close 's1' (row 2): use "
            "end_group",
        ),
        ([["end_group"]], "sheet 'survey', row 2, column 'type': 'end_group' has no begin_group"),
        (
            [["begin_group", "s1", "S"], ["begin_group", "s2", "S"], ["end_group"], ["end_group"]],
            "sheet 'survey', row 3, column 'type': a group inside a section (begin_group) 's1' "
            "is not supported",
        ),
        (
            [["begin_group", "g", "G", None, None, "table-list"], ["select_one jn", "r1", "R1"],
             ["select_multiple jn", "r2", "R2"], ["end_group"]],
            "sheet 'survey', row 4, column 'type': every question of the grid 'g' needs the same "
            "type as its first row (select_one jn)",
        ),
        (
            [["begin_group", "g", "G", None, None, "table-list"], ["integer", "r1", "R1"],
             ["end_group"]],
            "sheet 'survey', row 3, column 'type': a grid (table-list group 'g') holds only "
            "select_one or select_multiple questions, not 'integer'",
        ),
        (
            [["text", "t", "T", None, None, "numbers"]],
            "sheet 'survey', row 2, column 'appearance': the appearance 'numbers' is not "
            "supported on a text row (use multiline)",
        ),
        (
            [["text", "t", "T"], ["text", "t", "T2"]],
            "sheet 'survey', row 3, column 'name': the name 't' is already used in row 2",
        ),
        (
            [["text", "2t", "T"]],
            "sheet 'survey', row 2, column 'name': '2t' is not a valid name",
        ),
        (
            [["note", "n", "Merk", None, ". > 1"]],
            "sheet 'survey', row 2, column 'constraint': the column 'constraint' is not used on a "
            "note row",
        ),
        (
            [["begin_group", "s", "S"], ["integer", "i", "I", None, None, "likert"],
             ["end_group"]],
            "sheet 'survey', row 3, column 'appearance': the column 'appearance' is not used on an "
            "integer row",
        ),
        (
            [["note", "n"]],
            "sheet 'survey', row 2, column 'label': the question has no label (XLSForm needs a "
            "label or hint)",
        ),
        (
            [["text", None, "T"]],
            "sheet 'survey', row 2, column 'name': '' is not a valid name",
        ),
    ],
)  # fmt: skip
def test_unsupported_survey_rows_are_refused_with_their_place(rows, message):
    with pytest.raises(DefinitionError) as caught:
        read_xlsform(workbook([HEADER, *rows], CHOICES))
    assert caught.value.in_english().startswith(message), caught.value.in_english()


@pytest.mark.parametrize(
    ("survey", "choices", "settings", "message"),
    [
        (
            [["type", "name", "label::nb", "calculation"], ["integer", "a", "A", "1 + 1"]],
            None,
            None,
            "sheet 'survey', row 2, column 'calculation': the column 'calculation' is not "
            "supported",
        ),
        (
            [["type", "name", "label::de"], ["text", "t", "T"]],
            None,
            None,
            "sheet 'survey', row 1, column 'label::de': unknown language 'de'",
        ),
        (
            [["type", "name", "label", "required"], ["text", "t", "T", "${x} = 1"]],
            None,
            None,
            "sheet 'survey', row 2, column 'required': '${x} = 1' is not yes or no",
        ),
        (
            [["type", "name", "label"], ["select_one jn", "q", "Q"]],
            [["list_name", "name", "label"], ["jn", "1", "Ja"], ["jn", "1", "Nei"]],
            None,
            "sheet 'choices', row 3, column 'name': the code '1' is used twice in the list 'jn' "
            "(also in row 2)",
        ),
        (
            [["type", "name", "label"], ["select_one jn", "q", "Q"]],
            [["list_name", "name", "label", "nonsubstantive"], ["jn", "9", "Vet ikke", "kanskje"]],
            None,
            "sheet 'choices', row 2, column 'nonsubstantive': 'kanskje' is not yes or no",
        ),
        (
            [["type", "name", "label"], ["select_one jn", "q", "Q"]],
            [["list_name", "name", "label", "media::image"], ["jn", "1", "Ja", "ja.png"]],
            None,
            "sheet 'choices', row 2, column 'media::image': the column 'media::image' is not "
            "supported",
        ),
        (
            [["type", "name", "label"], ["select_one jn", "q", "Q"]],
            [["list_name", "name", "label"], ["jn", "ja nei", "Ja"]],
            None,
            "sheet 'choices', row 2, column 'name': the code 'ja nei' must be 1-32 letters",
        ),
        (
            [["type", "name", "label"], ["text", "t", "T"]],
            None,
            [["form_id"], ["skjema"]],
            "sheet 'settings', column 'form_title': the questionnaire needs a title",
        ),
        (
            [["type", "name", "label"], ["text", "t", "T"]],
            None,
            [["form_title", "default_language"], ["Skjema", "Deutsch (de)"]],
            "sheet 'settings', row 2, column 'default_language': unknown language 'Deutsch (de)'",
        ),
        (
            [["type", "name", "label"], ["text", "t", "T"]],
            None,
            [["form_title", "public_key"], ["Skjema", "MIIB"]],
            "sheet 'settings', row 2, column 'public_key': the column 'public_key' is not "
            "supported",
        ),
    ],
)
def test_unsupported_columns_and_values_are_refused_with_their_place(
    survey, choices, settings, message
):
    with pytest.raises(DefinitionError) as caught:
        read_xlsform(workbook(survey, choices, settings))
    assert caught.value.in_english().startswith(message), caught.value.in_english()


def test_what_pyxform_refuses_is_refused_with_its_row():
    content = workbook([["type", "name", "label"], ["text", "t", "T"], ["text", "meta", "M"]])
    with pytest.raises(DefinitionError) as caught:
        read_xlsform(content)
    assert caught.value.in_english() == (
        "sheet 'survey', row 3: pyxform: On the 'survey' sheet, the 'name' value 'meta' is "
        "invalid. The name 'meta' is reserved for form metadata."
    )


def test_answers_piped_into_texts_are_refused():
    content = workbook(
        [["type", "name", "label", "hint"], ["text", "navn", "Navn"], ["text", "t", "T", "${navn}"]]
    )
    with pytest.raises(DefinitionError) as caught:
        read_xlsform(content)
    assert caught.value.in_english().startswith(
        "sheet 'survey', row 3, column 'hint': answers inside texts (${...}) are not supported"
    )


def test_a_file_that_is_no_workbook_is_refused():
    with pytest.raises(DefinitionError) as caught:
        read_xlsform(b"type,name,label\ntext,t,T\n")
    assert caught.value.in_english().startswith("the file is not a readable .xlsx workbook")


# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Hostile workbooks: bounded before pyxform reads them


def _form(survey_rows) -> bytes:
    from tests.hostile_files import xlsx

    return xlsx({"survey": survey_rows, "settings": [["form_title"], ["Skjema"]]})


def test_a_workbook_unpacking_past_the_budget_is_refused_before_it_is_opened(monkeypatch):
    """An XLSForm with a 200 MB cell packs small; the archive's directory gives it away."""
    from pyxform import xls2json_backends

    def not_opened(*args, **kwargs):
        raise AssertionError("pyxform must not read a workbook over the budget")

    monkeypatch.setattr(xls2json_backends, "get_xlsform", not_opened)
    content = _form([["type", "name", "label"], ["text", "t", "x" * (21 * 1024 * 1024)]])
    assert len(content) < 100_000
    with pytest.raises(DefinitionError) as caught:
        read_xlsform(content)
    assert caught.value.in_english().startswith(
        "the file is not a readable .xlsx workbook (XLSForm unpacks to 21 MB; at most 20 MB "
        "are read."
    )


def test_a_cell_over_excels_limit_is_refused_by_its_place():
    content = _form([["type", "name", "label"], ["text", "t", "T"], ["note", "n", "x" * 32_768]])
    with pytest.raises(DefinitionError) as caught:
        read_xlsform(content)
    assert caught.value.in_english() == (
        "sheet 'survey', row 3, column 'label': the cell has more than 32767 characters"
    )


def test_a_sheet_of_too_many_rows_is_refused():
    rows = [["type", "name", "label"]] + [["text", f"t{n}", "T"] for n in range(10_001)]
    with pytest.raises(DefinitionError) as caught:
        read_xlsform(_form(rows))
    assert (
        caught.value.in_english() == "sheet 'survey', row 10002: the sheet has more than 10000 rows"
    )


def test_a_workbook_with_a_doctype_is_refused_before_pyxform_reads_it():
    from tests.hostile_files import xlsx

    laughs = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    content = xlsx(
        {"survey": [["type", "name", "label"], ["text", "t", "&b;"]], "settings": [["form_title"]]},
        doctype=laughs,
    )
    with pytest.raises(DefinitionError) as caught:
        read_xlsform(content)
    assert caught.value.in_english() == (
        "the file is not a readable .xlsx workbook (XLSForm: the part xl/worksheets/sheet1.xml "
        "declares a DOCTYPE, which Excel never writes; the file is refused. Save it again "
        "from Excel.)"
    )
