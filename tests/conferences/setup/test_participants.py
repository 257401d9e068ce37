"""Importing a participant list (CSV or XLSX, read by the one upload reader): every message names
the file, the sheet and the row as the spreadsheet numbers it, and a bad file adds no one."""

import io

import openpyxl
import pytest

from fieldkit.conferences.models import Participant
from fieldkit.conferences.setup import operations
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db


def workbook(*rows) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "Deltakere"
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_list_is_read_from_its_first_sheet(conference):
    content = workbook(["Navn", "Kategori", "Kommune", "E-post"], ["Eva", "Aetat", "Bergen", ""])
    added = operations.import_participants(conference, "deltakere.xlsx", content)
    assert [(p.name, p.category.name, p.kommune, p.email) for p in added] == [
        ("Eva", "Aetat", "Bergen", "")
    ]


def test_messages_name_the_sheet_and_the_row_the_spreadsheet_shows(conference):
    content = workbook(
        ["Navn", "Kommune", "E-post"],
        ["Eva", "Bergen", "eva@example.no"],
        [None, None, None],  # an empty row keeps the numbering of the rows after it
        ["", "Bergen", "x@example.no"],
        ["Tor", "Bergen", "ikke-epost"],
    )
    with pytest.raises(OperationError) as info:
        operations.import_participants(conference, "deltakere.xlsx", content)
    assert str(info.value) == (
        "deltakere.xlsx, ark Deltakere, rad 4: navnet er tomt. "
        "deltakere.xlsx, ark Deltakere, rad 5, e-post: ikke-epost er ikke en e-postadresse."
    )
    assert db.session.query(Participant).count() == 0


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        (
            "liste.csv",
            b"fornavn;kommune\nOla;Bergen\n",
            "liste.csv, rad 1: ingen kolonne heter navn.",
        ),
        ("liste.pdf", b"%PDF-1.4", "liste.pdf: bruk en .csv- eller .xlsx-fil."),
    ],
)
def test_a_list_without_names_or_of_another_kind_is_refused(conference, filename, content, message):
    with pytest.raises(OperationError) as info:
        operations.import_participants(conference, filename, content)
    assert str(info.value) == message
    assert db.session.query(Participant).count() == 0


def test_a_cell_longer_than_its_field_is_refused_by_row_and_column(conference):
    """PostgreSQL refuses a name over 200 characters with a server error; the list is refused
    with the row and column instead, and nobody is added (on every database)."""
    content = workbook(
        ["Navn", "Organisasjon", "Kommune"],
        ["Eva", "NAV", "Bergen"],
        ["N" * 201, "NAV", "K" * 101],
    )
    with pytest.raises(OperationError) as info:
        operations.import_participants(conference, "deltakere.xlsx", content)
    assert str(info.value) == (
        "deltakere.xlsx, ark Deltakere, rad 3, Navn: lengre enn 200 tegn (201). "
        "deltakere.xlsx, ark Deltakere, rad 3, Kommune: lengre enn 100 tegn (101)."
    )
    assert db.session.query(Participant).count() == 0
