"""Tags, the per-conference synthesis, the themes × conferences overview and the export."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from pypdf import PdfReader

from fieldkit.conferences import combined, operations, synthesis
from fieldkit.conferences.models import Point
from fieldkit.extensions import db
from tests.conferences.conftest import FIXTURE
from tests.conferences.summary_data import add_point


def two_conferences(project):
    """Bergen and Oslo, each with tagged points; one hidden point in Oslo."""
    bergen = operations.import_conference(project, FIXTURE)
    bergen.place = "Bergen"
    oslo = operations.import_conference(project, FIXTURE)
    oslo.place = "Oslo"
    synthesis.add_suggested_tags(project)
    tags = {t.name: t for t in synthesis.project_tags(project)}
    gb = operations.add_group(bergen.rounds[0], "Gruppe 1")
    go = operations.add_group(oslo.rounds[0], "Gruppe A")
    go2 = operations.add_group(oslo.rounds[1], "Gruppe B")
    b = [add_point(gb, bergen.rounds[0].tasks[0], f"Bergen {i}", i) for i in range(5)]
    o = [add_point(go, oslo.rounds[0].tasks[1], f"Oslo {i}", i) for i in range(4)]
    o.append(add_point(go2, oslo.rounds[1].tasks[0], "Oslo runde 2", 0))
    synthesis.set_tag(b[:3], tags["Aetat"], True)
    synthesis.set_tag(b[2:4], tags["Samarbeid"], True)
    synthesis.set_tag(o[:2] + [o[4]], tags["Aetat"], True)
    synthesis.set_tag(o[1:4], tags["Arbeidslivet"], True)
    operations.edit_point(o[3], None, True)  # hidden: not counted
    b[4].deleted_at = b[4].created_at  # deleted by the referent: not counted
    synthesis.set_tag([b[4]], tags["Arbeidslivet"], True)
    db.session.commit()
    return bergen, oslo, tags, b, o


def test_overview_counts_points_per_theme_and_conference(project):
    bergen, oslo, tags, b, o = two_conferences(project)
    overview = synthesis.project_overview(project)
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
    from flask_babel import force_locale

    from fieldkit.conferences.compile import DEFAULT_OPTIONS

    with force_locale("nb"):
        result = synthesis.conference_synthesis(bergen, DEFAULT_OPTIONS)
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

    rows = list(csv.DictReader(io.StringIO(synthesis.export_csv(project).decode("utf-8-sig"))))
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
    sheet = load_workbook(io.BytesIO(synthesis.export_xlsx(project))).active
    values = list(sheet.values)
    assert values[0] == tuple(synthesis.EXPORT_COLUMNS)
    assert len(values) == 10
    b3 = next(v for v in values if v[7] == "Bergen 3")
    assert b3[11] == "Samarbeid"


def test_tagging_and_correcting_in_the_browser_pages(client, login, facilitator, project):
    bergen, oslo, tags, b, o = two_conferences(project)
    login(facilitator)
    base = f"/p/{project.slug}/conferences/{bergen.id}"
    page = client.get(f"{base}/points")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'data-key="1"' in body and "Bergen 3" in body
    tag = tags["Tiltaksutvikling"]
    response = client.post(
        f"{base}/points", data={"point": [str(b[0].id), str(b[1].id)], "action": f"tag:{tag.id}"}
    )
    assert response.status_code == 302
    assert synthesis.tagged_point_ids(tag) == sorted([b[0].id, b[1].id])
    # A point of another conference cannot be tagged through this conference's page.
    client.post(f"{base}/points", data={"point": [str(o[0].id)], "action": f"tag:{tag.id}"})
    assert o[0].id not in synthesis.tagged_point_ids(tag)
    client.post(f"{base}/points", data={"point": [str(b[0].id)], "action": f"untag:{tag.id}"})
    assert synthesis.tagged_point_ids(tag) == [b[1].id]
    client.post(f"{base}/points", data={"point": [str(b[1].id)], "action": "hide"})
    db.session.expire_all()
    assert db.session.get(Point, b[1].id).edit.hidden is True

    response = client.post(
        f"{base}/points/{b[0].id}", data={"corrected_text": "Bergen null, rettet"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    point = db.session.get(Point, b[0].id)
    assert point.edit.corrected_text == "Bergen null, rettet"
    assert point.text == "Bergen 0"
    assert point.edit.hidden is False

    overview = client.get(f"/p/{project.slug}/conferences/synthesis")
    assert overview.status_code == 200
    html = overview.get_data(as_text=True)
    assert "Bergen null, rettet" in html
    started = client.post(f"/p/{project.slug}/conferences/synthesis/points.csv")
    assert started.status_code == 302
    job_page = client.get(started.headers["Location"]).get_data(as_text=True)
    download = re.search(r'href="([^"]+/download)"', job_page).group(1)
    csv_response = client.get(download)
    assert csv_response.status_code == 200
    assert "Bergen null, rettet" in csv_response.get_data(as_text=True)
    added = client.post(
        f"/p/{project.slug}/conferences/synthesis", data={"name": "aetat", "kind": "actor"}
    )
    assert added.status_code == 422
    assert "Prosjektet har allerede stikkordet «aetat»." in added.get_data(as_text=True)
