"""The results page in a real browser: a table and its figure, an export with progress."""

import pyreadstat

from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.respond import operations as responses
from tests.browser.conftest import axe_violations, log_in, shot
from tests.conftest import PASSWORD
from tests.paths import FIXTURES

FIXTURES = FIXTURES


def make(make_user, make_project):
    user = make_user("forsker@example.no")
    project = make_project("storby", members=[user])
    record = questionnaires.import_questionnaire(
        project, "a.yaml", (FIXTURES / "ansatteskjema_storbysatsingen.yaml").read_bytes()
    )
    survey = surveys.create_survey(record, "Kartlegging 2004")
    surveys.launch(survey)
    db.session.commit()
    grid = ["1", "1", "2", "3", "2", "4", "9", "1", "2", "2"]
    for n in range(10):
        etat = "Aetat" if n < 4 else "Sosialtjenesten"
        case = surveys.add_case(survey, str(n), strata={"etat": etat})
        db.session.commit()
        answers = {
            "q1": "1" if n < 4 else "2",
            "q6_aetat": grid[n],
            "q6_sosial": grid[(n + 3) % 10],
            "q6_helse": grid[(n + 5) % 10],
            "q16": ["1", "2", "2", "3", "9"][n % 5],
            "q10": str(n % 7 + 1),
        }
        response = responses.start_for_case(survey, case)
        responses.save_answers(response, answers, list(answers))
        responses.submit(response)
    return survey


def test_results_table_figure_and_export(page, make_user, make_project, tmp_path):
    survey = make(make_user, make_project)
    log_in(page, "forsker@example.no", PASSWORD)
    page.goto(f"/p/storby/surveys/{survey.id}/")
    page.get_by_role("link", name="Resultater og eksport").click()
    assert page.locator("h1").inner_text() == "Resultater: Kartlegging 2004"
    page.get_by_label("Spørsmål", exact=True).select_option("q6")
    page.get_by_label("Skjul celler med færre enn").fill("0")
    page.get_by_role("button", name="Vis").click()
    caption = page.locator(".results-table caption").inner_text()
    assert caption.startswith("6. Hvor ofte samarbeider dere")
    # Aetat row: 1,1,2,3,2,4,9,1,2,2 -> 3 x 1, 4 x 2, 1 x 3, 1 x 4, 1 x 9 of 10.
    aetat = page.locator(".results-table tbody tr").first
    assert aetat.locator("td").all_inner_texts() == ["30", "40", "10", "10", "10", "100", "10"]
    assert page.locator(".results-figure figcaption").inner_text().startswith("Figur 1. 6.")
    assert page.locator(".results-figure svg title").count() == 1
    shot(page, "survey-results-grid")
    assert axe_violations(page) == []

    page.get_by_label("Spørsmål", exact=True).select_option("q16")
    page.get_by_label("Fordelt etter").select_option("etat")
    page.get_by_role("button", name="Vis").click()
    headers = page.locator(".results-table thead th").all_inner_texts()
    assert headers == ["Aetat (N=4)", "Sosialtjenesten (N=6)", "Totalt (N=10)"]
    shot(page, "survey-results-crosstab")

    page.get_by_label("SPSS (.sav)").check()
    page.get_by_role("button", name="Eksporter").click()
    page.get_by_text("Klar. Svar: 10").wait_for()
    with page.expect_download() as info:
        page.get_by_role("link", name="Last ned").click()
    target = tmp_path / "export.sav"
    info.value.save_as(target)
    frame, meta = pyreadstat.read_sav(str(target))
    assert len(frame) == 10
    assert meta.variable_value_labels["q6_aetat"][1.0] == "Så å si alltid"
    shot(page, "survey-results-export")
    assert axe_violations(page) == []


def test_cleaning_page_adds_a_filter_that_tables_follow(page, make_user, make_project):
    survey = make(make_user, make_project)
    log_in(page, "forsker@example.no", PASSWORD)
    page.goto(f"/p/storby/surveys/{survey.id}/results")
    page.get_by_role("link", name="Datarensing").click()
    page.get_by_label("Vilkår").fill("${q1} = '1'")
    page.get_by_label("Navn på filteret (valgfritt)").fill("Bare Aetat")
    page.get_by_role("button", name="Legg til filteret").click()
    assert page.locator(".cleaning-steps li").first.inner_text().startswith("Filter: Bare Aetat")
    page.locator("#recode-name").fill("hoy")
    page.get_by_label("Regler, én per linje").fill(
        "${q16} = '1' => 1 = Høy\n${q16} = '2' => 2 = Middels"
    )
    page.get_by_role("button", name="Legg til omkodingen").click()
    assert page.locator(".cleaning-steps li").count() == 2
    shot(page, "survey-results-cleaning")
    assert axe_violations(page) == []
    page.goto(f"/p/storby/surveys/{survey.id}/results?item=hoy&min_cell=0")
    # Aetat's four answered q16 1, 2, 2, 3: Høy 1, Middels 2 of the 3 recoded.
    assert page.locator(".results-table caption").inner_text() == "hoy (n=3)"
    page.get_by_role("link", name="Datarensing").click()
    page.get_by_role("button", name="Angre").first.click()
    assert page.locator(".cleaning-steps li.undone").count() == 1
    shot(page, "survey-results-cleaning-undone")


