"""A researcher finds the codebook and the paper version of a questionnaire in the browser."""

from pypdf import PdfReader

from fieldkit.extensions import db
from fieldkit.surveys.questionnaires import operations as questionnaires
from tests.browser.conftest import axe_violations, log_in, shot
from tests.conftest import PASSWORD
from tests.paths import FIXTURES

STAFF = FIXTURES / "ansatteskjema_storbysatsingen.yaml"


def test_codebook_page_and_downloads(page, make_user, make_project, tmp_path):
    kari = make_user("kari@example.no", "Kari Nordmann")
    project = make_project("storby", "Storbysatsingen", members=[kari])
    record = questionnaires.import_questionnaire(project, STAFF.name, STAFF.read_bytes())
    db.session.commit()

    log_in(page, "kari@example.no", PASSWORD)
    page.goto(f"/p/storby/questionnaires/{record.id}/")
    actions = page.get_by_role("list", name="Handlinger for spørreskjemaet")
    assert "Papirversjon (PDF): bokmål, nynorsk, English · Kodebok" in actions.inner_text()
    shot(page, "surveys-paper-questionnaire-actions")
    page.get_by_role("link", name="Kodebok").click()
    assert page.locator("h1").inner_text() == "Kodebok"
    rows = page.locator("table.codebook tbody tr")
    assert rows.count() == 28
    assert rows.nth(24).locator("td").nth(0).inner_text() == "q15"
    assert "Stilles bare hvis «Ja» på spørsmål 12 og «Nei» på spørsmål 14." in (
        rows.nth(24).inner_text()
    )
    assert axe_violations(page) == []
    shot(page, "surveys-paper-codebook")

    page.get_by_role("link", name="Nynorsk").click()
    assert "Vert berre stilt om «Ja» på spørsmål 12." in page.locator("#var-q14").inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Papirversjon (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"questionnaire-{record.id}-v1-paper-nn.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    reader = PdfReader(target)
    assert len(reader.pages) == 3
    assert "Side 1 av 3" in reader.pages[0].extract_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Last ned kodebok (XLSX)").click()
    assert download_info.value.suggested_filename.endswith("-codebook-nn.xlsx")
