"""Sampling frame import: mapping, validation report, preview, idempotent import."""

from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

from fieldkit.core import uploads
from fieldkit.core.models import AuditEvent
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import frame
from fieldkit.surveys.models import Case
from tests.surveys.fieldwork.conftest import FIXTURES, OFFICES


def count_cases(survey) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Case).where(Case.survey_id == survey.id)
    )


def test_the_160_office_frame_imports_with_the_exact_report(make_survey):
    survey = make_survey()
    table = uploads.read_table(OFFICES.name, OFFICES.read_bytes())
    assert table.delimiter == "," and table.encoding == "utf-8-sig"
    mapping = frame.default_mapping(table.headers)
    assert mapping == {
        "kontornr": "id",
        "navn": "name",
        "e-post": "email",
        "kontaktperson": "contact_person",
        "etat": "stratum",
        "fylke": "stratum",
        "kommune": "stratum",
        "kommunestørrelse": "stratum",
        "antall ansatte": "stratum",
    }
    preview = frame.preview(survey, table)
    assert preview.issues == []
    assert (len(preview.new), len(preview.changed), preview.unchanged) == (160, 0, 0)
    assert count_cases(survey) == 0  # a preview stores nothing
    frame.import_frame(survey, table)
    db.session.commit()
    assert count_cases(survey) == 160
    aetat = db.session.scalars(
        sa.select(Case).where(Case.survey_id == survey.id, Case.external_id == "A001")
    ).one()
    assert aetat.name == "Aetat Halden"
    assert aetat.email == "aetat.halden@aetat.no"
    assert aetat.strata == {
        "etat": "Aetat",
        "fylke": "Østfold",
        "kommune": "Halden",
        "kommunestørrelse": "over 50 000",
        "antall ansatte": aetat.strata["antall ansatte"],
    }
    etats = db.session.scalars(sa.select(Case.strata).where(Case.survey_id == survey.id))
    by_etat: dict[str, int] = {}
    for strata in etats:
        by_etat[strata["etat"]] = by_etat.get(strata["etat"], 0) + 1
    assert by_etat == {"sosialtjeneste": 100, "Aetat": 60}
    assert preview.report_lines()[0] == "160 rader: 160 nye, 0 endret, 0 uendret."


def test_importing_the_same_file_twice_changes_nothing(office_survey):
    before = {c.external_id: (c.id, c.link_hash) for c in db.session.scalars(sa.select(Case))}
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    table = uploads.read_table(OFFICES.name, OFFICES.read_bytes())
    result = frame.import_frame(office_survey, table)
    db.session.commit()
    assert (len(result.new), len(result.changed), result.unchanged) == (0, 0, 160)
    after = {c.external_id: (c.id, c.link_hash) for c in db.session.scalars(sa.select(Case))}
    assert after == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events


def test_a_changed_row_is_updated_and_reported(office_survey):
    content = OFFICES.read_text(encoding="utf-8").replace(
        "aetat.halden@aetat.no", "post.halden@aetat.no"
    )
    table = uploads.read_table("ny.csv", content.encode())
    result = frame.import_frame(office_survey, table)
    db.session.commit()
    assert (len(result.new), len(result.changed), result.unchanged) == (0, 1, 159)
    row, changes = result.changed[0]
    assert row.external_id == "A001"
    assert changes == {"email": ("aetat.halden@aetat.no", "post.halden@aetat.no")}
    assert "Endret: A001 (email)" in result.report_lines()


def test_a_broken_windows_1252_frame_is_reported_by_row_and_stores_nothing(make_survey):
    survey = make_survey()
    path = FIXTURES / "frame_broken_cp1252.csv"
    table = uploads.read_table(path.name, path.read_bytes())
    assert table.encoding == "cp1252" and table.delimiter == ";"
    preview = frame.preview(survey, table)
    found = [(i.severity, i.row, i.column, i.message) for i in preview.issues]
    assert found == [
        ("error", 3, "E-post", "frogner(at)nav.no er ikke en e-postadresse."),
        ("error", 4, "Nr", "Id-en 101 står også på rad 2."),
        ("error", 5, "Nr", "Id-en er tom."),
        ("warning", 6, "E-post", "E-postadressen grunerlokka@nav.no står også på rad 2."),
    ]
    assert preview.issues[0].where(table) == "frame_broken_cp1252.csv, rad 3, kolonne E-post"
    assert preview.rows[0].name == "NAV Grünerløkka"
    assert preview.rows[0].contact_person == "Åse Bråten"
    with pytest.raises(OperationError, match="3 feil; ingenting ble importert"):
        frame.import_frame(survey, table)
    db.session.rollback()
    assert count_cases(survey) == 0


