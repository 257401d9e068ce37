"""The paper version: what each question prints as, and the PDF itself."""

import io
import re

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from fieldkit.core import pdf as rendering
from fieldkit.surveys.paper.paper import paper_context, paper_html, paper_pdf, routes
from fieldkit.surveys.questionnaires import definition


def item(context, name):
    return next(i for s in context["sections"] for i in s["items"] if i["name"] == name)


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_context_of_the_staff_form(app, staff):
    with force_locale("nb"):
        context = paper_context(staff, "nb")
    assert context["title"] == "Spørreskjema til ansatte i Aetat og sosialtjenesten"
    assert [s["title"] for s in context["sections"]] == [
        "Om kontoret", "Samarbeid og oppfølging", "Tiltaksarrangører", "Din vurdering",
    ]  # fmt: skip
    q2 = item(context, "q2")
    assert q2["layout"] == "vertical"
    assert [(c["label"], c["other"]) for c in q2["choices"]] == [
        ("Saksbehandler", False), ("Leder", False), ("Annet, i så fall hva", True),
    ]  # fmt: skip
    q3 = item(context, "q3")
    assert (q3["type"], q3["unit"], q3["width"]) == ("decimal", "årsverk", 8)
    q6 = item(context, "q6")
    assert q6["instruction"] == "Sett ett kryss på hver linje."
    assert [c["separated"] for c in q6["choices"]] == [False, False, False, False, True]
    assert [(r["label"], r["other"]) for r in q6["rows"]][-1] == ("Andre? Hvilke", True)
    # The question already says "sett gjerne flere kryss på hver linje": no second instruction.
    assert item(context, "q7")["instruction"] == ""
    assert item(context, "q8")["instruction"] == "Sett gjerne flere kryss."
    q9 = item(context, "q9")
    assert (q9["layout"], q9["middle_labels"]) == ("horizontal", True)
    q10 = item(context, "q10")
    assert (q10["layout"], q10["middle_labels"]) == ("scale", False)
    assert [c["label"] for c in q10["choices"]] == [
        "Svært lett",
        "",
        "",
        "",
        "",
        "",
        "Svært vanskelig",
    ]
    assert item(context, "q11")["denominator"] == 10
    assert item(context, "q12")["condition"] == ""
    q13 = item(context, "q13")
    assert q13["condition"] == "Besvares bare hvis «Ja» på spørsmål 12."
    assert q13["row_count"] == 3
    assert [(c["label"], c["type"]) for c in q13["columns"]] == [
        ("Tiltaksarrangør", "text"), ("Deltakere", "integer"), ("Plasser", "decimal"),
    ]  # fmt: skip
    assert item(context, "q15")["condition"] == (
        "Besvares bare hvis «Ja» på spørsmål 12 og «Nei» på spørsmål 14."
    )
    assert item(context, "q15")["lines"] == 5
    assert item(context, "q17")["lines"] == 1


def test_the_context_speaks_the_chosen_language(app, staff):
    with force_locale("en"):
        context = paper_context(staff, "en")
    assert context["title"] == "Questionnaire for staff of Aetat and the social services"
    assert item(context, "q14")["condition"] == "Answer only if “Yes” to question 12."
    assert item(context, "q6")["instruction"] == "Tick one box on each line."


def test_the_html_has_a_box_per_choice_and_grid_cell(app, staff):
    html = paper_html(staff, "nb")
    q6 = html[html.index('id="q-q6"') : html.index('id="q-q7"')]
    assert q6.count('class="box"') == 4 * 5
    assert q6.count('class="write-line"') == 1
    q13 = html[html.index('id="q-q13"') : html.index('id="q-q14"')]
    assert q13.count('<td class="row-no">') == 3
    assert "Side " in html and "counter(page)" in html


