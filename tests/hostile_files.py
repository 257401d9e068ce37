"""Hostile (and large normal) upload files, written in memory by the tests and by
``bench/upload_memory.py``: nothing huge is committed.

XLSX workbooks are written as their XML parts straight into a zip archive, which takes well
under a second even for a million rows (openpyxl's writer would take minutes), and lets a test
write what no spreadsheet program writes: a DOCTYPE, a lying dimension, a zip bomb.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>"
)
SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{rels}</Relationships>"
)
SHEET_REL = (
    '<Relationship Id="rId{n}" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet{n}.xml"/>'
)
UTF8 = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SHEET_HEAD = (
    "{declaration}{doctype}"
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "{dimension}<sheetData>"
)
SHEET_TAIL = "</sheetData></worksheet>"


def column_letter(index: int) -> str:
    """A, B, …, Z, AA, … for a 0-based column index."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _row_xml(number: int, cells: Sequence[object]) -> str:
    parts = [f'<row r="{number}">']
    for position, value in enumerate(cells):
        ref = f"{column_letter(position)}{number}"
        if isinstance(value, int | float) and not isinstance(value, bool):
            parts.append(f'<c r="{ref}"><v>{value}</v></c>')
        elif value is not None and value != "":
            parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
    parts.append("</row>")
    return "".join(parts)


def xlsx(
    sheets: dict[str, Iterable[Sequence[object]]],
    *,
    doctype: str = "",
    dimension: str = "",
    declaration: str = UTF8,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A workbook whose sheets hold ``rows`` (numbers as numbers, the rest as inline text).

    ``doctype`` is written before the root element of every sheet, ``dimension`` (``A1:XFD1``)
    as the sheet's claimed size, ``declaration`` as each sheet's XML declaration.
    """
    buffer = io.BytesIO()
    names = list(sheets)
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        overrides = "".join(SHEET_TYPE.format(n=n) for n in range(1, len(names) + 1))
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(sheets=overrides))
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr(
            "xl/workbook.xml",
            WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"/>'
                    for n, name in enumerate(names, start=1)
                )
            ),
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            WORKBOOK_RELS.format(
                rels="".join(SHEET_REL.format(n=n) for n in range(1, len(names) + 1))
            ),
        )
        for n, name in enumerate(names, start=1):
            dim = f'<dimension ref="{dimension}"/>' if dimension else ""
            with archive.open(f"xl/worksheets/sheet{n}.xml", "w") as part:
                chunk: list[str] = [
                    SHEET_HEAD.format(declaration=declaration, doctype=doctype, dimension=dim)
                ]
                for number, cells in enumerate(sheets[name], start=1):
                    chunk.append(_row_xml(number, cells))
                    if len(chunk) >= 2000:
                        part.write("".join(chunk).encode())
                        chunk = []
                chunk.append(SHEET_TAIL)
                part.write("".join(chunk).encode())
    return buffer.getvalue()


def frame_rows(count: int, columns: int = 6) -> Iterable[list[object]]:
    """A header and ``count`` rows of a plausible sampling frame (id, name, e-mail, strata)."""
    extra = [f"stratum{n}" for n in range(columns - 4)]
    yield ["id", "navn", "epost", "kontaktperson", *extra]
    for n in range(1, count + 1):
        yield [
            n,
            f"NAV kontor {n}",
            f"kontor{n}@nav.example.no",
            f"Kari Nordmann {n}",
            *[f"verdi {n % 7}" for _ in extra],
        ]


def frame_csv(count: int, columns: int = 6, encoding: str = "utf-8") -> bytes:
    """The same frame as a semicolon-separated CSV file."""
    lines = [";".join(str(cell) for cell in row) for row in frame_rows(count, columns)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)
