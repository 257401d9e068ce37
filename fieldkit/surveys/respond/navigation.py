"""Pages of a questionnaire as one respondent meets them: which sections skip logic shows, in
which order, and where "next" and "back" lead."""

from __future__ import annotations

from typing import Any

from fieldkit.surveys.questionnaires import logic
from fieldkit.surveys.questionnaires.definition import Questionnaire, Section


def pages(questionnaire: Questionnaire, answers: dict[str, Any]) -> list[Section]:
    """The sections the respondent is shown, in order (a section whose items are all hidden
    is skipped too)."""
    shown_sections, shown_items = logic.visibility(questionnaire, answers)
    return [
        section
        for section in questionnaire.sections
        if section.name in shown_sections and any(i.name in shown_items for i in section.items)
    ]


def section_named(questionnaire: Questionnaire, name: str) -> Section | None:
    return next((s for s in questionnaire.sections if s.name == name), None)


def position(questionnaire: Questionnaire, answers: dict[str, Any], name: str) -> tuple[int, int]:
    """(number of the page, number of pages) for "Side 2 av 4"; a page skip logic now hides
    counts where it stands in the questionnaire."""
    shown = pages(questionnaire, answers)
    names = [s.name for s in shown]
    if name in names:
        return names.index(name) + 1, len(shown)
    order = [s.name for s in questionnaire.sections]
    before = sum(1 for s in shown if order.index(s.name) < order.index(name))
    return before + 1, len(shown) + 1


def next_page(questionnaire: Questionnaire, answers: dict[str, Any], name: str) -> Section | None:
    """The first shown section after section ``name``, or None at the end."""
    order = [s.name for s in questionnaire.sections]
    return next(
        (s for s in pages(questionnaire, answers) if order.index(s.name) > order.index(name)),
        None,
    )


def previous_page(
    questionnaire: Questionnaire, answers: dict[str, Any], name: str
) -> Section | None:
    """The last shown section before section ``name``, or None at the start."""
    order = [s.name for s in questionnaire.sections]
    before = [s for s in pages(questionnaire, answers) if order.index(s.name) < order.index(name)]
    return before[-1] if before else None


def place(
    questionnaire: Questionnaire, answers: dict[str, Any], name: str
) -> tuple[int, int, bool, bool]:
    """(page number, pages, has a previous page, is the last page) for section ``name``,
    working out the shown pages once."""
    shown = pages(questionnaire, answers)
    order = [s.name for s in questionnaire.sections]
    here = order.index(name)
    names = [s.name for s in shown]
    if name in names:
        number, total = names.index(name) + 1, len(shown)
    else:
        number = sum(1 for s in shown if order.index(s.name) < here) + 1
        total = len(shown) + 1
    has_previous = any(order.index(s.name) < here for s in shown)
    is_last = not any(order.index(s.name) > here for s in shown)
    return number, total, has_previous, is_last