def test_the_staff_form_prints(app, staff):
    pdf = paper_pdf(staff, "nb")
    pages = pages_text(pdf)
    assert len(pages) == 3
    for number, text in enumerate(pages, start=1):
        assert f"Side {number} av 3" in text
        assert "Løpenummer:" in text
    everything = "\n".join(pages)
    for question in (
        "Hvilken etat arbeider du i?",
        "Hvor mange hele stillinger (årsverk) arbeider med oppfølging av deltakerne?",
        "Hvor ofte samarbeider dere med følgende om den enkelte deltaker?",
        "Før opp de viktigste tiltaksarrangørene, med antall deltakere og plasser.",
        "Andre kommentarer",
    ):
        assert question in everything
    flat = re.sub(r"\s+", " ", everything)
    assert flat.count("Besvares bare hvis «Ja» på spørsmål 12.") == 2  # q13 and q14
    assert "Besvares bare hvis «Ja» på spørsmål 12 og «Nei» på spørsmål 14." in flat  # q15
    assert "Besvares bare hvis du har krysset av for «Annet, i så fall hva» i spørsmål 8." in flat
    assert "av 10" in flat
    assert "Nei → Gå til spørsmål 16" in flat
    assert "Ja → Gå til spørsmål 16" in flat
    assert "Svært lett" in flat and "Svært vanskelig" in flat


@pytest.mark.parametrize(
    ("language", "footer", "case", "skip"),
    [
        ("nn", "Side 1 av 3", "Løpenummer:", "Skal berre svarast på om «Ja» på spørsmål 12."),
        ("en", "Page 1 of 3", "Case number:", "Answer only if “Yes” to question 12."),
    ],
)
def test_the_staff_form_prints_in_nynorsk_and_english(app, staff, language, footer, case, skip):
    pages = pages_text(paper_pdf(staff, language))
    assert len(pages) == 3
    assert footer in pages[0] and case in pages[0]
    assert skip in re.sub(r"\s+", " ", "\n".join(pages))


def test_the_participant_form_prints(app, participant):
    pages = pages_text(paper_pdf(participant, "nb"))
    assert len(pages) == 2
    assert "Side 1 av 2" in pages[0] and "Side 2 av 2" in pages[1]
    # The participant form is anonymous: no case number that could point to a person.
    assert not any("Løpenummer" in text for text in pages)
    everything = "\n".join(pages)
    assert "Individuelt spørreskjema, tiltaksdeltakere." in everything
    assert "Er du fornøyd med oppfølgingen/hjelpen du har fått fra:" in everything
    assert "Min livsglede er ..." in everything


def test_the_xlsform_staff_questionnaire_prints(app, staff_xlsform):
    pages = pages_text(paper_pdf(staff_xlsform, "nb"))
    assert len(pages) == 4
    assert all(f"Side {n} av 4" in text for n, text in enumerate(pages, start=1))
    flat = re.sub(r"\s+", " ", "\n".join(pages))
    assert "Besvares bare hvis «Ja» på spørsmål 14 og «Nei» på spørsmål 16." in flat
    assert "Nei → Gå til spørsmål 18" in flat
    assert "Nei → Gå til spørsmål 22" in flat
    nynorsk = pages_text(paper_pdf(staff_xlsform, "nn"))
    assert "Side 1 av" in nynorsk[0] and "Løpenummer:" in nynorsk[0]


def test_the_renderer_fetches_only_bundled_fonts():
    fetcher = rendering.BundledFontFetcher()
    response = fetcher.fetch("fieldkit-font:LiberationSans-Regular.ttf")
    assert response.read()[:4] == b"\x00\x01\x00\x00"
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1/",
        "fieldkit-font:../../../etc/passwd",
        "fieldkit-font:LICENSE-LiberationSans.txt",
        "data:text/plain,hello",
    ):
        with pytest.raises(rendering.RefusedURL):
            fetcher.fetch(url)


def test_a_document_cannot_pull_in_local_files():
    html = (
        '<html><body><p>Text</p><img src="file:///etc/hostname">'
        '<link rel="stylesheet" href="file:///etc/hostname"></body></html>'
    )
    pdf = rendering.write_pdf(html)
    assert PdfReader(io.BytesIO(pdf)).pages[0].extract_text().strip() == "Text"


def test_page_counter_css():
    assert (
        rendering.page_counter_css("Side %(page)s av %(pages)s")
        == '"Side " counter(page) " av " counter(pages)'
    )
    assert rendering.css_string('a"b\\') == '"a\\22 b\\5c "'