def test_a_cell_longer_than_its_field_is_an_error_of_its_row_and_column(make_survey):
    """A case's name holds 300 characters, its id 100: longer is an error of the row (on
    PostgreSQL it was a server error at the import), and nothing is imported."""
    survey = make_survey()
    content = f"Nr;Navn;E-post\n1;NAV Bodø;bodo@nav.no\n{'9' * 101};{'N' * 301};x@nav.no\n"
    table = uploads.read_table("utvalg.csv", content.encode())
    preview = frame.preview(survey, table)
    found = [(i.severity, i.row, i.column, i.message) for i in preview.issues]
    assert found == [
        ("error", 3, "Nr", "Lengre enn 100 tegn (101)."),
        ("error", 3, "Navn", "Lengre enn 300 tegn (301)."),
    ]
    with pytest.raises(OperationError, match="2 feil; ingenting ble importert"):
        frame.import_frame(survey, table)
    db.session.rollback()
    assert count_cases(survey) == 0


def test_xlsx_frames_report_sheet_and_row(make_survey):
    survey = make_survey()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Utvalg"
    sheet.append(["ID", "Enhet", "Email", "Fylke"])
    sheet.append([1, "NAV Bodø", "bodo@nav.no", "Nordland"])
    sheet.append([2, "NAV Narvik", "narvik@", "Nordland"])
    sheet.append([3, "NAV Rana", None, "Nordland"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = uploads.read_table("utvalg.xlsx", buffer.getvalue())
    preview = frame.preview(survey, table)
    assert [i.where(table) for i in preview.errors] == [
        "utvalg.xlsx, ark Utvalg, rad 3, kolonne Email"
    ]
    assert [r.external_id for r in preview.rows] == ["1", "2", "3"]
    assert preview.rows[2].email is None  # no address: paper or phone
    fixed = frame.preview(survey, table, {**preview.mapping, "Email": "ignore"})
    assert fixed.errors == [] and len(fixed.new) == 3
    frame.import_frame(survey, table, {**preview.mapping, "Email": "ignore"})
    db.session.commit()
    assert count_cases(survey) == 3


def test_a_frame_without_an_id_column_is_refused(make_survey):
    survey = make_survey()
    table = uploads.read_table("x.csv", b"Navn,Fylke\nNAV Alta,Finnmark\n")
    preview = frame.preview(survey, table)
    assert [i.message for i in preview.errors] == ["Velg kolonnen som har hver enhets id."]
    with pytest.raises(uploads.UploadError, match="bruk en .csv- eller .xlsx-fil"):
        uploads.read_table("x.pdf", b"%PDF")


def test_uploads_wait_for_confirmation_and_stale_ones_are_removed(app, make_survey, make_project):
    import os
    import time

    survey = make_survey()
    old = frame.store_upload(survey, "gammel.csv", b"id\n1\n")
    folder = frame._upload_folder()
    day_ago = time.time() - 25 * 3600
    for suffix in (".bin", ".name"):
        os.utime(folder / f"{old}{suffix}", (day_ago, day_ago))
    token = frame.store_upload(survey, "utvalg.csv", OFFICES.read_bytes())
    assert frame.load_upload(survey, token) == ("utvalg.csv", OFFICES.read_bytes())
    with pytest.raises(frame.FrameError):
        frame.load_upload(survey, old)
    other = make_survey(make_project("annet", "Annet prosjekt"))
    with pytest.raises(frame.FrameError):  # another survey's upload is not reachable
        frame.load_upload(other, token)
    frame.discard_upload(token)
    with pytest.raises(frame.FrameError):
        frame.load_upload(survey, token)
