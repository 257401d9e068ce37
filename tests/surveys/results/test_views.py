"""The results page and exports as a researcher uses them."""

import re

import pyreadstat

from fieldkit.core import downloads, operations
from fieldkit.core.models import Job
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.models import Survey
from fieldkit.surveys.results import cleaning_steps
from tests import dead_jobs


def fill(survey, answer):
    for etat, q16 in [("Aetat", "1")] * 5 + [("Aetat", "2")] * 5 + [("Sosialtjenesten", "2")] * 6:
        answer(survey, {"q1": "1" if etat == "Aetat" else "2", "q16": q16}, strata={"etat": etat})


def member_with_answers(make_user, make_survey, answer, login):
    """A survey with 16 answers (``fill``), and its project's member logged in."""
    user = make_user()
    survey = make_survey()
    operations.add_member(survey.project, user)
    db.session.commit()
    fill(survey, answer)
    login(user)
    return survey


def test_results_page_shows_a_crosstab(client, login, make_user, make_survey, answer):
    survey = member_with_answers(make_user, make_survey, answer, login)
    page = client.get(f"/p/storby/surveys/{survey.id}/")
    assert f"/p/storby/surveys/{survey.id}/results" in page.get_data(as_text=True)
    response = client.get(f"/p/storby/surveys/{survey.id}/results?item=q16&by=etat")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Svar som teller med (sendt inn og ikke forkastet): 16" in html
    assert (
        "<caption>16. Hvor høy er måloppnåelsen så langt? Etter etat. Prosent (n=16)</caption>"
        in html
    )
    headers = re.findall(r'<th scope="col">([^<]*)</th>', html)
    assert headers == ["Aetat (N=10)", "Sosialtjenesten (N=6)", "Totalt (N=16)"]
    # 5/10 = 50, 0, 5/16 = 31.25; 5/10 = 50, 6/6 = 100, 11/16 = 68.75.
    assert '<th scope="row">Svært høy</th><td>50</td><td>0</td><td>31</td>' in html
    assert '<th scope="row">Ganske høy</th><td>50</td><td>100</td><td>69</td>' in html
    bad = client.get(f"/p/storby/surveys/{survey.id}/results?item=q16&bands=9,1")
    assert "grensene må være stigende tall" in bad.get_data(as_text=True)


def test_export_runs_as_a_job_and_downloads(
    client, login, make_user, make_survey, answer, tmp_path
):
    survey = member_with_answers(make_user, make_survey, answer, login)
    started = client.post(f"/p/storby/surveys/{survey.id}/results/export", data={"format": "sav"})
    assert started.status_code == 302
    status_url = started.headers["Location"]
    job_id = status_url.rstrip("/").split("/")[-1]
    job = db.session.get(Job, job_id)
    assert job.status == "done" and job.result["rows"] == 16
    page = client.get(status_url).get_data(as_text=True)
    assert "Klar. Svar: 16" in page
    download = client.get(f"{status_url}/download")
    assert download.status_code == 200
    path = tmp_path / "got.sav"
    path.write_bytes(download.data)
    frame, meta = pyreadstat.read_sav(str(path))
    assert len(frame) == 16
    assert meta.variable_value_labels["q16"][2.0] == "Ganske høy"
    # Past the retention period the file is gone; the researcher is told, not shown a 404.

    (downloads.folder("exports") / job.result["file"]).unlink()
    gone = client.get(f"{status_url}/download")
    assert gone.status_code == 302
    assert gone.headers["Location"] == f"/p/storby/surveys/{survey.id}/results"
    assert "Filen er slettet: filer som lages for nedlasting, tas vare på i 72 timer." in (
        client.get(gone.headers["Location"]).get_data(as_text=True)
    )
    assert (
        client.post(
            f"/p/storby/surveys/{survey.id}/results/export", data={"format": "exe"}
        ).status_code
        == 400
    )


def test_an_export_whose_process_died_is_shown_failed_and_can_be_started_again(
    client, login, make_user, make_survey, answer, make_project
):
    survey = member_with_answers(make_user, make_survey, answer, login)
    status_url = client.post(
        f"/p/storby/surveys/{survey.id}/results/export", data={"format": "csv"}
    ).headers["Location"]
    first = status_url.rstrip("/").split("/")[-1]
    dead_jobs.die(first)  # e.g. the app node was restarted while it exported
    page = client.get(status_url).get_data(as_text=True)
    assert (
        "Eksporten feilet: Jobben stoppet uventet (prosessen som kjørte den, forsvant). "
        "Start den på nytt." in page
    )
    retry_url = f"{status_url}/retry"
    assert f'<form method="post" action="{retry_url}">' in page and "Prøv igjen" in page
    retried = client.post(retry_url)
    assert retried.status_code == 302
    again = db.session.get(Job, retried.headers["Location"].rstrip("/").split("/")[-1])
    assert again.id != first and (again.func, again.args[:2]) == (
        "fieldkit.surveys.results.exports:export_job",
        [survey.id, "csv"],
    )
    assert again.status == "done" and again.result["rows"] == 16
    assert "Klar. Svar: 16" in client.get(retried.headers["Location"]).get_data(as_text=True)
    # Only a failed export is started again; a stranger cannot.
    done_retry = client.post(f"/p/storby/surveys/{survey.id}/results/exports/{again.id}/retry")
    assert done_retry.headers["Location"].endswith(f"/results/exports/{again.id}")
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 2
    client.post("/logout")
    stranger = make_user()
    make_project("annet", "Annet prosjekt", members=[stranger])
    login(stranger)
    assert client.post(retry_url).status_code in (403, 404)
    assert (
        client.post(f"/p/annet/surveys/{survey.id}/results/exports/{first}/retry").status_code
        == 404
    )


