"""The codebook: one row per variable, as rows, PDF and workbook."""

import io

from flask_babel import force_locale
from openpyxl import load_workbook
from pypdf import PdfReader

from fieldkit.surveys.paper.codebook import codebook_pdf, codebook_rows, codebook_xlsx

STAFF_VARIABLES = [
    "q1", "q2", "q2.3", "q3", "q4", "q5",
    "q6_aetat", "q6_sosial", "q6_helse", "q6_andre", "q6_andre.other",
    "q7_kurs", "q7_praksis", "q7_loenn",
    "q8", "q8.annet", "q9", "q10", "q11", "q12",
    "q13.navn", "q13.deltakere", "q13.plasser", "q14", "q15", "q16", "q17", "q18",
]  # fmt: skip


def test_every_variable_has_a_row(app, staff):
    with force_locale("nb"):
        rows = codebook_rows(staff, "nb")
    assert [row["name"] for row in rows] == STAFF_VARIABLES
    by_name = {row["name"]: row for row in rows}
    assert by_name["q6_helse"]["label"] == (
        "Hvor ofte samarbeider dere med følgende om den enkelte deltaker? – Helsevesenet"
    )
    assert [(v["code"], v["nonsubstantive"]) for v in by_name["q6_helse"]["values"]] == [
        ("1", False), ("2", False), ("3", False), ("4", False), ("9", True),
    ]  # fmt: skip
    assert by_name["q8.annet"]["condition"] == "selected(${q8}, 'annet')"
    assert by_name["q15"]["condition_words"] == (
        "Stilles bare hvis «Ja» på spørsmål 12 og «Nei» på spørsmål 14."
    )
    assert (by_name["q3"]["unit"], by_name["q3"]["range"]) == ("årsverk", "0–200")
    assert by_name["q3"]["required"] == "mykt (varsles én gang)"
    assert by_name["q1"]["required"] == "ja"
    assert (by_name["q13.plasser"]["type"], by_name["q13.plasser"]["range"]) == (
        "decimal",
        "rad 1–3",
    )
    assert by_name["q11"]["range"] == "0–10"
    assert by_name["q8"]["range"] == "minst 1 kryss"


def test_the_workbook_reads_back(app, staff):
    workbook = load_workbook(io.BytesIO(codebook_xlsx(staff, "nb")))
    assert workbook.sheetnames == ["Variabler", "Verdietiketter"]
    variables = [
        tuple("" if v is None else v for v in row)
        for row in workbook["Variabler"].iter_rows(values_only=True)
    ]
    assert variables[0] == (
        "Variabel", "Nr.", "Etikett", "Type", "Verdier", "Vilkår", "Vilkår i ord", "Enhet",
        "Gyldige verdier", "Påkrevd",
    )  # fmt: skip
    assert variables[1:] == STAFF_VARIABLE_ROWS
    labels = [
        tuple("" if v is None else v for v in row)
        for row in workbook["Verdietiketter"].iter_rows(values_only=True)
    ]
    assert labels[0] == ("Variabel", "Kode", "Etikett", "Ikke-substansiell", "Åpner et tekstfelt")
    assert len(labels) - 1 == 2 + 3 + 4 * 5 + 3 * 3 + 5 + 5 + 7 + 2 + 2 + 5
    assert labels[1:6] == [
        ("q1", "1", "Aetat", "", ""),
        ("q1", "2", "Sosialtjenesten", "", ""),
        ("q2", "1", "Saksbehandler", "", ""),
        ("q2", "2", "Leder", "", ""),
        ("q2", "3", "Annet, i så fall hva", "", "ja"),
    ]
    assert ("q9", "8", "Har ingen formening", "ja", "") in labels
    assert ("q8", "annet", "Annet, i så fall hva", "", "ja") in labels


def test_the_workbook_in_english(app, staff):
    workbook = load_workbook(io.BytesIO(codebook_xlsx(staff, "en")))
    assert workbook.sheetnames == ["Variables", "Value labels"]
    row = [c.value for c in workbook["Variables"][17]]
    assert row[:3] == [
        "q8.annet",
        "8",
        "Which forms of cooperation have you used? – Other, please specify",
    ]
    assert row[6] == "Asked only if you ticked “Other, please specify” in question 8."