def test_the_bundled_fonts_are_what_the_pdf_uses(app, participant, monkeypatch):
    fetched = []
    original = rendering.BundledFontFetcher.fetch

    def recording(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(rendering.BundledFontFetcher, "fetch", recording)
    paper_pdf(participant, "nb")
    assert "fieldkit-font:LiberationSans-Regular.ttf" in fetched
    assert "fieldkit-font:LiberationSans-Bold.ttf" in fetched
    assert all(url.startswith("fieldkit-font:") for url in fetched)


def test_routes_skip_the_questions_an_answer_rules_out(app, staff):
    found = routes(staff)
    assert {key: target.name for key, target in found.items()} == {
        ("q12", "2"): "q16",  # "Nei" rules out q13-q15
        ("q14", "1"): "q16",  # "Ja" rules out q15 ("Ja" on 12 and "Nei" on 14)
    }
    with force_locale("nb"):
        context = paper_context(staff, "nb")
    assert [c["route"] for c in item(context, "q12")["choices"]] == ["", "Gå til spørsmål 16"]


def test_a_route_past_the_last_question_and_one_that_depends_on_another_answer(app):
    questionnaire = definition.from_dict(
        {
            "title": "T",
            "questions": [
                {"no": "1", "type": "single", "text": "Jobb?", "options": ["ja", "nei"]},
                {"no": "2", "type": "integer", "text": "Alder"},
                {"no": "3", "type": "text", "text": "Hvor?", "relevant": "${q1} = '1'"},
                {"no": "4", "type": "text", "text": "Hvorfor?",
                 "relevant": "${q1} = '1' or ${q2} > 60"},
                {"no": "5", "type": "single", "text": "Fornøyd?", "options": ["ja", "nei"]},
                {"no": "6", "type": "text", "text": "Hva?", "relevant": "${q5} = '1'"},
            ],
        }
    )  # fmt: skip
    found = routes(questionnaire)
    # q1 = "nei" does not skip q2 (unconditional), and q4 may still be asked: no route.
    assert ("q1", "2") not in found
    assert found == {("q5", "2"): None}
    with force_locale("nb"):
        context = paper_context(questionnaire, "nb")
    assert item(context, "q5")["choices"][1]["route"] == "Hopp over resten av skjemaet"


def test_a_long_table_runs_over_a_page_break_without_leaving_its_question_behind(app):
    questionnaire = definition.from_dict(
        {
            "title": "Tiltaksarrangører",
            "questions": [
                {"no": "1", "type": "long_text", "text": "Beskriv kontoret"},
                {
                    "no": "2",
                    "type": "table",
                    "text": "Før opp alle tiltaksarrangørene",
                    "row_count": 30,
                    "columns": [
                        {"name": "navn", "label": "Tiltaksarrangør", "type": "text"},
                        {"name": "antall", "label": "Deltakere", "type": "integer"},
                    ],
                },
            ],
        }
    )
    with force_locale("nb"):
        assert item(paper_context(questionnaire, "nb"), "q2")["long"] is True
    pages = pages_text(paper_pdf(questionnaire, "nb"))
    assert len(pages) == 2
    assert "Før opp alle tiltaksarrangørene" in pages[0]
    # The table starts under its question, and its header is repeated on the next page.
    first_rows = re.findall(r"^(\d+)$", pages[0], re.MULTILINE)
    assert first_rows[0] == "1"
    assert pages[1].count("Tiltaksarrangør") == 2  # the header row and the running title
    assert "30" in pages[1].split()


def test_questionnaire_text_is_printed_as_text_not_markup(app):
    questionnaire = definition.from_dict(
        {
            "title": "<b>Tittel</b>",
            "questions": [
                {
                    "no": "1",
                    "type": "single",
                    "text": 'Spørsmål <img src="file:///etc/hostname">',
                    "options": ["</li><li>falsk valg", "nei"],
                }
            ],
        }
    )
    html = paper_html(questionnaire, "nb")
    assert "&lt;b&gt;Tittel&lt;/b&gt;" in html
    assert '<img src="file:///etc/hostname">' not in html
    assert html.count('<span class="box">') == 2
    text = pages_text(paper_pdf(questionnaire, "nb"))[0]
    assert "<b>Tittel</b>" in text
    assert '<img src="file:///etc/hostname">' in text
