"""Where a page stands among the pages a respondent is shown."""

from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.respond import navigation
from tests.paths import FIXTURES

FIXTURES = FIXTURES


def staff():
    return definition.load(
        (FIXTURES / "ansatteskjema_storbysatsingen.yaml").read_text(encoding="utf-8")
    )


def test_place_agrees_with_position_next_and_previous():
    q = staff()
    for answers in ({}, {"q12": "1", "q14": "2"}, {"q8": ["annet"]}):
        for section in q.sections:
            number, total = navigation.position(q, answers, section.name)
            assert navigation.place(q, answers, section.name) == (
                number,
                total,
                navigation.previous_page(q, answers, section.name) is not None,
                navigation.next_page(q, answers, section.name) is None,
            )
    assert navigation.place(q, {}, "om_kontoret") == (1, 4, False, False)
    assert navigation.place(q, {}, "vurdering") == (4, 4, True, True)
