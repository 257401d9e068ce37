"""Skip-logic conditions read as instructions, in the questionnaire's language."""

import pytest
from flask_babel import force_locale

from fieldkit.surveys.paper.conditions_in_words import ConditionWords
from fieldkit.surveys.questionnaires import definition


def words(questionnaire, language="nb"):
    return ConditionWords(questionnaire, language)


def test_the_staff_form_conditions_in_bokmal(app, staff):
    with force_locale("nb"):
        w = words(staff)
        assert w.item_instruction("${q12} = '1'") == "Besvares bare hvis «Ja» på spørsmål 12."
        assert (
            w.item_instruction("${q12} = '1' and ${q14} = '2'")
            == "Besvares bare hvis «Ja» på spørsmål 12 og «Nei» på spørsmål 14."
        )
        assert (
            w.item_instruction("selected(${q8}, 'annet')")
            == "Besvares bare hvis du har krysset av for «Annet, i så fall hva» i spørsmål 8."
        )
        assert w.item_instruction(None) == ""


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nn", "Skal berre svarast på om «Ja» på spørsmål 12 og «Nei» på spørsmål 14."),
        ("en", "Answer only if “Yes” to question 12 and “No” to question 14."),
    ],
)
def test_the_words_follow_the_language(app, staff, language, expected):
    with force_locale(language):
        assert words(staff, language).item_instruction("${q12} = '1' and ${q14} = '2'") == expected


def test_or_not_and_grouping(app, staff):
    with force_locale("nb"):
        w = words(staff)
        assert (
            w.describe("${q1} = '1' or (${q12} = '1' and not(selected(${q8}, 'team')))")
            == "«Aetat» på spørsmål 1 eller («Ja» på spørsmål 12 og du ikke har krysset av "
            "for «Felles team» i spørsmål 8)"
        )
        assert w.describe("not(${q12} = '1')") == "ikke «Ja» på spørsmål 12"
        assert w.describe("${q12} != '1'") == "ikke «Ja» på spørsmål 12"
        assert (
            w.describe("not(${q1} = '1' or ${q1} = '2')")
            == "det ikke er slik at «Aetat» på spørsmål 1 eller «Sosialtjenesten» på spørsmål 1"
        )


def test_numbers_counts_answers_and_grid_rows(app, staff):
    with force_locale("nb"):
        w = words(staff)
        assert w.describe("${q3} >= 2.5") == "svaret på spørsmål 3 er minst 2,5"
        assert w.describe("10 > ${q4}") == "svaret på spørsmål 4 er mindre enn 10"
        assert w.describe("${q4} != 0") == "svaret på spørsmål 4 ikke er 0"
        assert (
            w.describe("count-selected(${q8}) > 1")
            == "du har krysset av for mer enn 1 svar i spørsmål 8"
        )
        assert w.describe("${q18} != ''") == "spørsmål 18 er besvart"
        assert w.describe("${q18} = ''") == "spørsmål 18 ikke er besvart"
        assert w.describe("answered(${q5})") == "spørsmål 5 er besvart"
        assert w.describe("${q6_helse} = '9'") == "«Vet ikke» for «Helsevesenet» i spørsmål 6"
        assert (
            w.describe("selected(${q7_kurs}, 'aetat')")
            == "du har krysset av for «Aetat» for «Kurs» i spørsmål 7"
        )
        assert (
            w.describe("${q8} = 'plan'") == "du har krysset av for «Individuell plan» i spørsmål 8"
        )


def test_an_unnumbered_question_is_named_by_its_text(app):
    questionnaire = definition.from_dict(
        {
            "title": "T",
            "questions": [
                {"name": "jobb", "type": "single", "text": "Er du i jobb nå?",
                 "options": ["ja", "nei"]},
                {"no": "2", "type": "text", "text": "Hvor?", "relevant": "${jobb} = '1'"},
            ],
        }
    )  # fmt: skip
    with force_locale("nb"):
        assert (
            words(questionnaire).item_instruction("${jobb} = '1'")
            == "Besvares bare hvis «ja» på spørsmålet «Er du i jobb nå?»."
        )


def test_a_conditional_section(app, staff):
    with force_locale("nb"):
        assert (
            words(staff).section_instruction("${q12} = '1'")
            == "Denne delen besvares bare hvis «Ja» på spørsmål 12."
        )
