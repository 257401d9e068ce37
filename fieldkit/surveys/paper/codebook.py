"""The codebook: one row per variable, with its label, type, value codes and condition.

Every name an answer is stored under has a row (see the answer storage convention in
``fieldkit.surveys.questionnaires.logic``/``definition``): a question, each row of a grid, each
column of a repeated-row table (``q13.navn``: a list over the table's rows), and the free text
of an "Annet" choice (``q8.annet``) or of a grid row with a text field (``q6_andre.other``).
Words come from the translation catalogue: build under ``force_locale(language)``.

This is the one builder of codebook rows and workbooks: the results' export codebook
(``results.exports.write_codebook``) puts its rows beside each exported variable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from fieldkit.core import pdf as rendering
from fieldkit.core import spreadsheets
from fieldkit.surveys.paper.conditions_in_words import ConditionWords, number
from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.questionnaires.definition import Item, Questionnaire, text_in


def type_label(item_type: str) -> str:
    """What a variable of ``item_type`` holds, in words."""
    return {
        d.SINGLE: _("single choice (a code)"),
        d.MULTIPLE: _("multiple choice (a list of codes)"),
        d.GRID_SINGLE: _("grid row, one choice (a code)"),
        d.GRID_MULTIPLE: _("grid row, several choices (a list of codes)"),
        d.INTEGER: _("whole number"),
        d.DECIMAL: _("decimal number"),
        d.FRACTION: _("whole number (x of N)"),
        d.TEXT: _("short text"),
        d.LONG_TEXT: _("long text"),
        d.DATE: _("date (YYYY-MM-DD)"),
        "other_text": _("text of an “other” answer"),
    }[item_type]


def combine(*expressions: str | None) -> str:
    """The conditions that must all hold, as one expression ("" when there are none)."""
    present = [e for e in expressions if e]
    if len(present) <= 1:
        return present[0] if present else ""
    return " and ".join(f"({e})" if " or " in e else e for e in present)


def _range(minimum: Any, maximum: Any) -> str:
    if minimum is None and maximum is None:
        return ""
    if minimum is None:
        return _("at most %(value)s", value=number(maximum))
    if maximum is None:
        return _("at least %(value)s", value=number(minimum))
    return f"{number(minimum)}–{number(maximum)}"


def _required(item: Item) -> str:
    if item.required:
        return _("yes")
    if item.soft_required:
        return _("soft (warned once)")
    return ""


class _Builder:
    def __init__(self, questionnaire: Questionnaire, language: str):
        self.language = language
        self.words = ConditionWords(questionnaire, language)
        self.rows: list[dict[str, Any]] = []

    def text(self, value: d.Text) -> str:
        return text_in(value, self.language)

    def values(self, item: Item) -> list[dict[str, Any]]:
        return [
            {
                "code": c.code,
                "label": self.text(c.label),
                "nonsubstantive": c.nonsubstantive,
                "other": c.other,
                "exclusive": c.exclusive,
            }
            for c in item.choices
        ]

    def add(self, item: Item, name: str, label: str, kind: str, condition: str, **extra) -> None:
        row = {
            "name": name,
            "question": item.name,
            "number": item.number or "",
            "label": label,
            "type": kind,
            "type_label": type_label(kind),
            "values": [],
            "condition": condition,
            "condition_words": (
                _("Asked only if %(condition)s.", condition=self.words.describe(condition))
                if condition
                else ""
            ),
            "unit": "",
            "range": "",
            "required": "",
        }
        row.update(extra)
        self.rows.append(row)

    def item(self, item: Item, section_condition: str | None) -> None:
        condition = combine(section_condition, item.relevant)
        label = self.text(item.label)
        required = _required(item)
        if item.type in (d.SINGLE, d.MULTIPLE):
            ticks = _range(item.min_choices, item.max_choices)
            self.add(
                item, item.name, label, item.type, condition,
                values=self.values(item), required=required,
                range=_("%(range)s ticks", range=ticks) if ticks else "",
            )  # fmt: skip
            for choice in item.choices:
                if choice.other:
                    self.add(
                        item,
                        f"{item.name}.{choice.code}",
                        f"{label} – {self.text(choice.label)}",
                        "other_text",
                        combine(condition, f"selected(${{{item.name}}}, '{choice.code}')"),
                    )
        elif item.type in d.GRID_TYPES:
            for grid_row in item.rows:
                row_label = f"{label} – {self.text(grid_row.label)}"
                self.add(
                    item, grid_row.name, row_label, item.type, condition,
                    values=self.values(item), required=required,
                )  # fmt: skip
                if grid_row.other:
                    self.add(item, f"{grid_row.name}.other", row_label, "other_text", condition)
        elif item.type == d.TABLE:
            rows = _("rows 1–%(count)d", count=item.row_count)
            for column in item.columns:
                self.add(
                    item,
                    f"{item.name}.{column.name}",
                    f"{label} – {self.text(column.label)}",
                    column.type,
                    condition,
                    unit=self.text(column.unit),
                    range=rows,
                    required=required,
                )
        elif item.type != d.NOTE:
            if item.type == d.FRACTION:
                value_range = _range(0, item.denominator)
            else:
                value_range = _range(item.minimum, item.maximum)
            self.add(
                item, item.name, label, item.type, condition,
                unit=self.text(item.unit), range=value_range, required=required,
            )  # fmt: skip


def codebook_rows(questionnaire: Questionnaire, language: str) -> list[dict[str, Any]]:
    """One row per variable, in questionnaire order (call under ``force_locale``)."""
    builder = _Builder(questionnaire, language)
    for section in questionnaire.sections:
        for item in section.items:
            builder.item(item, section.relevant)
    return builder.rows


def value_lines(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The values to show, with runs of unlabelled scale points joined ("2–6")."""
    lines: list[dict[str, Any]] = []
    run: list[dict[str, Any]] = []

    def flush() -> None:
        if len(run) > 1:
            lines.append({"code": f"{run[0]['code']}–{run[-1]['code']}", "label": "",
                          "nonsubstantive": False})  # fmt: skip
        else:
            lines.extend(run)
        run.clear()

    for value in row["values"]:
        if not value["label"] and not value["nonsubstantive"]:
            run.append(value)
            continue
        flush()
        lines.append(value)
    flush()
    return lines


