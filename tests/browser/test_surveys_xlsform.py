"""A researcher imports an XLSForm in the browser: a broken workbook is refused with its place
and creates nothing; the good one becomes a questionnaire that downloads again as XLSForm."""

import io
from pathlib import Path

import openpyxl
import sqlalchemy as sa

from fieldkit.extensions import db
from fieldkit.surveys.models import Questionnaire
from fieldkit.surveys.questionnaires.xlsform import read_xlsform
from tests.browser.conftest import axe_violations, log_in, shot
from tests.conftest import PASSWORD
from tests.paths import FIXTURES

STAFF_XLSFORM = FIXTURES / "ansatteskjema_xlsform.xlsx"


def broken_copy(target: Path) -> Path:
    """The staff XLSForm with a ``calculate`` row slipped in as spreadsheet row 8."""
    book = openpyxl.load_workbook(STAFF_XLSFORM)
    survey = book["survey"]
    survey.insert_rows(8)
    survey["A8"] = "calculate"
    survey["B8"] = "sum"
    out = io.BytesIO()
    book.save(out)
    target.write_bytes(out.getvalue())
    return target


def questionnaire_count() -> int:
    db.session.remove()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Questionnaire))


def test_import_an_xlsform_in_the_browser(page, make_user, make_project, tmp_path):
    kari = make_user("kari@example.no", "Kari Nordmann")
    make_project("storby", "Storbysatsingen", members=[kari])
    db.session.commit()
    log_in(page, "kari@example.no", PASSWORD)

    page.goto("/p/storby/questionnaires/import")
    page.get_by_label("Fil med spørreskjema").set_input_files(
        broken_copy(tmp_path / "ansatteskjema.xlsx")
    )
    page.get_by_role("button", name="Importer").click()
    message = "ansatteskjema.xlsx, ark «survey», rad 8, kolonne «type»: «calculate» støttes ikke"
    assert message in page.locator("main").inner_text()
    shot(page, "surveys-xlsform-import-refused")
    assert axe_violations(page) == []
    assert questionnaire_count() == 0

    page.get_by_label("Fil med spørreskjema").set_input_files(STAFF_XLSFORM)
    page.get_by_role("button", name="Importer").click()
    page.wait_for_url("**/questionnaires/*/")
    main = page.locator("main").inner_text()
    assert "Spørreskjema til NAV-kontorene om Storbysatsingen" in main
    assert "Hvilke tiltak har deltakerne brukt, og hvem har finansiert dem?" in main
    shot(page, "surveys-xlsform-imported")
    assert questionnaire_count() == 1

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Last ned XLSForm").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-v1.xlsx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert read_xlsform(target.read_bytes()) == read_xlsform(STAFF_XLSFORM.read_bytes())


def test_on_the_embedded_default_the_import_waits_for_its_job_then_goes_on(
    page, app, make_user, make_project, tmp_path, monkeypatch
):
    """Without Redis a thread of the app parses the file: the page shows the reading, then the
    form again with the refusal, or the new questionnaire."""
    import threading

    from fieldkit.core import jobs
    from fieldkit.surveys.questionnaires import operations

    app.config["JOBS_MODE"] = "thread"  # the default without Redis (the suite runs inline)
    kari = make_user("kari@example.no", "Kari Nordmann")
    make_project("storby", "Storbysatsingen", members=[kari])
    db.session.commit()
    gate = threading.Event()
    real_parse = operations.parse_upload

    def held_parse(*args, **kwargs):
        gate.wait(30)  # held until the test has seen the job's page
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(operations, "parse_upload", held_parse)
    log_in(page, "kari@example.no", PASSWORD)
    page.goto("/p/storby/questionnaires/import")
    page.get_by_label("Fil med spørreskjema").set_input_files(
        broken_copy(tmp_path / "ansatteskjema.xlsx")
    )
    page.get_by_role("button", name="Importer").click()
    page.wait_for_url("**/questionnaires/jobs/*")
    page.get_by_text("Leser filen …").wait_for()
    shot(page, "surveys-xlsform-import-reading")
    assert axe_violations(page) == []
    gate.set()
    message = "ansatteskjema.xlsx, ark «survey», rad 8, kolonne «type»: «calculate» støttes ikke"
    page.get_by_text(message).first.wait_for()  # the page reloaded itself when done
    assert questionnaire_count() == 0

    page.get_by_label("Fil med spørreskjema").set_input_files(STAFF_XLSFORM)
    page.get_by_role("button", name="Importer").click()
    page.wait_for_url("**/questionnaires/*/")
    assert "Spørreskjema til NAV-kontorene om Storbysatsingen" in page.locator("main").inner_text()
    assert questionnaire_count() == 1
    for job_id in list(jobs._threads):
        assert jobs.wait(job_id, timeout=30)
