"""Tags, the per-conference synthesis, the themes × conferences overview and the export."""

from __future__ import annotations

import csv
import io

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from pypdf import PdfReader

from fieldkit.conferences.documents import DEFAULT_OPTIONS
from fieldkit.conferences.setup import operations
from fieldkit.conferences.synthesis import combined, export
from fieldkit.conferences.synthesis.overview import conference_synthesis, project_overview
from fieldkit.extensions import db
from tests.conferences.conftest import FIXTURE
from tests.conferences.summary_data import add_point
from tests.conferences.synthesis_data import two_conferences


def test_overview_counts_points_per_theme_and_conference(project):
    bergen, oslo, tags, b, o = two_conferences(project)
    overview = project_overview(project)
    assert [c["place"] for c in overview["conferences"]] == ["Bergen", "Oslo"]
    rows = {r["name"]: (r["counts"], r["total"]) for r in overview["rows"]}
    assert rows["Aetat"] == ([3, 3], 6)
    assert rows["Samarbeid"] == ([2, 0], 2)
    assert rows["Arbeidslivet"] == ([0, 2], 2)
    assert rows["Individuell plan"] == ([0, 0], 0)
    assert len(rows) == 9
    aetat = next(r for r in overview["rows"] if r["name"] == "Aetat")
    assert [p["text"] for p in aetat["points"][0]] == ["Bergen 0", "Bergen 1", "Bergen 2"]
    assert [p["text"] for p in aetat["points"][1]] == ["Oslo 0", "Oslo 1", "Oslo runde 2"]


def test_conference_synthesis_groups_by_theme_with_provenance(project):
    bergen, oslo, tags, b, o = two_conferences(project)

    with force_locale("nb"):
        result = conference_synthesis(bergen, DEFAULT_OPTIONS)
    assert result["title"] == "Utfordringer og endringsforslag"
    assert result["provenance"] == (
        "De følgende momentene er kommet fram i arbeidsgruppene på dialogkonferansen i Bergen."
    )
    assert [(t["name"], [p["text"] for p in t["points"]]) for t in result["themes"]] == [
        ("Aetat", ["Bergen 0", "Bergen 1", "Bergen 2"]),
        ("Samarbeid", ["Bergen 2", "Bergen 3"]),
    ]


def test_combined_document_and_export(project):
    two_conferences(project)
    pdf, mimetype = combined.render(project, "pdf")
    assert mimetype == "application/pdf"
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "dialogkonferansen i Bergen." in text and "dialogkonferansen i Oslo." in text
    assert "Oslo 3" not in text  # hidden

    rows = list(csv.DictReader(io.StringIO(export.export_csv(project).decode("utf-8-sig"))))
    assert len(rows) == 4 + 5  # Bergen without its deleted point, Oslo with the hidden one
    first = rows[0]
    assert first["place"] == "Bergen"
    assert first["group"] == "Gruppe 1"
    assert first["task"] == "1"
    assert first["actors"] == "Aetat"
    assert first["round"].startswith("Gruppearbeid I")
    hidden = next(r for r in rows if r["text"] == "Oslo 3")
    assert hidden["hidden"] == "1"
    assert hidden["actors"] == "Arbeidslivet"
    sheet = load_workbook(io.BytesIO(export.export_xlsx(project))).active
    values = list(sheet.values)
    assert values[0] == tuple(export.EXPORT_COLUMNS)
    assert len(values) == 10
    b3 = next(v for v in values if v[7] == "Bergen 3")
    assert b3[11] == "Samarbeid"


def _points_rows(project, fmt):
    if fmt == "csv":
        text = export.export_csv(project).decode("utf-8-sig")
        return [list(r) for r in csv.reader(io.StringIO(text))]
    return [list(r) for r in load_workbook(io.BytesIO(export.export_xlsx(project))).active.values]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_points_export_neutralises_formulas(project, fmt):
    """A referent's point or a group name that a spreadsheet would run as a formula comes out
    as text with a quote in front; ids and task numbers stay numbers."""
    conference = operations.import_conference(project, FIXTURE)
    conference.title = "-Dialog"
    group = operations.add_group(conference.rounds[0], "@Gruppe")
    point = add_point(group, conference.rounds[0].tasks[0], '=HYPERLINK("http://x.example")')
    add_point(group, conference.rounds[0].tasks[0], "+47 22 00 00 00", 1)
    db.session.commit()
    rows = _points_rows(project, fmt)
    first = dict(zip(export.EXPORT_COLUMNS, rows[1], strict=True))
    assert first["text"] == first["original_text"] == '\'=HYPERLINK("http://x.example")'
    assert first["conference"] == "'-Dialog"
    assert first["group"] == "'@Gruppe"
    assert dict(zip(export.EXPORT_COLUMNS, rows[2], strict=True))["text"] == "'+47 22 00 00 00"
    if fmt == "xlsx":
        assert first["point_id"] == point.id and first["task"] == 1
    else:
        assert first["point_id"] == str(point.id) and first["task"] == "1"
