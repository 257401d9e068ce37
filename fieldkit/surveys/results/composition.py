"""The composition of a survey's results report: which questions (their tables and figures) it
takes, in which order, and the researcher's texts between them. Stored per survey
(``ReportComposition``) and used by every way of compiling the report: the page, the export
job and ``fieldkit survey report``.

An entry is ``{"item": name, "included": bool}`` or ``{"text": "..."}``. The questions are
always those of the questionnaire as cleaned now: a question the composition does not know yet
(a new derived variable) comes last, not included; one that is gone (an undone recode) is
dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fieldkit.core import audit
from fieldkit.core.models import User, utcnow
from fieldkit.extensions import db
from fieldkit.surveys.models import ReportComposition, Survey
from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.results import cleaning_steps
from fieldkit.surveys.results.tables import TABLE_TYPES

#: A researcher's text in the report: long enough for a few paragraphs, not a chapter.
MAX_TEXT = 5000


@dataclass
class Entry:
    """One line of the composition: a question (with its label for the page) or a text."""

    item: str = ""
    included: bool = True
    text: str = ""
    label: str = ""

    @property
    def is_text(self) -> bool:
        return not self.item

    def stored(self) -> dict[str, Any]:
        if self.is_text:
            return {"text": self.text}
        return {"item": self.item, "included": self.included}


def report_items(survey: Survey) -> dict[str, str]:
    """Every question of the (cleaned) questionnaire that has a table, with its label."""
    questionnaire = cleaning_steps.active_steps(survey).questionnaire()
    return {
        item.name: (f"{item.number}. " if item.number else "") + d.text_in(item.label, "nb")
        for _s, item in questionnaire.items()
        if item.type in TABLE_TYPES
    }


def stored_composition(survey: Survey) -> ReportComposition | None:
    return db.session.get(ReportComposition, survey.id)


def merge(
    stored: list[dict[str, Any]], items: dict[str, str], *, new_included: bool
) -> list[Entry]:
    """The stored entries against the questions there are now (see the module docstring)."""
    entries, seen = [], set()
    for raw in stored:
        if "text" in raw:
            entries.append(Entry(text=str(raw["text"])[:MAX_TEXT]))
        elif raw.get("item") in items and raw["item"] not in seen:
            seen.add(raw["item"])
            entries.append(Entry(raw["item"], bool(raw.get("included")), label=items[raw["item"]]))
    for name, label in items.items():
        if name not in seen:
            entries.append(Entry(name, new_included, label=label))
    return entries


def entries_for(survey: Survey) -> tuple[list[Entry], bool]:
    """The survey's composition and whether figures come with the tables (default: every
    question in questionnaire order, with figures)."""
    stored = stored_composition(survey)
    items = report_items(survey)
    if stored is None:
        return merge([], items, new_included=True), True
    return merge(stored.entries, items, new_included=False), stored.include_figures


def from_form(
    order: list[str], included: list[str], texts: list[str], items: dict[str, str]
) -> list[Entry]:
    """The entries as posted: ``order`` has ``item:<name>`` or ``text`` per line, ``texts`` the
    text lines' contents in order, ``included`` the ticked names."""
    stored: list[dict[str, Any]] = []
    text_values = iter(texts)
    for token in order:
        if token == "text":
            stored.append({"text": next(text_values, "").strip()})
        elif token.startswith("item:"):
            name = token.removeprefix("item:")
            stored.append({"item": name, "included": name in included})
    return merge(stored, items, new_included=False)


def apply_action(entries: list[Entry], action: str) -> list[Entry]:
    """A button of the page: ``all``, ``none``, ``up-i``, ``down-i``, ``text-i`` (a new text
    after line i; ``text--1`` before the first), ``remove-i`` (a text). Unknown: no change."""
    entries = list(entries)
    verb, _dash, where = action.partition("-")
    if verb in ("all", "none"):
        for entry in entries:
            entry.included = verb == "all"
        return entries
    try:
        index = int(where)
    except ValueError:
        return entries
    if verb == "text" and -1 <= index < len(entries):
        entries.insert(index + 1, Entry(text=""))
    elif not 0 <= index < len(entries):
        return entries
    elif verb == "up" and index > 0:
        entries[index - 1], entries[index] = entries[index], entries[index - 1]
    elif verb == "down" and index < len(entries) - 1:
        entries[index + 1], entries[index] = entries[index], entries[index + 1]
    elif verb == "remove" and entries[index].is_text:
        del entries[index]
    return entries


def save_composition(
    survey: Survey, entries: list[Entry], include_figures: bool, *, actor: User | None = None
) -> ReportComposition:
    """Store the composition (a text left empty stays on the page, not in the report)."""
    composition = stored_composition(survey) or ReportComposition(survey_id=survey.id)
    composition.entries = [e.stored() for e in entries]
    composition.include_figures = include_figures
    composition.updated_at = utcnow()
    composition.updated_by_id = getattr(actor, "id", None)
    db.session.add(composition)
    db.session.flush()
    audit.record(
        "survey.report_composition_saved", composition, actor=actor, project=survey.project_id,
        object_id=survey.id, items=sum(1 for e in entries if not e.is_text and e.included),
    )  # fmt: skip
    return composition


def report_order(entries: list[Entry]) -> list[tuple[str, str]]:
    """What the report shows, in order: ``("item", name)`` and ``("text", text)``."""
    shown = []
    for entry in entries:
        if entry.is_text and entry.text.strip():
            shown.append(("text", entry.text.strip()))
        elif not entry.is_text and entry.included:
            shown.append(("item", entry.item))
    return shown