def test_other_projects_members_cannot_see_results_or_downloads(
    client, login, make_user, make_project, make_survey, answer
):
    owner, stranger = make_user(), make_user()
    survey = make_survey()
    operations.add_member(survey.project, owner)
    make_project("annet", "Annet prosjekt", members=[stranger])
    db.session.commit()
    fill(survey, answer)
    login(owner)
    status_url = client.post(
        f"/p/storby/surveys/{survey.id}/results/export", data={"format": "csv"}
    ).headers["Location"]
    client.post("/logout")
    login(stranger)
    assert client.get(f"/p/storby/surveys/{survey.id}/results").status_code in (403, 404)
    assert client.get(f"{status_url}/download").status_code in (403, 404)
    # Through the stranger's own project, the survey and the job are not found.
    assert client.get(f"/p/annet/surveys/{survey.id}/results").status_code == 404


def test_cleaning_page_adds_and_undoes_steps(client, login, make_user, make_survey, answer):
    survey = member_with_answers(make_user, make_survey, answer, login)
    url = f"/p/storby/surveys/{survey.id}/results/cleaning"
    assert "Ingen steg ennå" in client.get(url).get_data(as_text=True)
    added = client.post(url, data={"filter-kind": "filter", "filter-condition": "${q1} = '1'"})
    assert added.status_code == 302
    recode = client.post(
        url,
        data={
            "recode-kind": "recode",
            "recode-name": "hoy",
            "recode-label": "Høy måloppnåelse",
            "recode-rules": "${q16} = '1' or ${q16} = '2' => 1 = Høy\n${q16} = '3' => 2 = Lav",
        },
    )
    assert recode.status_code == 302
    steps = cleaning_steps.all_steps(survey)
    assert [s.kind for s in steps] == ["filter", "recode"]
    assert steps[1].spec["rules"][0] == {
        "condition": "${q16} = '1' or ${q16} = '2'", "code": "1", "label": "Høy",
    }  # fmt: skip
    page = client.get(f"/p/storby/surveys/{survey.id}/results?item=hoy&min_cell=0")
    html = page.get_data(as_text=True)
    assert "<caption>Høy måloppnåelse (n=10)</caption>" in html  # only Aetat's ten
    bad = client.post(
        url, data={"recode-kind": "recode", "recode-name": "x", "recode-rules": "oops"}
    )
    assert bad.status_code == 400
    assert "linje 1: skriv vilkår =&gt; kode = tekst" in bad.get_data(as_text=True)
    assert len(cleaning_steps.all_steps(survey)) == 2
    undo = client.post(f"{url}/{steps[0].id}/undo")
    assert undo.status_code == 302
    html = client.get(f"/p/storby/surveys/{survey.id}/results?item=hoy&min_cell=0").get_data(
        as_text=True
    )
    assert "<caption>Høy måloppnåelse (n=16)</caption>" in html


def test_report_pdf_as_an_export(client, login, make_user, make_survey, answer):
    survey = member_with_answers(make_user, make_survey, answer, login)
    status_url = client.post(
        f"/p/storby/surveys/{survey.id}/results/export", data={"format": "report_pdf"}
    ).headers["Location"]
    download = client.get(f"{status_url}/download")
    assert download.status_code == 200
    assert download.data.startswith(b"%PDF")
    assert f"survey{survey.id}_rapport.pdf" in download.headers["Content-Disposition"]


def test_figure_downloads_as_svg_and_png(client, login, make_user, make_survey, answer):
    survey = member_with_answers(make_user, make_survey, answer, login)
    page = client.get(f"/p/storby/surveys/{survey.id}/results?item=q16").get_data(as_text=True)
    assert "Figur 1. 16. Hvor høy er måloppnåelsen så langt? (n=16)" in page
    svg = client.get(f"/p/storby/surveys/{survey.id}/results/figure.svg?item=q16")
    assert svg.mimetype == "image/svg+xml"
    assert (
        b"<title>16. Hvor h\xc3\xb8y er m\xc3\xa5loppn\xc3\xa5elsen s\xc3\xa5 langt? (n=16)</title>"
        in svg.data
    )
    png = client.get(f"/p/storby/surveys/{survey.id}/results/figure.png?item=q16&decimals=1")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    assert (
        client.get(f"/p/storby/surveys/{survey.id}/results/figure.png?item=q8").status_code == 404
    )


