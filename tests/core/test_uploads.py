"""Uploaded tables (frames, participant lists) are read within bounds, and every hostile file
gets a message naming its file, sheet, row and column instead of a 500 or a stalled worker."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from fieldkit.core import uploads
from fieldkit.core.uploads import UploadError, read_table
from tests.hostile_files import frame_csv, frame_rows, xlsx

BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


@pytest.fixture(autouse=True)
def _app(app):
    """Messages in bokmål, as the app says them."""
    return app


def test_a_normal_frame_reads_the_same_from_csv_and_xlsx():
    from_csv = read_table("utvalg.csv", frame_csv(3))
    from_xlsx = read_table("utvalg.xlsx", xlsx({"Utvalg": frame_rows(3)}))
    assert from_csv.headers == from_xlsx.headers == [
        "id", "navn", "epost", "kontaktperson", "stratum0", "stratum1"
    ]  # fmt: skip
    assert from_csv.rows == from_xlsx.rows
    assert from_csv.rows[2] == (
        4, ["3", "NAV kontor 3", "kontor3@nav.example.no", "Kari Nordmann 3", "verdi 3", "verdi 3"]
    )  # fmt: skip
    assert from_xlsx.where == "utvalg.xlsx, ark Utvalg"


def test_excel_unicode_text_utf16_with_bom_is_read():
    """Excel's "Unicode text" (.txt): UTF-16 little-endian with BOM, tab-separated."""
    text = "Nr\tNavn\tFylke\r\n1\tNAV Tromsø\tTroms\r\n2\tNAV Sør-Varanger\tFinnmark\r\n"
    table = read_table("utvalg.txt", text.encode("utf-16"))
    assert table.encoding == "utf-16" and table.delimiter == "\t"
    assert table.headers == ["Nr", "Navn", "Fylke"]
    assert table.rows == [
        (2, ["1", "NAV Tromsø", "Troms"]),
        (3, ["2", "NAV Sør-Varanger", "Finnmark"]),
    ]
    # Without BOM, in either byte order, it is recognised by its NUL bytes.
    for encoding in ("utf-16-le", "utf-16-be"):
        assert read_table("utvalg.csv", text.encode(encoding)).rows == table.rows


def test_rows_beyond_the_limit_are_refused_at_the_first_one_too_many():
    content = frame_csv(60)
    with pytest.raises(UploadError) as refused:
        read_table("utvalg.csv", content, max_rows=50)
    assert str(refused.value) == (
        "utvalg.csv: tabellen har mer enn 50 rader (rad 52 er én for mye). "
        "Del den opp i mindre filer."
    )
    with pytest.raises(UploadError) as refused:
        read_table("utvalg.xlsx", xlsx({"Ark1": frame_rows(60)}), max_rows=50)
    assert str(refused.value).startswith(
        "utvalg.xlsx, ark Ark1: tabellen har mer enn 50 rader (rad 52"
    )
    assert len(read_table("utvalg.csv", content, max_rows=60).rows) == 60


def test_empty_rows_do_not_count_and_a_lying_dimension_is_not_believed():
    rows = list(frame_rows(3))
    rows[2:2] = [[], [None, None]] * 20
    table = read_table("utvalg.xlsx", xlsx({"Ark1": rows}, dimension="A1:XFD1048576"), max_rows=3)
    assert [number for number, _cells in table.rows] == [2, 43, 44]
    assert all(len(cells) == 6 for _number, cells in table.rows)


def test_a_long_cell_is_refused_by_row_and_column():
    long = "x" * 32_768
    with pytest.raises(UploadError) as refused:
        read_table("utvalg.csv", f"id;navn\n1;Alta\n2;{long}\n".encode())
    assert str(refused.value) == ("utvalg.csv, rad 3, kolonne navn: cellen har mer enn 32767 tegn.")
    with pytest.raises(UploadError) as refused:
        read_table("utvalg.xlsx", xlsx({"Kontorer": [["id", "navn"], [1, long]]}))
    assert str(refused.value) == (
        "utvalg.xlsx, ark Kontorer, rad 2, kolonne navn: cellen har mer enn 32767 tegn."
    )
    assert read_table("utvalg.csv", f"id;navn\n1;{long[1:]}\n".encode()).rows[0][1][1] == long[1:]


