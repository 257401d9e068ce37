"""The compiled summary document: context, HTML, PDF, DOCX, PPTX — never a participant's name."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from pptx import Presentation
from pypdf import PdfReader

from fieldkit.conferences.demo import DEMO_PARTICIPANTS
from fieldkit.conferences.facilitation import operations
from fieldkit.conferences.feature import load_demo
from fieldkit.conferences.models import Conference, SummaryDocument
from fieldkit.conferences.summary import compile as compiler
from fieldkit.conferences.synthesis.overview import project_overview
from fieldkit.conferences.synthesis.tags import add_suggested_tags, project_tags, set_tag
from fieldkit.core import pdf
from fieldkit.core.models import Job
from fieldkit.extensions import db
from tests import dead_jobs
from tests.conferences.summary_data import NAMES, POINTS_G1_T1, fill


@pytest.fixture
def filled(conference):
    return fill(conference)


def forbidden_words() -> list[str]:
    words = []
    for name, _org, _cat, _kommune, email in NAMES:
        words.extend(name.split())
        if email:
            words.append(email)
    return words


def assert_no_names(text: str) -> None:
    flat = " ".join(text.split())
    for word in forbidden_words():
        assert word not in flat, f"{word!r} found in the document"


def test_context_counts_participants_by_category_and_kommune(conference, filled):
    context = compiler.summary_context(conference)
    counts = context["participants"]
    assert counts["kommuner"] == ["Askøy", "Bergen"]
    assert counts["total"] == 5
    assert counts["totals"] == [3, 2]
    rows = {r["category"]: (r["counts"], r["total"]) for r in counts["rows"]}
    assert rows == {
        "Aetat": ([1, 1], 2),
        "Behandlingsapparat/sosiale tjenester": ([1, 0], 1),
        "Tiltaksarrangør": ([0, 1], 1),
        "Tiltaksdeltaker (bruker)": ([1, 0], 1),
    }
    first = context["rounds"][0]
    assert [g["name"] for g in first["groups"]] == ["Gruppe Nord", "Gruppe Sør"]
    nord = first["groups"][0]
    assert [p["text"] for p in nord["tasks"][0]["points"]] == POINTS_G1_T1
    assert [p["text"] for p in nord["tasks"][1]["points"]] == ["Flere i arbeid"]
    assert len(nord["photos"]) == 1
    assert context["notes"] == [
        {
            "round": first["title"],
            "group": "Gruppe Nord",
            "notes": ["Spørsmål fra salen om fraværsregler"],
        }
    ]
    assert context["minutes"] == []  # not chosen by default
    assert_no_names(repr(context))


def test_corrections_hiding_and_choice_change_what_goes_in(conference, filled, facilitator):
    points = filled["points"]
    operations.edit_point(points[0], "Lite fleksible tilbud", False, actor=facilitator)
    operations.edit_point(points[1], None, True, actor=facilitator)
    db.session.commit()
    assert points[0].text == POINTS_G1_T1[0]  # the group's wording is kept
    assert points[0].original_text == POINTS_G1_T1[0]
    context = compiler.summary_context(conference)
    nord = context["rounds"][0]["groups"][0]
    assert [p["text"] for p in nord["tasks"][0]["points"]] == [
        "Lite fleksible tilbud",
        POINTS_G1_T1[2],
    ]
    plenum = compiler.summary_context(
        conference, {"points": "plenum", "photos": False, "minutes": True}
    )
    nord = plenum["rounds"][0]["groups"][0]
    assert [p["text"] for p in nord["tasks"][0]["points"]] == ["Lite fleksible tilbud"]
    assert nord["photos"] == []
    assert plenum["rounds"][0]["groups"][1]["tasks"][0]["points"] == []
    assert plenum["minutes"][0]["group"] == "Gruppe Nord"
    # Showing it again keeps the correction.
    operations.hide_points([points[0]], True)
    operations.hide_points([points[0]], False)
    assert points[0].edit.corrected_text == "Lite fleksible tilbud"


def page_texts(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_pdf_has_title_page_contents_with_right_numbers_and_no_names(conference, filled):
    add_suggested_tags(conference.project)
    tag = project_tags(conference.project)[0]
    set_tag(filled["points"][:2], tag, True)
    db.session.commit()
    pdf = compiler.compile_bytes(conference, "pdf", {"minutes": True})
    pages = page_texts(pdf)
    everything = " ".join(pages)
    assert_no_names(everything)
    assert pages[0].startswith("Storbysatsingen")  # project on the title page
    assert conference.title in pages[0]
    # Running header with the conference name and "N av M" on every page but the first.
    total = len(pages)
    for number, text in enumerate(pages[1:], start=2):
        assert f"{number} av {total}" in text
        assert conference.title in text
    assert "av" not in pages[0].split(conference.title)[-1]
    # The table of contents: every entry's page number is the page its heading is on.
    toc_page = PdfReader(io.BytesIO(pdf)).pages[1]
    toc_lines = toc_page.extract_text(extraction_mode="layout").splitlines()
    entries = []
    for line in toc_lines[1:]:
        match = re.match(r"^(.+?)\s+(\d+)$", line.strip())
        if match and not re.match(r"^\d+ av \d+$", line.strip()):
            entries.append((match.group(1).strip(), int(match.group(2))))
    titles = [t for t, _n in entries]
    assert "Gruppe Nord" in titles and "Gruppe Askøy" in titles
    assert "Utfordringer og endringsforslag" in titles
    assert "Vedlegg: referentenes referater" in titles
    assert len(entries) >= 10
    numbers = [n for _t, n in entries]
    assert numbers == sorted(numbers)
    round_titles = [r.title for r in conference.rounds]
    for title, number in entries:
        if title in round_titles:  # also in the programme: the chapter starts its page
            assert pages[number - 1].startswith(title), (title, number)
            continue
        first = next(i for i, text in enumerate(pages[2:], start=3) if title in text)
        assert first == number, (title, number, first)
    assert (
        "De følgende momentene er kommet fram i arbeidsgruppene på dialogkonferansen i Bergen."
        in everything
    )
    assert "ikke offisielle standpunkter" in everything


def test_docx_and_pptx_and_html_have_no_names(conference, filled):
    docx = compiler.compile_bytes(conference, "docx")
    document = Document(io.BytesIO(docx))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts.extend(cell.text for row in table.rows for cell in row.cells)
    for section in document.sections:
        texts.extend(p.text for p in section.header.paragraphs)
        texts.extend(p.text for p in section.footer.paragraphs)
    everything = "\n".join(texts)
    assert_no_names(everything)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == ["Program", "Deltakere", conference.rounds[0].title]
    assert "Gruppe Nord" in headings and "Gruppe Askøy" in headings
    assert len(document.inline_shapes) == 1
    assert document.sections[0].header.paragraphs[0].text == conference.title
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert bullets[:4] == POINTS_G1_T1 + ["Flere i arbeid"]

    pptx = compiler.compile_bytes(conference, "pptx")
    deck = Presentation(io.BytesIO(pptx))
    slide_texts = [
        "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
        for slide in deck.slides
    ]
    assert_no_names("\n".join(slide_texts))
    # Title slide, then one slide per task for each group: 2 groups × 3 tasks + 1 × 2 tasks.
    assert len(slide_texts) == 1 + 2 * 3 + 2
    assert slide_texts[1].startswith("Gruppe Nord – Oppgave 1")
    # Only the points marked for the plenum, when the group marked any.
    assert POINTS_G1_T1[0] in slide_texts[1] and POINTS_G1_T1[2] not in slide_texts[1]

    html = compiler.compile_bytes(conference, "html").decode()
    assert_no_names(re.sub(r"<[^>]+>", " ", html))
    assert "data:image/jpeg;base64," in html
    assert "fieldkit-font:" not in html


def test_pdf_fetcher_serves_only_the_documents_photos(conference, filled):
    files = compiler.photo_files({"abc"})
    path, content_type = files["fieldkit-photo:abc.jpg"]
    path.write_bytes(b"\xff\xd8 a photo")
    fetcher = pdf.BundledFontFetcher(files)
    response = fetcher.fetch("fieldkit-photo:abc.jpg")
    assert (response.read(), content_type) == (b"\xff\xd8 a photo", "image/jpeg")
    with pytest.raises(pdf.RefusedURL):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(pdf.RefusedURL):
        fetcher.fetch("fieldkit-photo:other.jpg")
    with pytest.raises(pdf.RefusedURL):
        fetcher.fetch("fieldkit-photo:../abc.jpg")
    with pytest.raises(pdf.RefusedURL):
        fetcher.fetch("https://example.org/x.jpg")


def test_cli_compiles_each_format(app, runner, conference, filled, tmp_path):
    for fmt, magic in (("pdf", b"%PDF"), ("docx", b"PK"), ("pptx", b"PK"), ("html", b"<!doc")):
        out = tmp_path / f"summary.{fmt}"
        result = runner.invoke(
            args=["conference", "compile", str(conference.id), "--format", fmt, "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert out.read_bytes().startswith(magic)
    result = runner.invoke(args=["conference", "compile", "9999", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0
    assert "no conference with id 9999" in result.output


def test_compile_from_the_page_as_a_job_and_download(
    client, login, facilitator, make_user, conference, filled
):
    login(facilitator)
    url = f"/p/{conference.project.slug}/conferences/{conference.id}/summary"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url, data={"format": "docx", "points": "plenum", "photos": "y", "notes": "y"}
    )
    assert response.status_code == 302
    assert "job=" in response.headers["Location"]
    document = db.session.scalars(db.select(SummaryDocument)).one()
    assert document.format == "docx"
    assert document.options["points"] == "plenum"
    assert document.options["minutes"] is False
    shown = client.get(response.headers["Location"])
    assert "Ferdig." in shown.get_data(as_text=True)
    download = client.get(f"{url}/{document.id}")
    assert download.status_code == 200
    assert download.data.startswith(b"PK")
    assert "attachment" in download.headers["Content-Disposition"]
    # Someone who is not a member of the project gets nothing.
    client.post("/logout")
    outsider = make_user("utenfor@example.no", "Ute Forbi")
    login(outsider)
    assert client.get(f"{url}/{document.id}").status_code in (403, 404)


def test_a_compilation_whose_process_died_can_be_started_again(
    client, login, facilitator, conference, filled
):
    login(facilitator)
    url = f"/p/{conference.project.slug}/conferences/{conference.id}/summary"
    started = client.post(url, data={"format": "html", "points": "plenum"})
    first = started.headers["Location"].rpartition("job=")[2]
    dead_jobs.die(first)
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "Jobben stoppet uventet" in page
    retry_url = f"{url}/jobs/{first}/retry"
    assert f'action="{retry_url}"' in page and "Prøv igjen" in page
    retried = client.post(retry_url)
    assert retried.status_code == 302
    again = db.session.get(Job, retried.headers["Location"].rpartition("job=")[2])
    assert again.id != first and again.status.value == "done"
    assert again.args[:2] == [conference.id, "html"]
    assert "Ferdig." in client.get(retried.headers["Location"]).get_data(as_text=True)
    assert len(db.session.scalars(db.select(SummaryDocument)).all()) == 2
    # The address names a job of this conference's compilation only.
    assert client.post(f"{url}/jobs/{again.id}x/retry").status_code == 404


def test_demo_conference_compiles_to_all_four_formats(app, make_project, facilitator):
    project = make_project("demo", "Demo")
    assert load_demo(project, facilitator) is True
    db.session.commit()
    conference = db.session.scalars(db.select(Conference).where(Conference.place == "Bergen")).one()
    pdf = compiler.compile_bytes(conference, "pdf")
    text = " ".join(page_texts(pdf))
    for name, *_rest in DEMO_PARTICIPANTS:
        assert name not in text
    assert "Mangel på fleksibilitet i tilbudene til målgruppa" in text
    # The demo's sample points are tagged, so the synthesis section shows them by theme.
    assert "Utfordringer og endringsforslag" in text
    assert "dialogkonferansen i Bergen." in text
    overview = project_overview(project)
    counts = {r["name"]: r["counts"] for r in overview["rows"]}
    # The demo has two conferences (Bergen, Oslo), so the overview has two columns.
    assert counts["Tiltak og metoder"] == [3, 1]
    assert counts["Arbeidslivet"] == [1, 1]
    assert counts["Aetat"] == [0, 1]
    assert counts["Individuell plan"] == [0, 1]
    for fmt in ("docx", "pptx", "html"):
        assert len(compiler.compile_bytes(conference, fmt)) > 1000


@pytest.mark.parametrize("fmt", ["docx", "pptx", "pdf", "html", "combined_docx"])
def test_documents_do_not_fail_on_control_characters_already_stored(conference, filled, fmt):
    """A point, minutes and a title stored with a Word line break (vertical tab), and NUL
    where the database holds it: every document is made, the break a line break."""
    from fieldkit.conferences.models import Point
    from fieldkit.conferences.synthesis import combined

    nul = "\x00" if db.engine.dialect.name == "sqlite" else ""
    point = db.session.query(Point).filter_by(text=POINTS_G1_T1[0]).one()
    point.text = f"Første\x0blinje{nul}\x01"
    conference.title = f"Dialog\x0bkonferanse{nul}"
    conference.rounds[0].groups[0].minutes = f"Referat\x0c{nul}slutt"
    db.session.commit()
    if fmt == "combined_docx":
        content, _mimetype = combined.render(conference.project, "docx")
    else:
        content = compiler.compile_bytes(conference, fmt, {"minutes": True})
    assert len(content) > 1000
    if fmt == "docx":
        texts = [p.text for p in Document(io.BytesIO(content)).paragraphs]
        assert "Første\nlinje" in texts
    if fmt == "pptx":
        deck = Presentation(io.BytesIO(content))
        text = "\n".join(
            shape.text_frame.text for slide in deck.slides for shape in slide.shapes
            if shape.has_text_frame
        )  # fmt: skip
        assert "Første" in text and "linje" in text
