"""The results report: numbered tables and figures, sources, contents with page numbers."""

import io
import re
import subprocess
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from fieldkit.extensions import db
from fieldkit.surveys.models import Case, Mailing, SentMessage
from fieldkit.surveys.results import report


@pytest.fixture
def survey(make_survey, answer):
    survey = make_survey()
    for n in range(12):
        etat = "Aetat" if n < 5 else "Sosialtjenesten"
        answer(
            survey,
            {"q1": "1" if n < 5 else "2", "q16": ["1", "2", "2", "3"][n % 4],
             "q6_aetat": ["1", "2", "3"][n % 3], "q10": str(n % 7 + 1)},
            strata={"etat": etat},
        )  # fmt: skip
    # The field period, set after the answers came in (a closed survey takes none).
    survey.opens_at = datetime(2004, 3, 1, 8, tzinfo=UTC)
    survey.closes_at = datetime(2004, 3, 31, 20, tzinfo=UTC)
    db.session.commit()
    return survey


def test_context_numbers_tables_and_figures_in_order(app, survey):
    context = report.report_context(survey, items=["q16", "q6", "q1"])
    method, results = context["chapters"]
    assert method.paragraphs[0] == "Datainnsamlingen foregikk fra 1. mars 2004 til 31. mars 2004."
    assert method.paragraphs[1] == "Utvalget besto av 12 enheter."
    rates = method.blocks[0]
    assert (rates.label, rates.caption) == ("Tabell 1.", "Disposisjoner og svarprosent etter etat")
    assert rates.table.header == ["etat", "Enheter", "Fullført (I)", "Delvis (P)",
                                  "Svarprosent (RR2)"]  # fmt: skip
    assert rates.table.rows[-1][:2] == ["Totalt", "12"]
    labels = [(b.label, b.caption) for b in results.blocks]
    assert labels == [
        ("Tabell 2.", "16. Hvor høy er måloppnåelsen så langt? (n=12)"),
        ("Figur 1.", "16. Hvor høy er måloppnåelsen så langt? (n=12)"),
        (
            "Tabell 3.",
            "6. Hvor ofte samarbeider dere med følgende om den enkelte deltaker? Prosent.",
        ),
        ("Figur 2.", "6. Hvor ofte samarbeider dere med følgende om den enkelte deltaker? (n=12)"),
        ("Tabell 4.", "1. Hvilken etat arbeider du i? (n=12)"),
    ]
    assert {b.source for b in results.blocks} == {"Kilde: Kartlegging 2004, 2004."}


def test_a_question_nobody_answered_is_said_in_words_not_a_table_of_zeros(app, survey):
    context = report.report_context(survey, items=["q16", "q9", "q1"], include_figures=False)
    blocks = context["chapters"][1].blocks
    assert [(b.kind, b.label or b.text) for b in blocks] == [
        ("table", "Tabell 2."),
        (
            "text",
            "Ingen har svart på 9. Hvordan vurderer du samarbeidet med tiltaksarrangørene? (n=0).",
        ),
        ("table", "Tabell 3."),
    ]


def test_pdf_has_title_contents_with_page_numbers_and_sources(app, survey, tmp_path):
    path = tmp_path / "rapport.pdf"
    report.write_report(survey, path, items=["q16", "q6", "q1", "q10"])
    count = len(PdfReader(io.BytesIO(path.read_bytes())).pages)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")[:count]
    assert "Kartlegging 2004" in pages[0] and "Resultatrapport" in pages[0]
    assert "Innhold" in pages[1]
    # The contents gives the page each chapter and table starts on.
    method_page = int(re.search(r"1\. Metode og datagrunnlag.*?(\d+)$", pages[1], re.M).group(1))
    assert "Tabell 1." in pages[method_page - 1]
    table_page = int(re.search(r"Tabell 4\. 1\. Hvilken etat.*?(\d+)$", pages[1], re.M).group(1))
    assert "Tabell 4." in pages[table_page - 1]
    assert "Kilde: Kartlegging 2004, 2004." in pages[method_page - 1]
    assert f"Side 2 av {len(pages)}" in pages[1]


