"""Workbooks for the XLSForm tests: the authored staff form, and small ones made from rows."""

import io

import openpyxl
from pyxform.xls2xform import convert

from tests.paths import FIXTURES

STAFF_XLSFORM = FIXTURES / "ansatteskjema_xlsform.xlsx"
NATIVE = ["ansatteskjema_storbysatsingen.yaml", "deltakerskjema_storbysatsingen.yaml"]

#: The survey header and the choices sheet of the small workbooks.
HEADER = ["type", "name", "label::nb", "relevant", "constraint", "appearance", "repeat_count"]
CHOICES = [["list_name", "name", "label::nb"], ["jn", "ja", "Ja"], ["jn", "annet", "Annet"]]


def workbook(survey, choices=None, settings=None) -> bytes:
    """An .xlsx from lists of rows (the first row of each sheet is its header)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    if choices is not None:
        sheet = book.create_sheet("choices")
        for row in choices:
            sheet.append(row)
    sheet = book.create_sheet("settings")
    for row in settings or [["form_title", "default_language"], ["Skjema", "nb"]]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_rows(content: bytes, name: str) -> list[dict]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows = list(book[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def pyxform_accepts(content: bytes) -> str:
    """The XForm pyxform makes of ``content`` (it raises on a form it refuses)."""
    return convert(content, file_type=".xlsx").xform