def test_the_codebook_pdf(app, staff, participant):
    reader = PdfReader(io.BytesIO(codebook_pdf(staff, "nb", 1)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Kodebok: Spørreskjema til ansatte i Aetat og sosialtjenesten" in text
    assert "28 variabler" in text
    for name in ("q6_andre.other", "q13.deltakere", "q17"):
        assert name in text
    assert len(reader.pages) == 3
    assert "Side 1 av 3" in text
    reader = PdfReader(io.BytesIO(codebook_pdf(participant, "nb", 1)))
    assert "16 variabler" in reader.pages[0].extract_text()


#: The variables sheet of the staff questionnaire's codebook in bokmål, row by row.
STAFF_VARIABLE_ROWS = [
    (
        "q1",
        "1",
        "Hvilken etat arbeider du i?",
        "ett valg (en kode)",
        "1 = Aetat; 2 = Sosialtjenesten",
        "",
        "",
        "",
        "",
        "ja",
    ),
    (
        "q2",
        "2",
        "Hva er din stilling?",
        "ett valg (en kode)",
        "1 = Saksbehandler; 2 = Leder; 3 = Annet, i så fall hva",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "q2.3",
        "2",
        "Hva er din stilling? – Annet, i så fall hva",
        "tekst til et «annet»-svar",
        "",
        "selected(${q2}, '3')",
        "Stilles bare hvis «Annet, i så fall hva» på spørsmål 2.",
        "",
        "",
        "",
    ),
    (
        "q3",
        "3",
        "Hvor mange hele stillinger (årsverk) arbeider med oppfølging av deltakerne?",
        "desimaltall",
        "",
        "",
        "",
        "årsverk",
        "0–200",
        "mykt (varsles én gang)",
    ),
    (
        "q4",
        "4",
        "Hvor mange deltakere fulgte kontoret opp i 2003?",
        "heltall",
        "",
        "",
        "",
        "deltakere",
        "0–10000",
        "",
    ),
    (
        "q5",
        "5",
        "Når startet kontoret med Storbysatsingen?",
        "dato (ÅÅÅÅ-MM-DD)",
        "",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "q6_aetat",
        "6",
        "Hvor ofte samarbeider dere med følgende om den enkelte deltaker? – Aetat",
        "rad i matrise, ett valg (en kode)",
        "1 = Så å si alltid; 2 = Ofte; 3 = Noen ganger; 4 = Aldri; 9 = Vet ikke "
        "(ikke-substansielt)",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "q6_sosial",
        "6",
        "Hvor ofte samarbeider dere med følgende om den enkelte deltaker? – Sosialtjenesten",
        "rad i matrise, ett valg (en kode)",
        "1 = Så å si alltid; 2 = Ofte; 3 = Noen ganger; 4 = Aldri; 9 = Vet ikke "
        "(ikke-substansielt)",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "q6_helse",
        "6",
        "Hvor ofte samarbeider dere med følgende om den enkelte deltaker? – Helsevesenet",
        "rad i matrise, ett valg (en kode)",
        "1 = Så å si alltid; 2 = Ofte; 3 = Noen ganger; 4 = Aldri; 9 = Vet ikke "
        "(ikke-substansielt)",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "q6_andre",
        "6",
        "Hvor ofte samarbeider dere med følgende om den enkelte deltaker? – Andre? Hvilke",
        "rad i matrise, ett valg (en kode)",
        "1 = Så å si alltid; 2 = Ofte; 3 = Noen ganger; 4 = Aldri; 9 = Vet ikke "
        "(ikke-substansielt)",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "q6_andre.other",
        "6",
        "Hvor ofte samarbeider dere med følgende om den enkelte deltaker? – Andre? Hvilke",
        "tekst til et «annet»-svar",
        "",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "q7_kurs",
        "7",
        "Hvilke tiltak har deltakerne brukt, og hvem finansierte dem? (sett gjerne flere kryss på "
        "hver linje) – Kurs",
        "rad i matrise, flere valg (en liste med koder)",
        "aetat = Aetat; kommunen = Kommunen; satsingen = Storbysatsingen",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "q7_praksis",
        "7",
        "Hvilke tiltak har deltakerne brukt, og hvem finansierte dem? (sett gjerne flere kryss på "
        "hver linje) – Arbeidspraksis",
        "rad i matrise, flere valg (en liste med koder)",
        "aetat = Aetat; kommunen = Kommunen; satsingen = Storbysatsingen",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "q7_loenn",
        "7",
        "Hvilke tiltak har deltakerne brukt, og hvem finansierte dem? (sett gjerne flere kryss på "
        "hver linje) – Lønnstilskudd",
        "rad i matrise, flere valg (en liste med koder)",
        "aetat = Aetat; kommunen = Kommunen; satsingen = Storbysatsingen",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "q8",
        "8",
        "Hvilke samarbeidsformer har dere brukt?",
        "flervalg (en liste med koder)",
        "moter = Faste møter; team = Felles team; plan = Individuell plan; annet = Annet, i så "
        "fall hva; ingen = Ingen av disse",
        "",
        "",
        "",
        "minst 1 kryss",
        "",
    ),
    (
        "q8.annet",
        "8",
        "Hvilke samarbeidsformer har dere brukt? – Annet, i så fall hva",
        "tekst til et «annet»-svar",
        "",
        "selected(${q8}, 'annet')",
        "Stilles bare hvis du har krysset av for «Annet, i så fall hva» i spørsmål 8.",
        "",
        "",
        "",
    ),
    (
        "q9",
        "9",
        "Hvordan vurderer du samarbeidet med tiltaksarrangørene?",
        "ett valg (en kode)",
        "1 = Svært godt; 2 = Ganske godt; 3 = Ganske dårlig; 4 = Svært dårlig; 8 = Har ingen "
        "formening (ikke-substansielt)",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "q10",
        "10",
        "Hvor lett eller vanskelig er det å skaffe deltakerne arbeidspraksis?",
        "ett valg (en kode)",
        "1 = Svært lett; 2–6; 7 = Svært vanskelig",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "q11",
        "11",
        "Hvor mange av ti deltakere har etter din vurdering fått et bedre tilbud?",
        "heltall (x av N)",
        "",
        "",
        "",
        "",
        "0–10",
        "",
    ),
    (
        "q12",
        "12",
        "Bruker kontoret eksterne tiltaksarrangører?",
        "ett valg (en kode)",
        "1 = Ja; 2 = Nei",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "q13.navn",
        "13",
        "Før opp de viktigste tiltaksarrangørene, med antall deltakere og plasser. – "
        "Tiltaksarrangør",
        "kort tekst",
        "",
        "${q12} = '1'",
        "Stilles bare hvis «Ja» på spørsmål 12.",
        "",
        "rad 1–3",
        "",
    ),
    (
        "q13.deltakere",
        "13",
        "Før opp de viktigste tiltaksarrangørene, med antall deltakere og plasser. – Deltakere",
        "heltall",
        "",
        "${q12} = '1'",
        "Stilles bare hvis «Ja» på spørsmål 12.",
        "",
        "rad 1–3",
        "",
    ),
    (
        "q13.plasser",
        "13",
        "Før opp de viktigste tiltaksarrangørene, med antall deltakere og plasser. – Plasser",
        "desimaltall",
        "",
        "${q12} = '1'",
        "Stilles bare hvis «Ja» på spørsmål 12.",
        "",
        "rad 1–3",
        "",
    ),
    (
        "q14",
        "14",
        "Har dere skriftlige avtaler med tiltaksarrangørene?",
        "ett valg (en kode)",
        "1 = Ja; 2 = Nei",
        "${q12} = '1'",
        "Stilles bare hvis «Ja» på spørsmål 12.",
        "",
        "",
        "",
    ),
    (
        "q15",
        "15",
        "Hvorfor ikke?",
        "lang tekst",
        "",
        "${q12} = '1' and ${q14} = '2'",
        "Stilles bare hvis «Ja» på spørsmål 12 og «Nei» på spørsmål 14.",
        "",
        "",
        "",
    ),
    (
        "q16",
        "16",
        "Hvor høy er måloppnåelsen så langt?",
        "ett valg (en kode)",
        "1 = Svært høy; 2 = Ganske høy; 3 = Ganske lav; 4 = Svært lav; 9 = Vet ikke "
        "(ikke-substansielt)",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "q17",
        "17",
        "Beskriv den andre samarbeidsformen kort",
        "kort tekst",
        "",
        "selected(${q8}, 'annet')",
        "Stilles bare hvis du har krysset av for «Annet, i så fall hva» i spørsmål 8.",
        "",
        "",
        "",
    ),
    ("q18", "18", "Andre kommentarer", "lang tekst", "", "", "", "", "", ""),
]