def test_docx_has_the_tables(app, survey, tmp_path):
    from docx import Document

    path = tmp_path / "rapport.docx"
    report.write_report(survey, path, items=["q1"])
    document = Document(str(path))
    texts = [p.text for p in document.paragraphs]
    assert "Tabell 2. 1. Hvilken etat arbeider du i? (n=12)" in texts
    assert texts.count("Kilde: Kartlegging 2004, 2004.") == 2
    assert [c.text for c in document.tables[1].rows[-1].cells] == ["Sum", "12", "100"]


def test_report_command(runner, survey, tmp_path):
    output = tmp_path / "r.html"
    result = runner.invoke(args=["survey", "report", str(survey.id), "-o", str(output),
                                 "--items", "q1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Tabell 2." in output.read_text("utf-8")
    bad = runner.invoke(args=["survey", "report", str(survey.id), "-o", str(tmp_path / "r.txt")])
    assert bad.exit_code == 1 and "a report is .pdf, .html or .docx" in bad.output


def test_method_counts_invitations_and_reminders_sent(app, survey):
    mailing = Mailing(survey_id=survey.id, kind="invitation", status="done")
    db.session.add(mailing)
    db.session.flush()
    cases = db.session.scalars(db.select(Case).where(Case.survey_id == survey.id)).all()

    def sent(case, round_number, status="sent"):
        kind = "reminder" if round_number else "invitation"
        message = SentMessage(mailing_id=mailing.id, case_id=case.id, round=round_number,
                              kind=kind, to_address="a@b.no", status=status)  # fmt: skip
        db.session.add(message)

    for case in cases:
        sent(case, 0)
    for case in cases[:4]:
        sent(case, 1)
    sent(cases[5], 1, "failed")
    db.session.commit()
    method = report.report_context(survey, items=["q1"])["chapters"][0]
    assert method.paragraphs[1] == (
        "Utvalget besto av 12 enheter. Det ble sendt 12 invitasjoner og 4 påminnelser på e-post."
    )


def texts_after_contents(paragraphs):
    last = max(i for i, p in enumerate(paragraphs) if p.style.name.startswith("TOC"))
    return paragraphs[last + 1].text


def test_docx_contents_captions_and_sources_are_word_fields_and_styles(app, survey, tmp_path):
    from docx import Document

    path = tmp_path / "rapport.docx"
    report.write_report(survey, path, items=["q16", "q1"], texts={"": "Om rapporten."})
    document = Document(str(path))
    paragraphs = document.paragraphs
    # The contents lists the chapters and the captions, not itself; Word updates it on opening.
    contents = [p.text.split("\t")[0] for p in paragraphs if p.style.name.startswith("TOC")]
    assert contents == [
        "1. Metode og datagrunnlag",
        "Tabell 1. Disposisjoner og svarprosent etter etat",
        "2. Resultater",
        "Tabell 2. 16. Hvor høy er måloppnåelsen så langt? (n=12)",
        "Figur 1. 16. Hvor høy er måloppnåelsen så langt? (n=12)",
        "Tabell 3. 1. Hvilken etat arbeider du i? (n=12)",
    ]
    body = document.element.body.xml
    assert 'TOC \\o "1-1" \\h \\z \\t "Caption;2"' in body
    assert "SEQ Tabell" in body and "SEQ Figur" in body
    assert "<w:updateFields" in document.settings.element.xml
    assert texts_after_contents(paragraphs) == "Om rapporten."
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert headings == ["1. Metode og datagrunnlag", "2. Resultater"]
    # Caption above, the table (or the figure's picture), then the source below.
    texts = [(p.style.name, p.text) for p in paragraphs]
    caption = texts.index(("Caption", "Tabell 3. 1. Hvilken etat arbeider du i? (n=12)"))
    assert texts[caption + 1] == ("Kilde", "Kilde: Kartlegging 2004, 2004.")
    figure = texts.index(("Caption", "Figur 1. 16. Hvor høy er måloppnåelsen så langt? (n=12)"))
    assert texts[figure + 2] == ("Kilde", "Kilde: Kartlegging 2004, 2004.")
    assert paragraphs[figure + 1]._p.xpath(".//pic:pic")
    table = document.tables[2]
    assert [c.text for c in table.rows[0].cells] == ["", "Antall", "Prosent"]
    assert [c.text for c in table.rows[1].cells] == ["Aetat", "5", "42"]
