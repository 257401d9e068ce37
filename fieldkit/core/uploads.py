"""Tables uploaded as CSV or XLSX files: one reader for every feature (sampling frames,
participant lists).

CSV files may be UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text", with BOM) or
Windows-1252, separated by semicolons, commas or tabs (Excel in Norway writes semicolons). Rows
are numbered as the spreadsheet numbers them, so that a message can name the row a person
sees; empty rows are dropped.

Every file is read within a memory budget (measured in ``bench/upload_memory.py``): at most
``MAX_ROWS`` rows, ``MAX_COLUMNS`` columns, ``MAX_CELLS`` cells and ``MAX_CELL_CHARS``
characters in a cell. Reading stops at the first bound crossed, before the rest of the file is
parsed. An XLSX file is a zip archive of XML parts: its sizes are checked from the archive's
directory before anything is unpacked (zip bombs), and a part that declares a DOCTYPE (entity
expansion, external entities) is refused before an XML parser sees it.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from fieldkit.core.operations import OperationError

CSV_SUFFIXES = (".csv", ".txt", ".tsv")

#: Data rows in one table (a frame of every NAV user in a county is smaller).
MAX_ROWS = 100_000
#: Columns in one table.
MAX_COLUMNS = 200
#: Rows × columns: what bounds the memory of the cells held (about 60 bytes each).
MAX_CELLS = 2_000_000
#: Characters in one cell: Excel's own limit.
MAX_CELL_CHARS = 32_767
#: Characters in one line (record) of a CSV file, so that one endless row is refused before the
#: csv module splits it into millions of cells.
MAX_RECORD_CHARS = 1_000_000
#: Parts in an XLSX archive, and their size unpacked (the archive's directory says it, and
#: Python's zipfile never unpacks more than the directory says).
MAX_XLSX_PARTS = 1_000
MAX_XLSX_UNPACKED = 100 * 1024 * 1024
#: How far into an XML part its root element must begin (the prolog is checked up to there).
XML_PROLOG_BYTES = 64 * 1024


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
        return _where(self.filename, self.sheet)


def _where(filename: str, sheet: str | None) -> str:
    if sheet is None:
        return filename
    return _("%(file)s, sheet %(sheet)s", file=filename, sheet=sheet)


def read_table(
    filename: str, content: bytes, sheet: str | None = None, *, max_rows: int | None = None
) -> Table:
    """The table in a CSV or XLSX file; ``sheet`` picks an XLSX sheet (default: the first).

    Raises ``UploadError`` naming the file, sheet, row and column of the first problem; at
    most ``max_rows`` rows (default ``MAX_ROWS``) are accepted."""
    max_rows = max_rows or MAX_ROWS
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        return _read_xlsx(filename, content, sheet, max_rows)
    if lower.endswith(CSV_SUFFIXES):
        return _read_csv(filename, content, max_rows)
    raise UploadError(_("%(file)s: use a .csv or .xlsx file.", file=filename or "?"))


def check_upload(filename: str, content: bytes) -> None:
    """The checks of ``read_table`` that cost nothing, for a request to make before it hands
    the reading itself to a background job: the kind of file and, for XLSX, the archive."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        check_xlsx_archive(filename, content)
    elif not lower.endswith(CSV_SUFFIXES):
        raise UploadError(_("%(file)s: use a .csv or .xlsx file.", file=filename or "?"))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Bounds:
    """The running count of one table's rows and cells, refusing the first that is too many."""

    def __init__(self, where: str, headers: list[str], max_rows: int):
        self.where = where
        self.headers = headers
        self.max_rows = max_rows
        self.rows: list[tuple[int, list[str]]] = []
        if len(headers) > MAX_COLUMNS:
            raise UploadError(
                _(
                    "%(where)s: the table has more than %(max)d columns.",
                    where=where,
                    max=MAX_COLUMNS,
                )
            )
        self.check_cells(1, headers)

    def check_cells(self, number: int, cells: list[str]) -> None:
        for position, cell in enumerate(cells):
            if len(cell) > MAX_CELL_CHARS:
                column = self.headers[position] if position < len(self.headers) else ""
                raise UploadError(
                    _(
                        "%(where)s, row %(row)d, column %(column)s: the cell has more than "
                        "%(max)d characters.",
                        where=self.where,
                        row=number,
                        column=column or position + 1,
                        max=MAX_CELL_CHARS,
                    )
                )

    def add(self, number: int, row: list[str]) -> None:
        """Keep ``row`` (cut or padded to the headers) unless it is empty."""
        width = len(self.headers)
        cells = row[:width] + [""] * (width - len(row))
        if not any(cells):
            return
        self.check_cells(number, cells)
        if len(self.rows) >= self.max_rows:
            raise UploadError(
                _(
                    "%(where)s: the table has more than %(max)d rows (row %(row)d is one too "
                    "many). Split it into smaller files.",
                    where=self.where,
                    max=self.max_rows,
                    row=number,
                )
            )
        if (len(self.rows) + 1) * width > MAX_CELLS:
            raise UploadError(
                _(
                    "%(where)s: the table has more than %(max)d cells (rows × columns; row "
                    "%(row)d is one too many). Remove columns you do not need, or split it.",
                    where=self.where,
                    max=MAX_CELLS,
                    row=number,
                )
            )
        self.rows.append((number, cells))


