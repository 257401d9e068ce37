"""Writing a questionnaire as an XLSForm workbook: ``write_xlsform``.

The workbook uses plain XLSForm wherever it can (groups, ``table-list`` grids, fixed repeats,
``likert`` appearances, ranges as constraints) and fieldkit's extra columns for the rest, so
that pyxform accepts it and ``read_xlsform`` reads it back to an equal definition. openpyxl is
imported when a workbook is written, not when the app starts.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

from fieldkit.core import spreadsheets
from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.questionnaires.xlsform.constraints import join_constraint, number_text
from fieldkit.surveys.questionnaires.xlsform.vocabulary import CHOICES, SETTINGS, SURVEY


def _languages_used(q: d.Questionnaire) -> list[str]:
    """The questionnaire's languages, then any other language a text uses."""
    found = list(q.languages)

    def note(text: d.Text) -> None:
        for language in text:
            if language not in found:
                found.append(language)

    for text in (q.title, q.intro):
        note(text)
    for choices in q.choice_lists.values():
        for choice in choices:
            note(choice.label)
    for section in q.sections:
        note(section.title)
        for item in section.items:
            for text in (item.label, item.hint, item.unit, item.constraint_message):
                note(text)
            for part in (*item.choices, *item.rows, *item.columns):
                note(part.label)
            for column in item.columns:
                note(column.unit)
    return found


def _yes(value: bool) -> str | None:
    return "yes" if value else None