def test_code_frame_page(page, make_user, make_project):
    survey = make(make_user, make_project)
    for n, text in enumerate(["Telefon", "Telefon", "Lunsjmøter", "E-post"]):
        case = surveys.add_case(survey, f"fri{n}")
        db.session.commit()
        response = responses.start_for_case(survey, case)
        answers = {"q8": ["annet"], "q8.annet": text}
        responses.save_answers(response, answers, list(answers))
        responses.submit(response)
    log_in(page, "forsker@example.no", PASSWORD)
    page.goto(f"/p/storby/surveys/{survey.id}/results/cleaning")
    page.get_by_label("Fritekst").select_option("q8.annet")
    page.locator("#code-name").fill("annet_kode")
    page.get_by_role("button", name="Lag en kodeliste").click()
    page.get_by_label("Koder, én per linje: kode = tekst").fill("1 = Telefon og e-post\n2 = Møter")
    page.get_by_role("button", name="Lagre kodelisten").click()
    page.get_by_label("Telefon", exact=True).select_option("1")
    page.get_by_label("E-post").select_option("1")
    page.get_by_label("Lunsjmøter").select_option("2")
    page.get_by_role("button", name="Lagre kodelisten").click()
    counts = page.locator("table").first.locator("tbody tr").all_inner_texts()
    assert counts == ["1 = Telefon og e-post\t3", "2 = Møter\t1", "Ikke kodet\t0"]
    shot(page, "survey-results-code-frame")
    assert axe_violations(page) == []


def test_on_the_embedded_default_the_export_page_shows_progress_until_ready(
    page, app, make_user, make_project, monkeypatch
):
    """Without Redis the export runs in a thread of the app: the page polls, then offers it."""
    import threading

    from playwright.sync_api import expect

    from fieldkit.core import jobs
    from fieldkit.surveys.results import exports

    app.config["JOBS_MODE"] = "thread"  # the default without Redis (the suite runs inline)
    survey = make(make_user, make_project)
    gate = threading.Event()
    real_export = exports.export

    def held_export(*args, **kwargs):
        kwargs["progress"](3, 10)  # a progress report the page can show
        gate.wait(30)  # held until the test has seen the progress page
        return real_export(*args, **kwargs)

    monkeypatch.setattr(exports, "export", held_export)
    log_in(page, "forsker@example.no", PASSWORD)
    page.goto(f"/p/storby/surveys/{survey.id}/results")
    page.get_by_label("CSV (UTF-8, komma)").check()
    page.get_by_role("button", name="Eksporter").click()
    page.get_by_text("Eksporterer …").wait_for()
    bar = page.locator("#export-status progress")
    expect(bar).to_have_attribute("value", "3")
    expect(bar).to_have_attribute("max", "10")
    shot(page, "survey-results-export-progress")
    gate.set()
    page.get_by_text("Klar. Svar: 10").wait_for()  # the page reloaded itself when done
    assert page.get_by_role("link", name="Last ned").count() == 1
    for job_id in list(jobs._threads):
        assert jobs.wait(job_id, timeout=30)


def test_an_export_whose_process_died_is_shown_failed_and_try_again_makes_it(
    page, app, make_user, make_project
):
    """A worker that died mid-export left its job running: the page says so (the heartbeat
    stopped) and "Prøv igjen" makes the export after all, on the embedded default's thread."""
    from datetime import timedelta

    from playwright.sync_api import expect

    from fieldkit.core import jobs
    from fieldkit.core.models import Job, JobStatus, User, utcnow
    from fieldkit.extensions import db
    from fieldkit.surveys.results import exports

    app.config["JOBS_MODE"] = "thread"
    survey = make(make_user, make_project)
    user = db.session.scalar(db.select(User).where(User.email == "forsker@example.no"))
    long_ago = utcnow() - timedelta(minutes=10)
    dead = Job(
        id="0b0e6a52-0d1e-4f5e-9a51-2c0ffee00001",
        func=jobs.func_path(exports.export_job),
        args=[survey.id, "csv", user.id],
        kwargs={},
        status=JobStatus.RUNNING,
        progress_done=4,
        progress_total=10,
        runner="rq worker-that-died elsewhere:999999",
        created_by_id=user.id,
        project_id=survey.project_id,
        created_at=long_ago,
        started_at=long_ago,
        heartbeat_at=long_ago,
    )
    db.session.add(dead)
    db.session.commit()
    log_in(page, "forsker@example.no", PASSWORD)
    page.goto(f"/p/storby/surveys/{survey.id}/results/exports/{dead.id}")
    expect(page.get_by_text("Jobben stoppet uventet")).to_be_visible()
    shot(page, "survey-results-export-abandoned")
    page.get_by_role("button", name="Prøv igjen").click()
    page.get_by_text("Klar. Svar: 10").wait_for()
    assert page.get_by_role("link", name="Last ned").count() == 1
    assert dead.id not in page.url
    for job_id in list(jobs._threads):
        assert jobs.wait(job_id, timeout=30)
