"""Two conferences of one project (Bergen and Oslo) with points tagged by theme and actor."""

from __future__ import annotations

from fieldkit.conferences.facilitation.operations import edit_point
from fieldkit.conferences.setup import operations
from fieldkit.conferences.synthesis.tags import add_suggested_tags, project_tags, set_tag
from fieldkit.extensions import db
from tests.conferences.conftest import FIXTURE
from tests.conferences.summary_data import add_point


def two_conferences(project):
    """Bergen and Oslo, each with tagged points; one hidden point in Oslo."""
    bergen = operations.import_conference(project, FIXTURE)
    bergen.place = "Bergen"
    oslo = operations.import_conference(project, FIXTURE)
    oslo.place = "Oslo"
    add_suggested_tags(project)
    tags = {t.name: t for t in project_tags(project)}
    gb = operations.add_group(bergen.rounds[0], "Gruppe 1")
    go = operations.add_group(oslo.rounds[0], "Gruppe A")
    go2 = operations.add_group(oslo.rounds[1], "Gruppe B")
    b = [add_point(gb, bergen.rounds[0].tasks[0], f"Bergen {i}", i) for i in range(5)]
    o = [add_point(go, oslo.rounds[0].tasks[1], f"Oslo {i}", i) for i in range(4)]
    o.append(add_point(go2, oslo.rounds[1].tasks[0], "Oslo runde 2", 0))
    set_tag(b[:3], tags["Aetat"], True)
    set_tag(b[2:4], tags["Samarbeid"], True)
    set_tag(o[:2] + [o[4]], tags["Aetat"], True)
    set_tag(o[1:4], tags["Arbeidslivet"], True)
    edit_point(o[3], None, True)  # hidden: not counted
    b[4].deleted_at = b[4].created_at  # deleted by the referent: not counted
    set_tag([b[4]], tags["Arbeidslivet"], True)
    db.session.commit()
    return bergen, oslo, tags, b, o
