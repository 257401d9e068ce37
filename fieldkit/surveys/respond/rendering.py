"""The plain view of one questionnaire page that the item macros render.

``PageView`` answers the questions a template asks of a field — its id, the value to show
(what was typed, after a rejected submission, else the saved answer), its message, whether its
item is shown, the condition tree for the browser's skip logic — so the macros in
``templates/surveys/items/macros.html`` stay free of logic and work for the researcher's
preview and the respondent's pages alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fieldkit.surveys.questionnaires import logic
from fieldkit.surveys.questionnaires.definition import (
    CHOICE_TYPES,
    DATE,
    DECIMAL,
    GRID_TYPES,
    TABLE,
    Item,
    Questionnaire,
    Section,
    text_in,
)
from fieldkit.surveys.respond.answers import PageResult, page_fields


def field_id(name: str) -> str:
    """The HTML id of form field ``name`` (dots become ``--`` so CSS selectors stay simple)."""
    return "f-" + name.replace(".", "--")


def format_answer(value: Any, language: str, kind: str | None = None) -> str:
    """A stored number or date as the respondent writes it (decimal comma, dd.mm.åååå)."""
    if value is None:
        return ""
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        text = format(Decimal(str(value)).normalize(), "f")
        return text.replace(".", ",") if language in ("nb", "nn") else text
    if kind == DATE and isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return f"{value[8:10]}.{value[5:7]}.{value[0:4]}"
    return str(value)


@dataclass
class PageView:
    """One section of a questionnaire as the respondent sees it."""

    questionnaire: Questionnaire
    section: Section
    language: str
    #: The saved answers (every page's), in the storage convention.
    answers: dict[str, Any]
    #: The result of the last submission of this page, when it is shown again.
    result: PageResult | None = None
    shown: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.result is not None:
            self.shown = list(self.result.shown)
        else:
            _sections, items = logic.visibility(self.questionnaire, self.answers)
            self.shown = [i.name for i in self.section.items if i.name in items]

    # -- texts ----------------------------------------------------------------------------------

    def t(self, text: dict[str, str]) -> str:
        """``text`` in the respondent's language."""
        return text_in(text, self.language)

    def title(self, item: Item) -> str:
        """The question as shown: its number, then its text."""
        label = self.t(item.label)
        return f"{item.number}. {label}".strip() if item.number else label

    # -- state ----------------------------------------------------------------------------------

    @property
    def errors(self) -> dict[str, str]:
        return self.result.errors if self.result else {}

    @property
    def warnings(self) -> dict[str, str]:
        return self.result.warnings if self.result else {}

    @property
    def warned(self) -> str:
        """The value of the hidden ``_warned`` field."""
        return " ".join(self.result.warned) if self.result else ""

    def is_shown(self, item: Item) -> bool:
        return item.name in self.shown

    def error(self, name: str) -> str | None:
        return self.errors.get(name)

    def warning(self, item: Item) -> str | None:
        return self.warnings.get(item.name)

    def value(self, name: str, kind: str | None = None) -> str:
        """The text to put in input ``name``."""
        if self.result is not None:
            if name in self.result.raw:
                raw = self.result.raw[name]
                return raw[0] if isinstance(raw, list) else raw
            return ""
        if "." in name and name.count(".") == 2:
            item_name, index, column = name.split(".")
            rows = self.answers.get(item_name)
            if isinstance(rows, list) and int(index) <= len(rows):
                cell = rows[int(index) - 1]
                return format_answer(
                    cell.get(column) if isinstance(cell, dict) else None, self.language
                )
            return ""
        return format_answer(self.answers.get(name), self.language, kind)

    def chosen(self, name: str) -> list[str]:
        """The codes ticked in field ``name``."""
        if self.result is not None:
            raw = self.result.raw.get(name, [])
            return list(raw) if isinstance(raw, list) else [raw]
        value = self.answers.get(name)
        if value is None:
            return []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    # -- ids and references ---------------------------------------------------------------------

    def id(self, name: str) -> str:
        return field_id(name)

    def target(self, name: str, item: Item) -> str:
        """The id an error summary link points to: the field, or its first choice."""
        if item.type in CHOICE_TYPES and "." not in name:
            return field_id(f"{name}.{item.choices[0].code}") + "-choice"
        if item.type == TABLE and name == item.name:
            return field_id(f"{item.name}.1.{item.columns[0].name}")
        return field_id(name)

    def describedby(self, name: str, item: Item, hint: bool = True) -> str:
        ids = []
        if hint and item.hint:
            ids.append(field_id(item.name) + "-hint")
        if name in self.errors:
            ids.append(field_id(name) + "-error")
        if self.warning(item) and name == item.name:
            ids.append(field_id(name) + "-warning")
        return " ".join(ids)

    def condition(self, expression: str | None) -> Any:
        """The parsed condition for ``data-relevant`` (None when the item is always shown)."""
        return logic.parse(expression) if expression else None

    def variables(self, item: Item) -> str:
        return " ".join(page_fields(item))

    def prior_answers(self) -> dict[str, Any]:
        """The saved answers that this page's conditions read, for the browser's skip logic."""
        names: set[str] = set()
        for expression in [self.section.relevant, *(i.relevant for i in self.section.items)]:
            if expression:
                names.update(logic.references(logic.parse(expression)))
        own = {n for item in self.section.items for n in item.variable_names()}
        return {n: self.answers[n] for n in sorted(names - own) if n in self.answers}

    def summary(self) -> list[tuple[str, str, str]]:
        """(target id, question, message) for the error summary, in page order."""
        lines = []
        for item in self.section.items:
            for name, message in self.errors.items():
                if name == item.name or name.split(".")[0] in [
                    item.name,
                    *(r.name for r in item.rows),
                ]:
                    lines.append((self.target(name, item), self._question(name, item), message))
        return lines

    def warning_summary(self) -> list[tuple[str, str, str]]:
        return [
            (self.target(item.name, item), self.title(item), self.warnings[item.name])
            for item in self.section.items
            if item.name in self.warnings
        ]

    def _question(self, name: str, item: Item) -> str:
        if item.type in GRID_TYPES:
            row = next((r for r in item.rows if name.split(".")[0] == r.name), None)
            if row is not None:
                return f"{self.title(item)} – {self.t(row.label)}"
        if item.type == TABLE and name.count(".") == 2:
            _item, index, column_name = name.split(".")
            column = next(c for c in item.columns if c.name == column_name)
            return f"{self.title(item)} – {index}: {self.t(column.label)}"
        return self.title(item)

    def is_number(self, item: Item) -> bool:
        return item.type == DECIMAL