def values_text(row: dict[str, Any]) -> str:
    """The value labels of a variable on one line: "1 = Ja; 2 = Nei; 9 = Vet ikke (…)"."""
    parts = []
    for value in value_lines(row):
        text = f"{value['code']} = {value['label']}" if value["label"] else value["code"]
        if value["nonsubstantive"]:
            text += " " + _("(non-substantive)")
        parts.append(text)
    return "; ".join(parts)


def codebook_context(questionnaire: Questionnaire, language: str) -> dict[str, Any]:
    """What the codebook page and PDF show (call under ``force_locale``)."""
    rows = codebook_rows(questionnaire, language)
    for row in rows:
        row["value_lines"] = value_lines(row)
    return {
        "language": language,
        "title": text_in(questionnaire.title, language),
        "rows": rows,
    }


def codebook_pdf(questionnaire: Questionnaire, language: str, version: int) -> bytes:
    """The codebook as a PDF (landscape A4)."""
    with force_locale(language):
        html = render_template(
            "pdf/surveys/codebook.html",
            codebook=codebook_context(questionnaire, language),
            version=version,
            fonts=rendering.FONT_FACES,
            orientation="landscape",
            page_footer=rendering.page_counter_css(_("Page %(page)s of %(pages)s")),
        )
    return rendering.write_pdf(html)


def question_cells(row: dict[str, Any]) -> list[Any]:
    """What a codebook row says of the question beside its name, label and values: number,
    answer type, condition (as an expression and in words), unit, range and whether it is
    required (the results' codebook puts these beside each exported variable)."""
    return [
        row["number"],
        row["type_label"],
        row["condition"],
        row["condition_words"],
        row["unit"],
        row["range"],
        row["required"],
    ]


@dataclass
class Sheet:
    """One sheet of a codebook workbook: a bold, frozen header row, then the rows."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    #: Column letter -> width (the others: 16).
    widths: dict[str, float] = field(default_factory=dict)
    #: Columns whose cells wrap (labels, values, conditions).
    wrapped: tuple[str, ...] = ()


#: The variables sheet of the questionnaire's codebook, and of the results' export.
QUESTIONNAIRE_WIDTHS = {"A": 16, "B": 9, "C": 60, "D": 28, "E": 50, "F": 34, "G": 50, "H": 12,
                        "I": 14}  # fmt: skip
EXPORT_WIDTHS = {"A": 16, "B": 16, "C": 60, "D": 10, "E": 10, "F": 50, "G": 14, "H": 9, "I": 28,
                 "J": 34, "K": 50, "L": 12, "M": 14}  # fmt: skip


def workbook(sheets: list[Sheet]) -> bytes:
    """A codebook's sheets as an XLSX workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        target = book.create_sheet(sheet.title)
        spreadsheets.append(target, sheet.header)
        for row in sheet.rows:
            spreadsheets.append(target, row)
        target.freeze_panes = "A2"
        for cell in target[1]:
            cell.font = Font(bold=True)
        for column in (cell.column_letter for cell in target[1]):
            target.column_dimensions[column].width = sheet.widths.get(column, 16)
        for column in sheet.wrapped:
            for cell in target[column][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    output = BytesIO()
    book.save(output)
    return output.getvalue()


def codebook_xlsx(questionnaire: Questionnaire, language: str) -> bytes:
    """The codebook as a workbook: a sheet of variables and a sheet of value labels."""
    with force_locale(language):
        rows = codebook_rows(questionnaire, language)
        header = [
            _("Variable"), _("No."), _("Label"), _("Type"), _("Values"), _("Condition"),
            _("Condition in words"), _("Unit"), _("Range"), _("Required"),
        ]  # fmt: skip
        variables = [
            [
                row["name"],
                row["number"],
                row["label"],
                row["type_label"],
                values_text(row),
                row["condition"],
                row["condition_words"],
                row["unit"],
                row["range"],
                row["required"],
            ]
            for row in rows
        ]
        yes = _("yes")
        labels = [
            [
                row["name"],
                value["code"],
                value["label"],
                yes if value["nonsubstantive"] else "",
                yes if value["other"] else "",
            ]
            for row in rows
            for value in row["values"]
        ]
        sheets = [
            Sheet(_("Variables"), header, variables, QUESTIONNAIRE_WIDTHS, ("C", "E", "G")),
            Sheet(
                _("Value labels"),
                [
                    _("Variable"),
                    _("Code"),
                    _("Label"),
                    _("Non-substantive"),
                    _("Opens a text field"),
                ],
                labels,
                {"C": 40},
            ),  # fmt: skip
        ]
    return workbook(sheets)
