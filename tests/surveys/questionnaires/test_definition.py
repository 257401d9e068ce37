"""The questionnaire definition: the native format, strict loading, lossless round trips."""

from decimal import Decimal

import pytest

from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.questionnaires.definition import DefinitionError
from tests.paths import FIXTURES

FIXTURES = FIXTURES
NATIVE_FIXTURES = ["deltakerskjema_storbysatsingen.yaml", "ansatteskjema_storbysatsingen.yaml"]


def load_fixture(name: str) -> definition.Questionnaire:
    return definition.load((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", NATIVE_FIXTURES)
def test_round_trip_is_lossless(name):
    questionnaire = load_fixture(name)
    dumped = definition.dump(questionnaire)
    assert definition.load(dumped) == questionnaire
    assert definition.dump(definition.load(dumped)) == dumped


def test_participant_form_is_read_as_written():
    q = load_fixture("deltakerskjema_storbysatsingen.yaml")
    assert q.title == {"nb": "Individuelt spørreskjema, tiltaksdeltakere."}
    assert q.anonymous is True
    assert q.interviewer_assisted_allowed is True
    items = [item for _s, item in q.items()]
    assert [i.number for i in items] == [str(n) for n in range(1, 11)]
    assert [i.type for i in items] == [
        "integer",
        "single",
        "text",
        "single",
        "long_text",
        "single",
        "single",
        "single",
        "grid_single",
        "grid_single",
    ]
    age = items[0]
    assert (age.name, age.unit, age.hint) == ("q1", {"nb": "år"}, {"nb": "(fyll inn)"})
    assert [(c.code, c.label["nb"]) for c in items[5].choices] == [
        ("1", "elendig"),
        ("2", "ganske dårlig"),
        ("3", "ganske bra"),
        ("4", "veldig bra"),
    ]
    grid = items[9]
    assert [r.name for r in grid.rows] == ["q10_1", "q10_2", "q10_3", "q10_4", "q10_5"]
    assert grid.rows[1].label == {"nb": "Min boligsituasjon er ..."}
    assert [c.label["nb"] for c in grid.choices] == ["BEDRE", "SOM FØR", "DÅRLIGERE"]
    # Verbatim, typo included.
    assert items[6].label["nb"] == "Har du fått tilbud om noen jobb mens du har med i prosjektet?"


def test_staff_form_has_every_construct():
    q = load_fixture("ansatteskjema_storbysatsingen.yaml")
    assert q.languages == ["nb", "nn", "en"]
    assert [s.name for s in q.sections] == [
        "om_kontoret",
        "samarbeid",
        "tiltaksarrangorer",
        "vurdering",
    ]
    q2 = q.item("q2")
    assert [c.code for c in q2.choices if c.other] == ["3"]
    q3 = q.item("q3")
    assert (q3.type, q3.minimum, q3.maximum, q3.soft_required) == (
        "decimal",
        Decimal(0),
        Decimal(200),
        True,
    )
    q6 = q.item("q6")
    assert q6.choice_list == "hyppighet"
    assert [c.code for c in q6.choices if c.nonsubstantive] == ["9"]
    assert [r.name for r in q6.rows if r.other] == ["q6_andre"]
    q8 = q.item("q8")
    assert [c.code for c in q8.choices if c.exclusive] == ["ingen"]
    assert q8.min_choices == 1
    q10 = q.item("q10")
    assert [c.code for c in q10.choices] == [str(p) for p in range(1, 8)]
    assert q10.choices[0].label["nb"] == "Svært lett"
    assert q10.choices[3].label == {}
    assert q10.choices[6].label["nb"] == "Svært vanskelig"
    assert (q10.ordinal, q10.layout) == (True, "horizontal")
    assert q.item("q11").denominator == 10
    q13 = q.item("q13")
    assert (q13.row_count, [c.type for c in q13.columns]) == (3, ["text", "integer", "decimal"])
    assert q13.relevant == "${q12} = '1'"
    assert list(q.variables())[5:9] == ["q6_aetat", "q6_sosial", "q6_helse", "q6_andre"]


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        (
            "title: T\nquestions:\n  - {no: 1, text: A, type: singel, options: [a]}",
            "questions[0].type",
            "unknown type 'singel'",
        ),
        (
            "title: T\nquestions:\n  - {no: 1, text: A, type: single, optons: [a]}",
            "questions[0]",
            "needs options",
        ),
        (
            "title: T\nquestions:\n  - {no: 1, text: A, type: text, colour: red}",
            "questions[0].colour",
            "unknown key",
        ),
        (
            "title: T\nquestions:\n  - {no: 1, type: single, options: [{code: a}, {code: a}]}",
            "questions[0].options[1]",
            "code 'a' is used twice",
        ),
        (
            "title: T\nquestions:\n  - {no: 1, type: text}\n  - {no: 1, type: text}",
            "sections[0].questions[1]",
            "the name 'q1' is used twice",
        ),
        (
            "title: T\nquestions:\n  - {no: 1, type: text, relevant: \"${q2} = 'ja'\"}\n"
            "  - {no: 2, type: text}",
            "sections[0].questions[0].relevant",
            "refers to 'q2'",
        ),
        (
            'title: T\nquestions:\n  - {no: 1, type: text, relevant: "${q0} = "}',
            "sections[0].questions[0].relevant",
            "expected more",
        ),
        (
            "title: T\nquestions:\n  - {no: 1, type: integer, min: 10, max: 1}",
            "questions[0].min",
            "min is larger than max",
        ),
        (
            "title: T\nquestions:\n  - {no: 1, type: fraction}",
            "questions[0].denominator",
            "denominator",
        ),
        (
            "title: T\nquestions:\n  - {no: 1, type: table, row_count: 3}",
            "questions[0].columns",
            "expected a list of columns",
        ),
        (
            "title: T\nquestions:\n  - {name: 9lives, type: text}",
            "questions[0].name",
            "not a valid variable name",
        ),
        ("title: {nb: T, sv: T}\nquestions: []", "title.sv", "unknown language"),
        ("questions: []", "title", "needs a title"),
        ("title: T\nquestions: [\n", "", "not valid YAML at line"),
    ],
)
def test_bad_definitions_are_refused_with_the_place(text, path, message):
    with pytest.raises(DefinitionError) as error:
        definition.load(text)
    assert error.value.path == path
    assert message in error.value.message


