"""The one writer of cells for every CSV and XLSX the app makes.

A text cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is
taken by Excel, LibreOffice and Google Sheets as a formula, and a respondent's or referent's
answer such as ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` would then run on the analyst's
machine. As OWASP recommends ("CSV Injection"), such text gets a single quote in front, so it is
shown as the text it is. Numbers stay numbers (also a negative number, and text that is nothing
but a number, as in tables of formatted figures: no formula can hide in it). Text is also
cleaned of what XML cannot hold (``text.xml_safe``), so one pasted control character never
makes an export fail. Every export writes its rows through ``cell`` (``csv_writer``,
``append``), never through ``csv.writer`` or ``sheet.append`` directly.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from typing import Any

from fieldkit.core.text import xml_safe

#: What makes a spreadsheet read a text cell as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Text that is a plain number (a sign, digits, one decimal point or comma, an exponent).
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def neutralise(text: str) -> str:
    """``text`` with a ``'`` in front when a spreadsheet would read it as a formula."""
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def cell(value: Any) -> Any:
    """``value`` as it may go into a CSV or XLSX cell: text XML-safe and neutralised, every
    other value (numbers, booleans, dates, None) as it is."""
    if isinstance(value, str):
        return neutralise(xml_safe(value))
    return value


class CsvWriter:
    """``csv.writer`` whose every value goes through ``cell`` (then ``format``, if given)."""

    def __init__(self, handle: Any, *, format: Callable[[Any], Any] | None = None, **options):
        self._writer = csv.writer(handle, **options)
        self._format = format

    def _row(self, row: Iterable[Any]) -> list[Any]:
        if self._format is None:
            return [cell(value) for value in row]
        return [self._format(cell(value)) for value in row]

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(self._row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        self._writer.writerows(self._row(row) for row in rows)


def csv_writer(handle: Any, *, format: Callable[[Any], Any] | None = None, **options) -> CsvWriter:
    """A CSV writer on ``handle`` (``csv.writer`` options) that writes every value safely."""
    return CsvWriter(handle, format=format, **options)


def append(sheet: Any, row: Iterable[Any]) -> None:
    """Append ``row`` to an openpyxl worksheet (normal or write-only), every value safely."""
    sheet.append([cell(value) for value in row])


def append_literal(sheet: Any, row: Iterable[Any]) -> None:
    """Append ``row`` to a normal openpyxl worksheet for a file that programs read back
    (an XLSForm questionnaire), where a quote would change the text: text is XML-safe and
    stored as text, never as a formula, and marked quote-prefixed so that a spreadsheet keeps
    it text when someone edits the cell."""
    values = [xml_safe(value) if isinstance(value, str) else value for value in row]
    sheet.append(values)
    for target, value in zip(sheet[sheet.max_row], values, strict=False):
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            target.data_type = "s"
            target.quotePrefix = True