# --- CSV ---------------------------------------------------------------------------------------

_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _decode(filename: str, content: bytes) -> tuple[str, str]:
    """The text of a CSV file and its encoding: UTF-16 or UTF-32 by BOM, UTF-16 without BOM
    (every other byte NUL), else UTF-8 (BOM or not), else Windows-1252."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            candidates: tuple[str, ...] = (encoding,)
            break
    else:
        head = content[:4096]
        if head.count(0) > len(head) // 4:
            even_nuls = head[0::2].count(0)
            odd_nuls = head[1::2].count(0)
            candidates = ("utf-16-be",) if even_nuls > odd_nuls else ("utf-16-le",)
        else:
            candidates = ("utf-8-sig", "cp1252")
    for encoding in candidates:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-16-be" or encoding == "utf-16-le":
            encoding = "utf-16"
        return text.lstrip("\ufeff"), encoding
    raise UploadError(_("%(file)s: the file's character encoding is unknown.", file=filename))


class _RecordTooLong(Exception):
    pass


_LINE_END = re.compile(r"\r\n|\r|\n")


def _read_csv(filename: str, content: bytes, max_rows: int) -> Table:
    text, encoding = _decode(filename, content)
    if "\x00" in text:
        raise UploadError(
            _(
                "%(file)s: the file holds NUL characters; it is not a text (CSV) file.",
                file=filename,
            )  # fmt: skip
        )
    end = text.find("\n", 0, MAX_RECORD_CHARS)
    first_line = text[: end if end >= 0 else MAX_RECORD_CHARS]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    record_chars = 0

    def lines() -> Iterator[str]:
        nonlocal record_chars
        # Slices of the text, line by line (as a file opened with newline=""): no copy of the
        # whole text, which io.StringIO would make at four bytes a character.
        start = 0
        for match in _LINE_END.finditer(text):
            line = text[start : match.end()]
            start = match.end()
            record_chars += len(line)
            if record_chars > MAX_RECORD_CHARS:
                raise _RecordTooLong
            yield line
        if start < len(text):
            line = text[start:]
            record_chars += len(line)
            if record_chars > MAX_RECORD_CHARS:
                raise _RecordTooLong
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    number = 1
    bounds = None
    try:
        for row in reader:
            record_chars = 0
            cells = [c.strip() for c in row]
            if bounds is None:
                if not any(cells):
                    break
                bounds = _Bounds(filename, cells, max_rows)
            else:
                bounds.add(number, cells)
            number += 1
    except _RecordTooLong:
        raise UploadError(
            _(
                "%(file)s, row %(row)d: the row is longer than %(max)d characters.",
                file=filename,
                row=number,
                max=MAX_RECORD_CHARS,
            )
        ) from None
    except csv.Error as exc:
        # A field over the csv module's limit (128 KB), or a broken quote at the end.
        message = str(exc)
        if "field limit" in message:
            raise UploadError(
                _(
                    "%(where)s, row %(row)d: a cell has more than %(max)d characters.",
                    where=filename,
                    row=number,
                    max=MAX_CELL_CHARS,
                )
            ) from None
        raise UploadError(
            _(
                "%(file)s, row %(row)d: the row cannot be read as CSV (%(reason)s).",
                file=filename,
                row=number,
                reason=message,
            )  # fmt: skip
        ) from None
    if bounds is None:
        raise UploadError(_("%(file)s: the first row must hold the column names.", file=filename))
    return Table(filename, None, bounds.headers, bounds.rows, encoding, delimiter)


# --- XLSX --------------------------------------------------------------------------------------

_DECLARED_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _prolog_problem(head: bytes) -> str | None:
    """Why an XML part's beginning is refused (a DOCTYPE, an encoding other than UTF-8, no
    root element within the bytes read), or None."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:4]:
        return "encoding"
    position = 0
    while True:
        while position < len(head) and head[position : position + 1] in b" \t\r\n":
            position += 1
        rest = head[position:]
        if rest.startswith(b"<?"):
            end = rest.find(b"?>")
            if end < 0:
                return "prolog"
            declaration = rest[: end + 2]
            found = _DECLARED_ENCODING.search(declaration)
            if found and found.group(1).lower() not in (b"utf-8", b"utf8"):
                return "encoding"
            position += end + 2
        elif rest.startswith(b"<!--"):
            end = rest.find(b"-->")
            if end < 0:
                return "prolog"
            position += end + 3
        elif rest.startswith(b"<!"):
            return "doctype"
        elif rest[:1] == b"<" and len(rest) > 1:
            return None  # the root element: no DOCTYPE can follow it
        else:
            return "prolog"


