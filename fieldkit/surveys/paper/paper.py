"""The paper version of a questionnaire: plain data for the print template, and the PDF.

``paper_context`` turns a definition into what a printed form shows, in one language: numbered
questions with tick boxes, writing lines, number boxes with units, grids and repeated-row
tables, and skip instructions in words. The print template only lays it out.
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from fieldkit.core import pdf as rendering
from fieldkit.surveys.paper.conditions_in_words import ConditionWords, question_name
from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.questionnaires import logic
from fieldkit.surveys.questionnaires.definition import Item, Questionnaire, text_in

#: Writing lines printed for a short and a long text answer.
TEXT_LINES = 1
LONG_TEXT_LINES = 5
#: Above this many rows a grid or table may run over a page break (rows still never split).
LONG_ROWS = 12
#: Above this many points a scale is set tighter; above this many columns a grid too.
DENSE_POINTS = 11
DENSE_COLUMNS = 6
#: Characters a number box has room for, by type (a decimal has a comma and decimals).
NUMBER_WIDTH = {d.INTEGER: 6, d.DECIMAL: 8, d.FRACTION: 3}


def choice_data(choice: d.Choice, language: str) -> dict[str, Any]:
    """One choice as printed: its label, and whether it has a writing line or stands apart."""
    return {
        "code": choice.code,
        "label": text_in(choice.label, language),
        "other": choice.other,
        "nonsubstantive": choice.nonsubstantive,
    }


def _layout(item: Item) -> str:
    """How a single/multiple choice is printed: a list, a row of labelled boxes, or a scale.

    A scale is an ordinal item whose points are not all labelled (1 = "Svært lett" …
    7 = "Svært vanskelig"): the points are printed as numbers and only the labels it has.
    """
    substantive = [c for c in item.choices if not c.nonsubstantive]
    if item.ordinal and any(not c.label for c in substantive):
        return "scale"
    return item.layout


#: Words that show a question text already says how to tick ("sett gjerne flere kryss").
TICK_WORDS = ("kryss", "tick")


def _instruction(item: Item, language: str) -> str:
    """The default "how to answer" line, for choice questions that do not say it themselves."""
    text = text_in(item.label, language).lower()
    if item.hint or any(word in text for word in TICK_WORDS):
        return ""
    if item.type == d.GRID_SINGLE:
        return _("Tick one box on each line.")
    if item.type == d.GRID_MULTIPLE:
        return _("Tick as many boxes as apply on each line.")
    if item.type != d.MULTIPLE:
        return ""
    if item.min_choices and item.max_choices:
        if item.min_choices == item.max_choices:
            return _("Tick %(count)d boxes.", count=item.min_choices)
        return _(
            "Tick at least %(minimum)d and at most %(maximum)d boxes.",
            minimum=item.min_choices,
            maximum=item.max_choices,
        )
    if item.max_choices:
        return _("Tick at most %(count)d boxes.", count=item.max_choices)
    return _("Tick as many boxes as apply.")


def item_data(
    item: Item,
    words: ConditionWords,
    language: str,
    routing: dict[tuple[str, str], Item | None] | None = None,
) -> dict[str, Any]:
    """One question as printed (``routing``: see ``routes``)."""
    data: dict[str, Any] = {
        "name": item.name,
        "type": item.type,
        "number": item.number,
        "text": text_in(item.label, language),
        "hint": text_in(item.hint, language),
        "instruction": _instruction(item, language),
        "condition": words.item_instruction(item.relevant),
        "unit": text_in(item.unit, language),
    }
    if item.type in d.CHOICE_TYPES:
        data["choices"] = [choice_data(c, language) for c in item.choices]
        # Non-substantive answers ("Vet ikke") stand a little apart from the substantive ones.
        for before, choice in zip(data["choices"], data["choices"][1:], strict=False):
            choice["separated"] = choice["nonsubstantive"] and not before["nonsubstantive"]
        data["choices"][0]["separated"] = False
        for choice in data["choices"]:
            key = (item.name, choice["code"])
            choice["route"] = _route_text(routing[key], language) if key in (routing or {}) else ""
    if item.type in (d.SINGLE, d.MULTIPLE):
        data["layout"] = _layout(item)
        points = [c for c in item.choices if not c.nonsubstantive]
        data["middle_labels"] = any(c.label for c in points[1:-1])
        data["dense"] = len(points) > DENSE_POINTS
    if item.type in d.GRID_TYPES:
        data["rows"] = [
            {"name": row.name, "label": text_in(row.label, language), "other": row.other}
            for row in item.rows
        ]
        data["dense"] = len(item.choices) > DENSE_COLUMNS
    if item.type == d.TABLE:
        data["columns"] = [
            {
                "name": column.name,
                "label": text_in(column.label, language),
                "type": column.type,
                "unit": text_in(column.unit, language),
            }
            for column in item.columns
        ]
        data["row_count"] = item.row_count
    data["long"] = max(len(item.rows), item.row_count) > LONG_ROWS
    if item.type in NUMBER_WIDTH:
        data["width"] = NUMBER_WIDTH[item.type]
    if item.type == d.FRACTION:
        data["denominator"] = item.denominator
    if item.type in (d.TEXT, d.LONG_TEXT):
        data["lines"] = LONG_TEXT_LINES if item.type == d.LONG_TEXT else TEXT_LINES
    return data


def _ruled_out(expression: str | None, name: str, answers: dict[str, Any]) -> bool:
    """Whether the answer in ``answers`` to question ``name`` alone makes ``expression`` false.

    Only a conjunct that reads nothing but that question counts, so the answer to any other
    question cannot change the outcome.
    """
    if not expression:
        return False
    node = logic.parse(expression)
    conjuncts = node[1:] if node[0] == "and" else [node]
    return any(
        logic.references(part) == [name] and not logic.evaluate(part, answers) for part in conjuncts
    )


def routes(questionnaire: Questionnaire) -> dict[tuple[str, str], Item | None]:
    """Where the respondent goes next after a choice that skips the following questions.

    For a single-choice question and one of its choices, the questions right after it that this
    answer rules out are skipped; the first question it does not rule out is the target
    (``None``: the rest of the form). Choices that lead to the next question have no route.
    """
    order = [(section, item) for section, item in questionnaire.items()]
    found: dict[tuple[str, str], Item | None] = {}
    for index, (_section, item) in enumerate(order):
        if item.type != d.SINGLE:
            continue
        for choice in item.choices:
            answers = {item.name: choice.code}
            after = index + 1
            skipped_questions = 0
            while after < len(order):
                section, following = order[after]
                if not (
                    _ruled_out(section.relevant, item.name, answers)
                    or _ruled_out(following.relevant, item.name, answers)
                ):
                    break
                skipped_questions += following.type != d.NOTE
                after += 1
            if skipped_questions:
                found[(item.name, choice.code)] = order[after][1] if after < len(order) else None
    return found


def _route_text(target: Item | None, language: str) -> str:
    if target is None:
        return _("Skip the rest of the form")
    return _("Go to %(question)s", question=question_name(target, language))


def paper_context(questionnaire: Questionnaire, language: str) -> dict[str, Any]:
    """What the paper form shows, in ``language`` (call under ``force_locale(language)``)."""
    words = ConditionWords(questionnaire, language)
    routing = routes(questionnaire)
    sections = []
    for section in questionnaire.sections:
        sections.append(
            {
                "name": section.name,
                "title": text_in(section.title, language),
                "condition": words.section_instruction(section.relevant),
                "items": [item_data(item, words, language, routing) for item in section.items],
            }
        )
    return {
        "language": language,
        "title": text_in(questionnaire.title, language),
        "intro": text_in(questionnaire.intro, language),
        "sections": sections,
        # An anonymous form carries no case number: nothing on it may point to a person.
        "case_number": not questionnaire.anonymous,
    }


def paper_html(questionnaire: Questionnaire, language: str) -> str:
    """The print template filled in, in ``language``."""
    with force_locale(language):
        return render_template(
            "pdf/surveys/paper.html",
            paper=paper_context(questionnaire, language),
            fonts=rendering.FONT_FACES,
            page_footer=rendering.page_counter_css(_("Page %(page)s of %(pages)s")),
        )


def paper_pdf(questionnaire: Questionnaire, language: str) -> bytes:
    """The paper version as a PDF."""
    return rendering.write_pdf(paper_html(questionnaire, language))