class _Writer:
    """Collects the rows of the three sheets for one questionnaire, then saves the workbook."""

    def __init__(self, q: d.Questionnaire):
        self.q = q
        self.languages = _languages_used(q)
        translated = [
            f"{column}::{language}"
            for column in ("label", "hint", "constraint_message", "unit")
            for language in self.languages
        ]
        self.survey_headers = [
            "type", "name", *[h for h in translated if h.startswith(("label", "hint"))],
            "required", "soft_required", "relevant", "constraint",
            *[h for h in translated if h.startswith("constraint_message")],
            "appearance", "repeat_count", "number", "ordinal", "layout",
            *[h for h in translated if h.startswith("unit")], "denominator", "other",
        ]  # fmt: skip
        self.survey: list[dict[str, Any]] = []
        self.choices: list[dict[str, Any]] = []
        self.list_names: dict[str, str] = {}  # item name -> its own list's name
        self.written_lists: set[str] = set()

    def texts(self, column: str, text: d.Text) -> dict[str, str]:
        return {f"{column}::{language}": value for language, value in text.items() if value}

    def write_list(self, list_name: str, choices: list[d.Choice]) -> None:
        self.written_lists.add(list_name)
        for choice in choices:
            self.choices.append(
                {
                    "list_name": list_name,
                    "name": choice.code,
                    **self.texts("label", choice.label),
                    "other": _yes(choice.other),
                    "nonsubstantive": _yes(choice.nonsubstantive),
                    "exclusive": _yes(choice.exclusive),
                }
            )

    def own_list(self, item: d.Item) -> str:
        if item.choice_list and item.choice_list in self.q.choice_lists:
            return item.choice_list
        name = item.name
        taken = set(self.q.choice_lists) | self.written_lists
        suffix = 1
        while name in taken:
            suffix += 1
            name = f"{item.name}_{suffix}"
        self.write_list(name, item.choices)
        return name

    def workbook(self) -> bytes:
        for list_name, choices in self.q.choice_lists.items():
            self.write_list(list_name, choices)
        previous_was_group = True
        for index, section in enumerate(self.q.sections):
            implicit = (
                section.name == f"s{index + 1}"
                and not section.title
                and not section.relevant
                and section.items
                and previous_was_group
            )
            if not implicit:
                has_table = any(item.type == d.TABLE for item in section.items)
                self.survey.append(
                    {
                        "type": "begin_group",
                        "name": section.name,
                        **self.texts("label", section.title),
                        "relevant": section.relevant,
                        "appearance": None if has_table else "field-list",
                    }
                )
            for item in section.items:
                self.item(item)
            if not implicit:
                self.survey.append({"type": "end_group"})
            previous_was_group = not implicit
        return self.save()

    def common(self, item: d.Item, row_type: str) -> dict[str, Any]:
        return {
            "type": row_type,
            "name": item.name,
            **self.texts("label", item.label),
            **self.texts("hint", item.hint),
            "relevant": item.relevant,
            "number": item.number,
        }

    def answer(self, item: d.Item) -> dict[str, Any]:
        counts = item.type in (d.MULTIPLE, d.GRID_MULTIPLE)
        low, high = (item.min_choices, item.max_choices) if counts else (item.minimum, item.maximum)
        return {
            "required": _yes(item.required),
            "soft_required": _yes(item.soft_required),
            "constraint": join_constraint(low, high, item.constraint, counts=counts),
            **self.texts("constraint_message", item.constraint_message),
        }

    def item(self, item: d.Item) -> None:
        if item.type in d.GRID_TYPES:
            self.grid(item)
            return
        if item.type == d.TABLE:
            self.table(item)
            return
        if item.type == d.NOTE:
            self.survey.append(self.common(item, "note"))
            return
        row: dict[str, Any]
        if item.type in (d.SINGLE, d.MULTIPLE):
            select = "select_one" if item.type == d.SINGLE else "select_multiple"
            row = self.common(item, f"{select} {self.own_list(item)}")
            horizontal = item.layout == "horizontal"
            row["appearance"] = ("likert" if item.ordinal else "columns") if horizontal else None
            row["ordinal"] = "yes" if item.ordinal and not horizontal else None
            if horizontal and not item.ordinal:
                row["ordinal"] = None
        else:
            row_type = {
                d.INTEGER: "integer",
                d.FRACTION: "integer",
                d.DECIMAL: "decimal",
                d.TEXT: "text",
                d.LONG_TEXT: "text",
                d.DATE: "date",
            }[item.type]
            row = self.common(item, row_type)
            if item.type == d.LONG_TEXT:
                row["appearance"] = "multiline"
            if item.type == d.FRACTION:
                row["denominator"] = item.denominator
            row.update(self.texts("unit", item.unit))
        row.update(self.answer(item))
        self.survey.append(row)

    def grid(self, item: d.Item) -> None:
        list_name = self.own_list(item)
        select = "select_one" if item.type == d.GRID_SINGLE else "select_multiple"
        self.survey.append(
            {
                **self.common(item, "begin_group"),
                "appearance": "table-list",
                "ordinal": _yes(item.ordinal),
                "layout": item.layout if item.layout != "vertical" else None,
            }
        )
        answer = self.answer(item)
        for row in item.rows:
            self.survey.append(
                {
                    "type": f"{select} {list_name}",
                    "name": row.name,
                    **self.texts("label", row.label),
                    **answer,
                    "other": _yes(row.other),
                }
            )
        self.survey.append({"type": "end_group"})

    def table(self, item: d.Item) -> None:
        self.survey.append(
            {
                **self.common(item, "begin_repeat"),
                "required": _yes(item.required),
                "soft_required": _yes(item.soft_required),
                "repeat_count": item.row_count,
            }
        )
        for column in item.columns:
            self.survey.append(
                {
                    "type": column.type,
                    "name": column.name,
                    **self.texts("label", column.label),
                    **self.texts("unit", column.unit),
                }
            )
        self.survey.append({"type": "end_repeat"})

    def settings(self) -> tuple[list[str], list[Any]]:
        q = self.q
        default = q.languages[0]
        title = q.title.get(default) or d.text_in(q.title, default)
        values: dict[str, Any] = {
            "form_title": title,
            "form_id": _form_id(title),
            "default_language": default,
            "languages": " ".join(q.languages),
            **{
                f"translated_title::{language}": text
                for language, text in q.title.items()
                if language != default and text
            },
            **self.texts("instruction", q.intro),
            "anonymous": "yes" if q.anonymous else "no",
            "interviewer_assisted_allowed": "yes" if q.interviewer_assisted_allowed else "no",
            "clean_text_values": "no",
        }
        return list(values), list(values.values())

    def save(self) -> bytes:
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = SURVEY
        _fill(sheet, self.survey_headers, self.survey)
        choice_headers = [
            "list_name", "name", *[f"label::{language}" for language in self.languages],
            "other", "nonsubstantive", "exclusive",
        ]  # fmt: skip
        _fill(book.create_sheet(CHOICES), choice_headers, self.choices)
        headers, values = self.settings()
        _fill(book.create_sheet(SETTINGS), headers, [dict(zip(headers, values, strict=True))])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def _fill(sheet, headers: list[str], rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` under bold ``headers``, with widths for reading and the header frozen."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    spreadsheets.append_literal(sheet, headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        unknown = set(row) - set(headers)
        if unknown:  # pragma: no cover - a programming error in the writer
            raise AssertionError(f"no column for {sorted(unknown)}")
        spreadsheets.append_literal(sheet, [_cell(row.get(header)) for header in headers])
    for index, header in enumerate(headers, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 40 if header.startswith("label") else 16
    sheet.freeze_panes = "A2"


def _cell(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return number_text(value)
    return str(value)


def _form_id(title: str) -> str:
    ascii_title = title.translate(str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae",
                                                 "Ø": "O", "Å": "A"}))  # fmt: skip
    slug = re.sub(r"[^A-Za-z0-9]+", "_", ascii_title).strip("_").lower()[:40]
    return slug if slug and slug[0].isalpha() else f"fieldkit_{slug}".rstrip("_")


def write_xlsform(q: d.Questionnaire) -> bytes:
    """``q`` as an XLSForm workbook that pyxform accepts and ``read_xlsform`` reads back equal."""
    return _Writer(q).workbook()
