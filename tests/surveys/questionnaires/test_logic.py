"""Skip logic: the XLSForm condition subset, visibility and pruning of stale answers."""

import pytest

from fieldkit.surveys.questionnaires import definition, logic
from fieldkit.surveys.questionnaires.logic import ConditionError
from tests.paths import FIXTURES

FIXTURES = FIXTURES


@pytest.mark.parametrize(
    ("expression", "answers", "expected"),
    [
        ("${q19} = 'ja'", {"q19": "ja"}, True),
        ("${q19} = 'ja'", {"q19": "nei"}, False),
        ("${q19} = 'ja'", {}, False),
        ("${q19} != 'ja'", {}, True),
        ("selected(${q14}, 'annet')", {"q14": ["kurs", "annet"]}, True),
        ("selected(${q14}, 'annet')", {"q14": ["kurs"]}, False),
        ("selected(${q14}, 'annet')", {"q14": "annet"}, True),
        ("selected(${q14}, 'annet')", {}, False),
        ("count-selected(${q14}) >= 2", {"q14": ["a", "b"]}, True),
        ("count-selected(${q14}) >= 2", {"q14": ["a"]}, False),
        ("${n} > 5", {"n": 12}, True),
        ("${n} > 5", {"n": 3}, False),
        ("${n} > 5", {"n": "12,5"}, True),
        ("${n} > 5", {}, False),
        ("${n} >= 1 and ${n} <= 10", {"n": 10}, True),
        ("${a} = '1' or ${b} = '1'", {"b": "1"}, True),
        ("not(${a} = '1')", {"a": "2"}, True),
        ("not(${a} = '1') and (${b} = 'x' or ${c} != '')", {"a": "2", "c": "tekst"}, True),
        ("${t} != ''", {"t": "svar"}, True),
        ("${t} != ''", {"t": ""}, False),
        ("${t} = ''", {}, True),
        ("answered(${t})", {"t": ["a"]}, True),
        ("answered(${t})", {"t": []}, False),
    ],
)
def test_conditions(expression, answers, expected):
    assert logic.evaluate(logic.parse(expression), answers) is expected


def test_constraints_use_dot_for_the_answer():
    node = logic.parse(". >= 0 and . <= 10")
    assert logic.evaluate(node, {}, 10) is True
    assert logic.evaluate(node, {}, 11) is False


def test_tree_is_json_for_the_browser():
    assert logic.parse("${q19} = 'ja' and selected(${q14}, 'annet')") == [
        "and",
        ["cmp", "=", ["var", "q19"], ["str", "ja"]],
        ["selected", ["var", "q14"], "annet"],
    ]
    assert logic.references(logic.parse("${a} = '1' or count-selected(${b}) > ${c}")) == [
        "a",
        "b",
        "c",
    ]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("${q19} = ", "expected more but the condition ends"),
        ("${q19} = 'ja' and", "expected more"),
        ("selected(${q14})", "expected , but found )"),
        ("${q19} == 'ja'", "unexpected '='"),
        ("${q19} = 'ja')", "unexpected ')'"),
        ("q19 = 'ja'", "cannot read the condition from 'q19 = 'ja''"),
        ("", "the condition is empty"),
    ],
)
def test_broken_conditions_say_what_is_wrong(expression, message):
    with pytest.raises(ConditionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        logic.parse(expression)


def staff_form():
    return definition.load(
        (FIXTURES / "ansatteskjema_storbysatsingen.yaml").read_text(encoding="utf-8")
    )


def test_hidden_questions_cascade():
    q = staff_form()
    _sections, shown = logic.visibility(q, {"q12": "1", "q14": "2"})
    assert {"q13", "q14", "q15"} <= shown
    # q12 changed to "Nei": q14 is hidden, and so q15 that depends on q14's answer.
    _sections, shown = logic.visibility(q, {"q12": "2", "q14": "2"})
    assert not {"q13", "q14", "q15"} & shown
    assert "q17" not in shown
    _sections, shown = logic.visibility(q, {"q8": ["moter", "annet"]})
    assert "q17" in shown


def test_stale_answers_are_pruned():
    q = staff_form()
    answers = {
        "q12": "2",
        "q13": [{"navn": "Fretex", "deltakere": 12, "plasser": 10}],
        "q14": "2",
        "q15": "Ingen tid",
        "q2": "3",
        "q2.3": "rådgiver",
        "q8": ["moter"],
        "q8.annet": "stale",
        "q6_andre": "2",
        "q6_andre.other": "Barnevernet",
    }
    assert logic.prune(q, answers) == {
        "q12": "2",
        "q2": "3",
        "q2.3": "rådgiver",
        "q8": ["moter"],
        "q6_andre": "2",
        "q6_andre.other": "Barnevernet",
    }
