"""The audit-log page for administrators: newest first, filtered, paged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from fieldkit.core import audit
from fieldkit.core.models import AuditEvent, Role
from fieldkit.extensions import db


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [row.split("</tr>", 1)[0] for row in body.split("<tr>")[1:]]


def test_only_administrators_see_the_audit_log(client, make_user, login):
    login(make_user("forsker@example.no"))
    assert client.get("/admin/audit").status_code == 403
    assert "/admin/audit" not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(make_user("admin@example.no", role=Role.ADMIN))
    page = client.get("/").get_data(as_text=True)
    assert '<a href="/admin/audit">Revisjonslogg</a>' in page


def test_audit_log_is_newest_first_filtered_and_paged(client, make_user, make_project, login):
    admin = make_user("admin@example.no", "Ada Admin", role=Role.ADMIN)
    kari = make_user("kari@example.no", "Kari Nordmann")
    storby = make_project("storby", "Storbysatsingen", members=[kari])
    nav = make_project("nav", "NAV-reformen")
    db.session.execute(sa.delete(AuditEvent))  # the setup's own events
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for number in range(60):
        event = audit.record(
            "survey.invitations_sent",
            actor=kari,
            project=storby,
            object_type="surveys",
            object_id=number,
            sent=number,
        )
        event.at = start + timedelta(minutes=number)
    system = audit.record("survey.reminders_sent", project=nav, object_type="surveys", object_id=7)
    system.at = start + timedelta(days=1)
    db.session.commit()
    login(admin)

    html = client.get("/admin/audit").get_data(as_text=True)
    assert "<h1>Revisjonslogg</h1>" in html
    rows = _rows(html)
    # login() itself is not audited, so these are all the events
    assert "Hendelser funnet: 61" in html and len(rows) == 50
    # Newest first: the system's event (no actor), then Kari's from the last one down.
    assert "Systemet" in rows[0] and "survey.reminders_sent" in rows[0]
    assert "NAV-reformen" in rows[0] and "02.03.2026 10:00:00" in rows[0]  # Oslo time
    assert "Kari Nordmann (kari@example.no)" in rows[1] and "sent: 59" in rows[1]
    assert "Storbysatsingen" in rows[1] and "surveys 59" in rows[1]
    assert "sent: 11" in rows[49]
    assert "Side 1 av 2" in html and 'rel="next"' in html and 'rel="prev"' not in html

    older = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert len(_rows(older)) == 11 and "Side 2 av 2" in older
    assert "sent: 10" in _rows(older)[0] and "sent: 0" in _rows(older)[10]
    assert 'rel="prev"' in older and 'rel="next"' not in older

    by_project = _rows(client.get(f"/admin/audit?project={nav.id}").get_data(as_text=True))
    assert len(by_project) == 1 and "survey.reminders_sent" in by_project[0]
    by_system = client.get("/admin/audit?actor=0").get_data(as_text=True)
    assert len(_rows(by_system)) == 1
    by_kari = client.get(f"/admin/audit?actor={kari.id}&action=survey.invitations_sent")
    html = by_kari.get_data(as_text=True)
    assert "Hendelser funnet: 60" in html and "Systemet</td>" not in html
    assert '<option value="survey.invitations_sent" selected>' in html
    assert f'<option value="{kari.id}" selected>Kari Nordmann (kari@example.no)</option>' in html
    none = client.get("/admin/audit?action=no.such_action").get_data(as_text=True)
    assert "Hendelser funnet: 0" in none and "Ingen hendelser passer." in none
