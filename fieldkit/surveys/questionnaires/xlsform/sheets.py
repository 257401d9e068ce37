"""The sheets of an XLSForm workbook as the spreadsheet has them, and an index of its rows.

pyxform's reader gives each sheet's rows; ``Sheet`` keeps their spreadsheet row numbers and
gives each header its canonical column and language, so that checks and messages can name the
sheet, row and column. ``RowIndex`` finds a named survey row again while pyxform's structure is
turned into a definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fieldkit.core.i18n import N_
from fieldkit.surveys.questionnaires.definition import DefinitionError
from fieldkit.surveys.questionnaires.xlsform.vocabulary import SURVEY, language_code, sheet_error


@dataclass
class Sheet:
    """One sheet as pyxform's reader gives it: headers and rows, with spreadsheet row numbers."""

    name: str
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]
    #: header -> (canonical column, language code or None)
    columns: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    def value(self, row: dict[str, str], column: str) -> str | None:
        """The row's value in ``column`` (a canonical, untranslated column)."""
        for header, (canonical, _code) in self.columns.items():
            if canonical == column and row.get(header) not in (None, ""):
                return str(row[header]).strip()
        return None

    def filled(self, row: dict[str, str]) -> list[str]:
        """The canonical columns the row has a value in."""
        return [self.columns[h][0] for h in row if h in self.columns and row[h] not in (None, "")]

    def header_of(self, column: str) -> str:
        """The spreadsheet header of a canonical column, for messages."""
        for header, (canonical, code) in self.columns.items():
            if canonical == column and code is None:
                return header
        return column


def read_sheet(data: Any, name: str) -> Sheet | None:
    """Sheet ``name`` of what pyxform's reader gives; None when the workbook has no such sheet."""
    rows = getattr(data, name, None)
    header_rows = getattr(data, f"{name}_header", None)
    if not rows and not header_rows:
        return None
    headers = list(header_rows[0]) if header_rows else []
    return Sheet(
        name=name,
        headers=headers,
        rows=[(index + 2, row) for index, row in enumerate(rows or []) if row],
    )


def classify_columns(
    sheet: Sheet, known: tuple[str, ...], translatable: set[str], aliases: dict[str, str]
) -> list[DefinitionError]:
    """Give each header its canonical column and language.

    Returns the refusals of filled columns fieldkit does not read (raised once the rows have
    been checked, so that an unsupported row type is named first).
    """
    refused: list[DefinitionError] = []
    for header in sheet.headers:
        if header.startswith("$"):
            continue  # KoBoToolbox's bookkeeping ($kuid, $autoname): no questionnaire content
        base, separator, suffix = header.partition("::")
        canonical = base.strip().lower()
        canonical = aliases.get(canonical, canonical)
        first_row = next((n for n, row in sheet.rows if row.get(header) not in (None, "")), None)
        code = None
        if separator:
            if canonical not in translatable:
                canonical = "?"  # a translation of a column that has none
            else:
                code = language_code(suffix)
                if code is None:
                    raise sheet_error(
                        sheet.name,
                        1,
                        header,
                        N_(
                            "unknown language '%(language)s' (use nb, nn or en, e.g. label::nb "
                            "or label::Norsk (nb))"
                        ),
                        language=suffix,
                    )
        if canonical not in known:
            if first_row is not None:  # an empty column says nothing
                refused.append(
                    sheet_error(
                        sheet.name,
                        first_row,
                        header,
                        N_("the column '%(column)s' is not supported (fieldkit reads %(known)s)"),
                        column=header,
                        known=", ".join(known),
                    )
                )
            continue
        sheet.columns[header] = (canonical, code)
    return refused


@dataclass
class SurveyRow:
    """A named survey row as the spreadsheet has it."""

    #: The spreadsheet row number (the header is row 1).
    number: int
    #: section, grid, grid_row, table, table_column, or the question type (select_one, ...).
    kind: str
    #: The raw values of the filled columns, by canonical column.
    values: dict[str, str]


@dataclass
class RowIndex:
    """The survey rows by name, and the choice rows by (list, code), as the spreadsheet has
    them: what pyxform's structure does not keep (row numbers for messages, kinds, raw values).
    """

    survey: Sheet
    named: dict[str, SurveyRow] = field(default_factory=dict)
    choice_rows: dict[tuple[str, str], int] = field(default_factory=dict)

    def row(self, name: str) -> SurveyRow | None:
        return self.named.get(name)

    def error(
        self, name: str, column: str | None, message: str, /, **params: Any
    ) -> DefinitionError:
        """A refusal placed at the survey row of ``name``, in ``column``."""
        row = self.named.get(name)
        return sheet_error(SURVEY, row.number if row else None, column, message, **params)