def test_a_csv_field_over_the_csv_modules_128_kb_limit_is_a_message_not_a_500():
    content = b"id;navn\n1;Alta\n2;" + b"y" * (200 * 1024) + b"\n"
    with pytest.raises(UploadError) as refused:
        read_table("utvalg.csv", content)
    assert str(refused.value) == "utvalg.csv, rad 3: en celle har mer enn 32767 tegn."


def test_an_endless_csv_row_is_refused_before_it_is_split_into_cells():
    content = b"id;navn\n1;Alta\n" + b"ab;" * 400_000 + b"\n"
    with pytest.raises(UploadError) as refused:
        read_table("utvalg.csv", content)
    assert str(refused.value) == "utvalg.csv, rad 3: raden er lengre enn 1000000 tegn."


def test_too_many_columns_or_cells_are_refused(monkeypatch):
    wide = ";".join(f"k{n}" for n in range(201)).encode() + b"\n"
    with pytest.raises(UploadError) as refused:
        read_table("utvalg.csv", wide)
    assert str(refused.value) == "utvalg.csv: tabellen har mer enn 200 kolonner."
    with pytest.raises(UploadError, match="tabellen har mer enn 200 kolonner"):
        read_table("utvalg.xlsx", xlsx({"Ark1": [[f"k{n}" for n in range(300)]]}))
    monkeypatch.setattr(uploads, "MAX_CELLS", 60)
    with pytest.raises(UploadError) as refused:
        read_table("utvalg.csv", frame_csv(11))  # 6 columns: the 11th row is cell 61-66
    assert str(refused.value) == (
        "utvalg.csv: tabellen har mer enn 60 celler (rader × kolonner; rad 12 er én for mye). "
        "Fjern kolonner du ikke trenger, eller del den opp."
    )


def test_nul_bytes_and_broken_quotes_are_messages():
    with pytest.raises(UploadError) as refused:
        read_table("utvalg.csv", b"id;navn\n1;Al\x00ta\n" + b"x" * 5000)
    assert str(refused.value) == (
        "utvalg.csv: filen inneholder NUL-tegn; den er ikke en tekstfil (CSV)."
    )


def test_an_xlsx_with_a_doctype_is_refused_before_any_xml_parser_reads_it(monkeypatch):
    def no_parsing(*args, **kwargs):
        raise AssertionError("openpyxl must not open a workbook with a DOCTYPE")

    monkeypatch.setattr(openpyxl, "load_workbook", no_parsing)
    content = xlsx({"Ark1": [["id"], ["&lol3;"]]}, doctype=BILLION_LAUGHS)
    with pytest.raises(UploadError) as refused:
        read_table("utvalg.xlsx", content)
    assert str(refused.value) == (
        "utvalg.xlsx: delen xl/worksheets/sheet1.xml har en DOCTYPE, noe Excel aldri skriver; "
        "filen avvises. Lagre den på nytt fra Excel."
    )
    # Hidden after a comment, or behind a declared UTF-16 (or UTF-7) encoding: refused too.
    hidden = xlsx({"Ark1": [["id"]]}, doctype="<!-- Excel -->\n" + BILLION_LAUGHS)
    with pytest.raises(UploadError, match="har en DOCTYPE"):
        read_table("utvalg.xlsx", hidden)
    utf7 = xlsx({"Ark1": [["id"]]}, declaration='<?xml version="1.0" encoding="UTF-7"?>')
    with pytest.raises(UploadError, match="er ikke XML slik Excel skriver det"):
        uploads.check_xlsx_archive("utvalg.xlsx", utf7)


def test_a_zip_bomb_is_refused_from_the_archive_directory(monkeypatch):
    """A 200 MB cell packs to 200 KB; the archive's directory says how large it unpacks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "<sst>" + "A" * (3 * 1024 * 1024) + "</sst>")
    monkeypatch.setattr(uploads, "MAX_XLSX_UNPACKED", 2 * 1024 * 1024)
    with pytest.raises(UploadError) as refused:
        read_table("utvalg.xlsx", buffer.getvalue())
    assert len(buffer.getvalue()) < 20_000
    assert str(refused.value).startswith("utvalg.xlsx pakkes ut til 3 MB; høyst 2 MB leses.")
    with pytest.raises(UploadError, match="er ikke en lesbar XLSX-arbeidsbok"):
        read_table("utvalg.xlsx", b"PK\x03\x04 not really a zip")


def test_openpyxl_parses_with_defusedxml():
    """A declared dependency, so openpyxl's own XML parsing refuses entities as well."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True