def test_report_composed_on_its_page_and_compiled(client, login, make_user, make_survey, answer):
    survey = member_with_answers(make_user, make_survey, answer, login)
    url = f"/p/storby/surveys/{survey.id}/results/report"
    page = client.get(url).get_data(as_text=True)
    assert page.count('name="include"') == 13 and page.count(" checked") == 14  # + figures
    # Leave out all, tick q1 and q16, move q16 (line 12) up once; a text after line 0.
    order = [f"item:{n}" for n in ("q1", "q2", "q3", "q4", "q6", "q7", "q8", "q9", "q10", "q11",
                                   "q12", "q14", "q16")]  # fmt: skip
    moved = client.post(url, data={"order": order, "include": ["q1", "q16"], "action": "up-12"})
    assert moved.status_code == 302 and moved.headers["Location"].endswith("#entry-11")
    client.post(url, data={"order": order[:11] + ["item:q16", "item:q14"],
                           "include": ["q1", "q16"], "action": "text-0"})  # fmt: skip
    page = client.get(url).get_data(as_text=True)
    assert page.index('value="item:q1"') < page.index('name="text"') < page.index('value="item:q2"')
    assert page.index('value="item:q16"') < page.index('value="item:q14"')
    saved = client.post(url, data={
        "order": ["item:q16", "text", "item:q1"], "include": ["q16", "q1"],
        "text": ["Kort om rapporten."], "action": "save",
    })  # fmt: skip
    assert saved.status_code == 302
    assert "Rapportens oppbygging er lagret." in client.get(url).get_data(as_text=True)
    status_url = client.post(f"{url}/compile", data={"format": "html"}).headers["Location"]
    html = client.get(f"{status_url}/download").get_data(as_text=True)
    body = re.sub(r"<[^>]+>", "", html[html.index('id="results"') :])
    assert body.index("Tabell 2.16. Hvor høy") < body.index("Kort om rapporten.")
    assert body.index("Kort om rapporten.") < body.index("Tabell 3.1. Hvilken etat")
    assert "Tabell 4." not in html and "Figur 1." not in html  # figures were not ticked
    client.post(url, data={"order": ["item:q16"], "action": "none"})
    refused = client.post(f"{url}/compile", data={"format": "pdf"})
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Velg minst ett spørsmål til rapporten." in page


def test_new_wave_and_side_by_side_on_the_page(client, login, make_user, make_survey, answer):
    survey = member_with_answers(make_user, make_survey, answer, login)
    made = client.post(
        f"/p/storby/surveys/{survey.id}/results/new-wave", data={"title": "Kartlegging 2005"}
    )
    assert made.status_code == 302
    wave = db.session.scalar(db.select(Survey).where(Survey.title == "Kartlegging 2005"))
    assert made.headers["Location"].endswith(f"/surveys/{wave.id}/")
    surveys.launch(wave)
    db.session.commit()
    answer(wave, {"q16": "3"})
    html = client.get(
        f"/p/storby/surveys/{survey.id}/results?item=q16&compare={wave.id}&min_cell=0"
    ).get_data(as_text=True)
    headers = re.findall(r'<th scope="col">([^<]*)</th>', html)
    assert headers == ["Kartlegging 2004 (N=16)", "Kartlegging 2005 (N=1)"]
    assert '<th scope="row">Ganske lav</th><td>0</td><td>100</td>' in html


def test_code_frame_in_the_browser_forms(client, login, make_user, make_survey, answer):
    user = make_user()
    survey = make_survey()

    operations.add_member(survey.project, user)
    db.session.commit()
    for text in ["Telefon", "Telefon", "Lunsj"]:
        answer(survey, {"q8": ["annet"], "q8.annet": text})
    login(user)
    url = f"/p/storby/surveys/{survey.id}/results/cleaning"
    made = client.post(url, data={"code-kind": "code", "code-source": "q8.annet",
                                  "code-name": "annet_k", "code-label": "Annet"})  # fmt: skip
    assert made.status_code == 302 and made.headers["Location"].endswith("/codes")
    frame_url = made.headers["Location"]
    page = client.get(frame_url).get_data(as_text=True)
    assert '<label for="text-0">Telefon</label>' in page
    saved = client.post(frame_url, data={"codes": "1 = Telefon\n2 = Møter", "text-0": "1"})
    assert saved.status_code == 302
    page = client.get(frame_url).get_data(as_text=True)
    assert '<th scope="row">1 = Telefon</th><td>2</td>' in page
    assert '<th scope="row">Ikke kodet</th><td>1</td>' in page
    bad = client.post(frame_url, data={"codes": "1 = Telefon", "text-1": "5"})
    assert bad.status_code == 400
    step = cleaning_steps.all_steps(survey)[0]
    assert step.spec["assignments"] == {"Telefon": "1"}