def test_wording_changes_keep_the_structure_signature():
    q = load_fixture("ansatteskjema_storbysatsingen.yaml")
    reworded = definition.load(definition.dump(q).replace("Svært godt", "Meget godt"))
    assert definition.structure_signature(reworded) == definition.structure_signature(q)
    recoded = definition.load(definition.dump(q).replace("code: moter", "code: mote"))
    assert definition.structure_signature(recoded) != definition.structure_signature(q)


def test_yes_and_no_stay_text():
    q = definition.load(
        "title: T\nquestions:\n  - no: 1\n    type: single\n    options: [{code: ja, label: ja},"
        " {code: nei, label: nei}]\n"
    )
    assert [c.code for c in q.item("q1").choices] == ["ja", "nei"]
    assert "  - no: '1'\n" in definition.dump(q)


LAUGHS = (
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "title: *c\n"
    "questions: []\n"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: T\nquestions: " + "[" * 20_000 + "]" * 20_000, "line 2: nested deeper than 64"),
        ("title: T\nquestions:\n  - " + "{a: " * 100 + "1" + "}" * 100, "line 3: nested deeper"),
        ('{"title": "T", "questions": ' + "[" * 5000 + "]" * 5000 + "}", "line 1: nested deeper"),
        ("title: T\nquestions:\n" + "".join("  " * n + "- \n" for n in range(1, 80)), "line 66:"),
        (LAUGHS, "line 2: aliases (*name) are not read; write the text out"),
    ],
    ids=["yaml-flow", "yaml-flow-mappings", "json", "yaml-block", "billion-laughs"],
)
def test_deep_nesting_and_aliases_are_refused_before_anything_walks_them(text, message):
    """PyYAML and json recurse once a level (RecursionError, a 500); an alias repeats its
    anchor's subtree for whatever walks it ("billion laughs")."""
    with pytest.raises(DefinitionError) as error:
        definition.load(text)
    assert error.value.path == ""
    assert error.value.english.startswith(message), error.value.english


def test_a_native_file_over_the_size_bound_is_refused_unread(app):
    from fieldkit.surveys.questionnaires import operations

    text = "title: T\nquestions: []\n# " + "x" * (256 * 1024)
    with pytest.raises(DefinitionError) as error:
        operations.parse_upload("skjema.yaml", text.encode())
    assert str(error.value) == "skjema.yaml: filen er større enn 256 KB"