def answer_texts(item: Item, answers: dict[str, Any], language: str) -> list[str]:
    """An item's saved answers as the respondent would read them back (empty: unanswered)."""

    def label(code: str) -> str:
        choice = item.choice(code)
        if choice is None:
            return code
        text = text_in(choice.label, language) or choice.code
        other = answers.get(f"{item.name}.{choice.code}")
        return f"{text}: {other}" if other else text

    value = answers.get(item.name)
    if item.type in ("single", "multiple"):
        if value is None:
            return []
        return [label(code) for code in (value if isinstance(value, list) else [value])]
    if item.type in GRID_TYPES:
        lines = []
        for row in item.rows:
            row_value = answers.get(row.name)
            other = answers.get(f"{row.name}.other")
            if row_value is None and not other:
                continue
            codes = row_value if isinstance(row_value, list) else [row_value] if row_value else []
            chosen = ", ".join(text_in(item.choice(c).label, language) or c for c in codes)
            name = text_in(row.label, language) + (f" ({other})" if other else "")
            lines.append(f"{name}: {chosen}" if chosen else name)
        return lines
    if item.type == TABLE:
        lines = []
        for index, row in enumerate(value or [], start=1):
            cells = [
                f"{text_in(c.label, language)} {format_answer(row[c.name], language)}"
                for c in item.columns
                if c.name in row
            ]
            if cells:
                lines.append(f"{index}. " + ", ".join(cells))
        return lines
    if value is None:
        return []
    text = format_answer(value, language, item.type)
    if item.type == "fraction":
        return [f"{text} / {item.denominator}"]
    if item.unit:
        return [f"{text} {text_in(item.unit, language)}"]
    return [text]
