"""Figures: the same shares as the tables, stated in the SVG's description."""

import re
from xml.etree import ElementTree

import pytest

from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.results import figures
from fieldkit.surveys.results.dataset import Record
from fieldkit.surveys.results.tables import Options
from tests.paths import FIXTURES

FIXTURES = FIXTURES
#: The words of tables and figures come from the catalogue: in the app, in its default language
#: (bokmål).
pytestmark = pytest.mark.usefixtures("app")
Q = definition.load((FIXTURES / "ansatteskjema_storbysatsingen.yaml").read_text("utf-8"))
SVG = "{http://www.w3.org/2000/svg}"


def records(*answers):
    return [Record(dict(a), {"strata": {}}) for a in answers]


def test_grid_as_stacked_bars():
    recs = records(
        {"q6_aetat": "1", "q6_sosial": "2"},
        {"q6_aetat": "1", "q6_sosial": "2"},
        {"q6_aetat": "2", "q6_sosial": "9"},
        {"q6_aetat": "3"},
    )
    figure = figures.figure_for(Q.item("q6"), recs, Options())
    assert figure.kind == "stacked"
    assert figure.numbered(2) == (
        "Figur 2. 6. Hvor ofte samarbeider dere med følgende om den enkelte deltaker? (n=4)"
    )
    root = ElementTree.fromstring(str(figure.svg))
    assert root.find(f"{SVG}title").text == figure.caption
    desc = root.find(f"{SVG}desc").text
    assert (
        "Aetat: Så å si alltid 50 %, Ofte 25 %, Noen ganger 25 %, Aldri 0 %, Vet ikke 0 %"
    ) in desc
    assert (
        "Sosialtjenesten: Så å si alltid 0 %, Ofte 67 %, Noen ganger 0 %, Aldri 0 %, Vet ikke 33 %"
    ) in desc
    # Aetat's bar: 50 % + 25 % + 25 % of the 450 px bar area.
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("y") == "10"]
    assert widths == [225.0, 112.5, 112.5]
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "Aetat (n=4)" in labels and "Helsevesenet (n=0)" in labels


def test_seven_point_scale_as_bar_distribution():
    recs = records(*[{"q10": code} for code in "1123377"])
    figure = figures.figure_for(Q.item("q10"), recs, Options())
    assert figure.kind == "bars"
    assert figure.caption.endswith("(n=7)")
    desc = ElementTree.fromstring(str(figure.svg)).find(f"{SVG}desc").text
    # 2/7 = 28.6, 1/7 = 14.3, 2/7, 0, 0, 0, 2/7.
    assert desc.startswith("1 Svært lett: 29 %; 2: 14 %; 3: 29 %; 4: 0 %")
    assert desc.endswith("7 Svært vanskelig: 29 %")


def test_questions_without_a_figure():
    assert figures.figure_for(Q.item("q8"), [], Options()) is None
    assert figures.figure_for(Q.item("q1"), [], Options()) is None


def test_labels_are_escaped():
    q = definition.load((FIXTURES / "ansatteskjema_storbysatsingen.yaml").read_text("utf-8"))
    q.item("q6").rows[0].label = {"nb": "<script>x</script>"}
    figure = figures.figure_for(q.item("q6"), records({"q6_aetat": "1"}), Options())
    assert "<script>" not in str(figure.svg)
    assert re.search(r"&lt;script&gt;x&lt;/script&gt; \(n=1\)", str(figure.svg))


def test_bars_end_at_100_percent_when_rounded_labels_add_to_101():
    # 2/7, 2/7, 1/7, 2/7 print as 29 + 29 + 14 + 29 = 101; the bar still ends at the edge.
    recs = records(*[{"q6_sosial": c} for c in "2234411"])
    root = ElementTree.fromstring(str(figures.figure_for(Q.item("q6"), recs, Options()).svg))
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("y") == "46"]
    assert abs(sum(widths) - 450) < 0.2  # each width is printed to 0.1 px; 101 % would be 454.5
    texts = root.iter(f"{SVG}text")
    assert [t.text for t in texts if t.get("y") == "63.0" and t.get("text-anchor") == "middle"] == [
        "29", "29", "14", "29",
    ]  # fmt: skip


def test_small_cells_are_not_drawn_in_stacked_bars():
    # Aetat row, 10 answers: 6 × "1", 3 × "2", 1 × "9" (Vet ikke). With min_cell 5 the 3 and the
    # 1 are suppressed as in the table ("<5" / "–"): only "Så å si alltid" 6/10 = 60 % is drawn
    # (0.6 × 450 px = 270 px); the 4 hidden answers share one dashed white box (180 px) with no
    # share printed, after the shown segments.
    recs = records(*[{"q6_aetat": code} for code in "1111112229"])
    options = Options(min_cell=5)
    table = figures.tables.table_for(Q, "q6", recs, options)
    assert table.rows[0] == ["Aetat", "60", "–", "0", "0", "–", "100", "10"]
    figure = figures.figure_for(Q.item("q6"), recs, options)
    root = ElementTree.fromstring(str(figure.svg))
    bar = [
        (r.get("width"), r.get("fill"), r.get("stroke"))
        for r in root.iter(f"{SVG}rect")
        if r.get("y") in ("10", "10.5")
    ]
    assert bar == [("270.0", "#1f4e79", None), ("179.5", "#ffffff", "#595959")]
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "60" in labels and "30" not in labels and "10" not in labels
    note = (
        "Kategorier med færre enn 5 svar er skjult av personvernhensyn "
        "(samlet i det stiplede feltet)."
    )
    assert note in labels
    desc = root.find(f"{SVG}desc").text
    assert desc.startswith(
        "Aetat: Så å si alltid 60 %, Ofte færre enn 5 svar (skjult), Noen ganger 0 %, "
        "Aldri 0 %, Vet ikke færre enn 5 svar (skjult)"
    )
    assert desc.endswith(note)
    # Without suppression (anonymous surveys) every segment is drawn and labelled.
    plain = ElementTree.fromstring(str(figures.figure_for(Q.item("q6"), recs, Options()).svg))
    assert [t.text for t in plain.iter(f"{SVG}text")].count("30") == 1


def test_small_cells_are_not_drawn_in_bar_distributions():
    # 1–7 scale, 12 answers: "1" × 6, "4" × 4, "7" × 2. With min_cell 5, 4 and 2 are hidden:
    # only the bar of "1" is drawn (6/12 = 50 %, the tallest shown bar, full 180 px height);
    # the hidden ones get the mark "<5" at the base line and no bar.
    recs = records(*[{"q10": code} for code in "111111444477"])
    figure = figures.figure_for(Q.item("q10"), recs, Options(min_cell=5))
    root = ElementTree.fromstring(str(figure.svg))
    bars = [(r.get("height"), r.get("fill")) for r in root.iter(f"{SVG}rect")]
    assert bars == [("180.0", "#1f4e79"), ("0.0", "#1f4e79"), ("0.0", "#1f4e79"),
                    ("0.0", "#1f4e79"), ("0.0", "#1f4e79")]  # fmt: skip
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert labels.count("<5") == 2 and "33" not in labels and "17" not in labels
    desc = root.find(f"{SVG}desc").text
    assert desc.startswith("1 Svært lett: 50 %; 2: 0 %; 3: 0 %; 4: færre enn 5 svar (skjult)")
    assert "7 Svært vanskelig: færre enn 5 svar (skjult)" in desc
    assert desc.endswith("Søyler med færre enn 5 svar er skjult av personvernhensyn (merket <5).")
