"""Figures: the same shares as the tables, stated in the SVG's description."""

import re
from pathlib import Path
from xml.etree import ElementTree

from fieldkit.surveys import definition
from fieldkit.surveys.results import figures
from fieldkit.surveys.results.dataset import Record
from fieldkit.surveys.results.tables import Options

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
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
