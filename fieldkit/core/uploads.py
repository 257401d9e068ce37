"""Tables uploaded as CSV or XLSX files: one reader for every feature (sampling frames,
participant lists).

CSV files may be UTF-8 (with or without BOM) or Windows-1252, separated by semicolons, commas or
tabs (Excel in Norway writes semicolons). Rows are numbered as the spreadsheet numbers them, so
that a message can name the row a person sees; empty rows are dropped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from fieldkit.core.operations import OperationError

CSV_SUFFIXES = (".csv", ".txt", ".tsv")


class UploadError(OperationError):
    """An uploaded file could not be read as a table; the message names the file (and sheet)."""


@dataclass
class Table:
    """The cells of an uploaded table: column names from its first row, then numbered rows."""

    filename: str
    #: The XLSX sheet read; None for CSV files.
    sheet: str | None
    headers: list[str]
    #: ``(row number in the file, cells)``; every row has one cell per header.
    rows: list[tuple[int, list[str]]]
    encoding: str | None = None
    delimiter: str | None = None

    @property
    def where(self) -> str:
        """The file (and sheet) for a message: "utvalg.xlsx, ark Kontorer"."""
        if self.sheet is None:
            return self.filename
        return _("%(file)s, sheet %(sheet)s", file=self.filename, sheet=self.sheet)


def read_table(filename: str, content: bytes, sheet: str | None = None) -> Table:
    """The table in a CSV or XLSX file; ``sheet`` picks an XLSX sheet (default: the first)."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        return _read_xlsx(filename, content, sheet)
    if lower.endswith(CSV_SUFFIXES):
        return _read_csv(filename, content)
    raise UploadError(_("%(file)s: use a .csv or .xlsx file.", file=filename or "?"))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _numbered_rows(headers: list[str], rows: list[list[str]]) -> list[tuple[int, list[str]]]:
    numbered = []
    for number, row in enumerate(rows, start=2):
        cells = row[: len(headers)] + [""] * (len(headers) - len(row))
        if any(cells):
            numbered.append((number, cells))
    return numbered


def _read_csv(filename: str, content: bytes) -> Table:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise UploadError(_("%(file)s: the file's character encoding is unknown.", file=filename))
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    all_rows = [
        [c.strip() for c in row]
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    ]
    if not all_rows or not any(all_rows[0]):
        raise UploadError(_("%(file)s: the first row must hold the column names.", file=filename))
    headers = all_rows[0]
    return Table(
        filename, None, headers, _numbered_rows(headers, all_rows[1:]), encoding, delimiter
    )


def _read_xlsx(filename: str, content: bytes, sheet: str | None) -> Table:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook gets the same message
        raise UploadError(_("%(file)s is not a readable XLSX workbook.", file=filename)) from exc
    if sheet is not None and sheet not in workbook.sheetnames:
        raise UploadError(_("%(file)s has no sheet %(sheet)s.", file=filename, sheet=sheet))
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    values = [[_cell(c) for c in row] for row in worksheet.iter_rows(values_only=True)]
    if not values or not any(values[0]):
        raise UploadError(
            _(
                "%(file)s, sheet %(sheet)s: the first row must hold the column names.",
                file=filename,
                sheet=worksheet.title,
            )
        )
    headers = values[0]
    while headers and not headers[-1]:
        headers.pop()
    return Table(filename, worksheet.title, headers, _numbered_rows(headers, values[1:]))