def check_xlsx_archive(filename: str, content: bytes, max_unpacked: int | None = None) -> None:
    """Refuse an XLSX file whose archive is not a zip, unpacks to more than ``max_unpacked``
    bytes, or has an XML part with a DOCTYPE (or in an encoding other than UTF-8): before any
    XML parser (openpyxl's, pyxform's) reads it (``max_unpacked`` defaults to
    ``MAX_XLSX_UNPACKED``)."""
    max_unpacked = max_unpacked or MAX_XLSX_UNPACKED
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadError(_("%(file)s is not a readable XLSX workbook.", file=filename)) from None
    with archive:
        parts = archive.infolist()
        unpacked = sum(part.file_size for part in parts)
        if len(parts) > MAX_XLSX_PARTS or unpacked > max_unpacked:
            raise UploadError(
                _(
                    "%(file)s unpacks to %(mb)d MB; at most %(max)d MB are read. Remove "
                    "what the table does not need (other sheets, pictures, formatting) or "
                    "split it.",
                    file=filename,
                    mb=unpacked // 1024 // 1024,
                    max=max_unpacked // 1024 // 1024,
                )
            )
        for part in parts:
            if part.is_dir() or not part.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            try:
                with archive.open(part) as stream:
                    head = stream.read(XML_PROLOG_BYTES)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
                raise UploadError(
                    _("%(file)s is not a readable XLSX workbook.", file=filename)
                ) from None
            problem = _prolog_problem(head)
            if problem == "doctype":
                raise UploadError(
                    _(
                        "%(file)s: the part %(part)s declares a DOCTYPE, which Excel never "
                        "writes; the file is refused. Save it again from Excel.",
                        file=filename,
                        part=part.filename,
                    )
                )
            if problem is not None:
                raise UploadError(
                    _(
                        "%(file)s: the part %(part)s is not XML as Excel writes it; the file is "
                        "refused. Save it again from Excel.",
                        file=filename,
                        part=part.filename,
                    )
                )


def _read_xlsx(filename: str, content: bytes, sheet: str | None, max_rows: int) -> Table:
    import openpyxl

    check_xlsx_archive(filename, content)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook gets the same message
        raise UploadError(_("%(file)s is not a readable XLSX workbook.", file=filename)) from exc
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise UploadError(_("%(file)s has no sheet %(sheet)s.", file=filename, sheet=sheet))
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        where = _where(filename, worksheet.title)
        # The sheet's own claim of its size is not believed: a row is as wide as its cells.
        worksheet.reset_dimensions()
        bounds = None
        try:
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                if bounds is None:
                    headers = [_cell(c) for c in values[: MAX_COLUMNS + 1]]
                    while headers and not headers[-1]:
                        headers.pop()
                    if not headers:
                        break
                    bounds = _Bounds(where, headers, max_rows)
                elif any(v is not None and v != "" for v in values[: len(bounds.headers)]):
                    bounds.add(number, [_cell(c) for c in values[: len(bounds.headers)]])
        except UploadError:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken sheet part, found while reading
            raise UploadError(
                _("%(file)s is not a readable XLSX workbook.", file=filename)
            ) from exc
        if bounds is None:
            raise UploadError(
                _(
                    "%(file)s, sheet %(sheet)s: the first row must hold the column names.",
                    file=filename,
                    sheet=worksheet.title,
                )
            )
        return Table(filename, worksheet.title, bounds.headers, bounds.rows)
    finally:
        workbook.close()
