"""Sending the summary document as a download link, through a real SMTP server."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from fieldkit.conferences.models import SummaryDocument, SummaryLink, SummarySend
from fieldkit.conferences.summary import compile as compiler
from fieldkit.conferences.summary import links, mail, store
from fieldkit.core.models import AuditEvent, RateLimitHit, utcnow
from fieldkit.extensions import db
from tests.conferences.summary_data import NAMES, fill

LINK = re.compile(r"http://fieldkit\.test/d/([A-Za-z0-9_-]{43})")


def compiled(conference, facilitator) -> SummaryDocument:
    fill(conference, photo=False)
    document_id = compiler.compile_job(conference.id, "pdf", {}, facilitator.id)
    return db.session.get(SummaryDocument, document_id)


def send_url(document) -> str:
    conference = document.conference
    return f"/p/{conference.project.slug}/conferences/{conference.id}/summary/{document.id}/send"


def test_sent_by_link_the_mail_has_the_link_and_the_link_downloads_the_pdf(
    app, client, login, facilitator, conference, smtp_server
):
    app.config.update(smtp_server.config)
    document = compiled(conference, facilitator)
    login(facilitator)
    response = client.post(send_url(document), data={"method": "link", "link_days": "30"})
    assert response.status_code == 302
    assert "job=" in response.headers["Location"]

    with_address = sorted(email for *_rest, email in NAMES if email)
    received = smtp_server.messages
    assert sorted(r for m in received for r in m.rcpt_tos) == with_address
    tokens = set()
    for message in received:
        assert list(message.message.iter_attachments()) == []
        body = message.message.get_body(preferencelist=("plain",)).get_content()
        assert "kan lastes ned her" in body
        assert "Lenken virker til" in body
        found = LINK.findall(body)
        assert len(found) == 1
        tokens.add(found[0])
        # No personal data in the address: not the name, not the e-mail address.
        assert message.rcpt_tos[0].split("@")[0] not in found[0].lower()
    assert len(tokens) == 1  # one link for the sending
    token = tokens.pop()

    link = db.session.scalars(db.select(SummaryLink)).one()
    assert link.token_hash != token and token not in (link.nonce, link.token_hash)
    assert timedelta(days=29) < link.expires_at - utcnow() <= timedelta(days=30)
    log = db.session.scalars(db.select(SummarySend).order_by(SummarySend.id)).all()
    assert Counter((s.status, s.method.value) for s in log) == {
        ("sent", "link"): 4,
        ("no_address", "link"): 1,
    }
    assert {s.link_id for s in log} == {link.id}
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "conference.summary_sent")
    ).one()
    assert event.details["method"] == "link"

    # Anyone with the link gets the identical PDF, without logging in.
    client.post("/logout")
    anonymous = app.test_client()
    download = anonymous.get(f"/d/{token}")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.data == store.document_path(document).read_bytes()
    assert download.headers["Cache-Control"] == "private, no-store"
    assert download.headers["Referrer-Policy"] == "no-referrer"

    # Sending again, by either way, reaches nobody twice.
    counts = mail.send_summary_job(document.id, facilitator.id)
    assert counts == {"sent": 0, "failed": 0, "no_address": 1, "skipped": 4}
    counts = mail.send_summary_job(document.id, facilitator.id, "link", 30)
    assert counts == {"sent": 0, "failed": 0, "no_address": 1, "skipped": 4}
    assert len(smtp_server.messages) == 4
    assert db.session.scalar(db.select(db.func.count(SummaryLink.id))) == 1

    # The facilitator's page shows the link and the log, with how each went.
    login(facilitator)
    page = client.get(send_url(document)).get_data(as_text=True)
    assert token in page
    # 5 rows from the first sending, then one for the participant without an address per run.
    assert page.count("<td>Lenke</td>") == 6
    assert page.count("<td>Vedlegg</td>") == 1
    assert "Zebulon Quaxmire" in page


def test_attachment_mode_from_the_send_page_still_attaches_the_pdf(
    app, client, login, facilitator, conference, smtp_server
):
    app.config.update(smtp_server.config)
    document = compiled(conference, facilitator)
    login(facilitator)
    response = client.post(send_url(document), data={"method": "attachment"})
    assert response.status_code == 302
    pdf = store.document_path(document).read_bytes()
    assert len(smtp_server.messages) == 4
    for message in smtp_server.messages:
        (attachment,) = message.message.iter_attachments()
        assert attachment.get_content() == pdf
        assert not LINK.search(message.message.get_body(preferencelist=("plain",)).get_content())
    assert {s.method.value for s in db.session.scalars(db.select(SummarySend))} == {"attachment"}
    assert db.session.scalars(db.select(SummaryLink)).all() == []


def test_revoked_expired_and_unknown_links_answer_the_same_404(
    app, client, login, facilitator, conference
):
    document = compiled(conference, facilitator)
    working = links.create_link(document, 30, actor=facilitator)
    revoked = links.create_link(document, None, actor=facilitator)
    expired = links.create_link(document, 30, actor=facilitator)
    expired.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/d/{links.token_for(working)}").status_code == 200
    assert client.get(f"/d/{links.token_for(revoked)}").status_code == 200

    login(facilitator)
    conf = document.conference
    url = (
        f"/p/{conf.project.slug}/conferences/{conf.id}/summary/{document.id}"
        f"/links/{revoked.id}/revoke"
    )
    revoking = client.post(url, follow_redirects=True)
    assert "Lenken virker ikke lenger." in revoking.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SummaryLink, revoked.id).revoked_at is not None
    assert db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "conference.summary_link_revoked")
    ).one()

    answers = [
        client.get(f"/d/{links.token_for(revoked)}"),
        client.get(f"/d/{links.token_for(expired)}"),
        client.get("/d/" + "A" * 43),
        client.get("/d/short"),
    ]
    assert {a.status_code for a in answers} == {404}
    # The same page (but for the form tokens of the page's language switch).
    pages = {re.sub(r'value="[^"]*"', "", a.get_data(as_text=True)) for a in answers}
    assert len(pages) == 1
    assert "Lenken virker ikke" in answers[0].get_data(as_text=True)


def test_link_guessing_is_rate_limited(app, client, facilitator, conference):
    document = compiled(conference, facilitator)
    link = links.create_link(document, 30)
    db.session.commit()
    for _ in range(20):
        assert client.get("/d/" + "B" * 43).status_code == 404
    assert db.session.scalar(db.select(db.func.count(RateLimitHit.id))) == 20
    # Further failures are refused for a while; a working link never is.
    assert client.get("/d/" + "B" * 43).status_code == 429
    assert client.get(f"/d/{links.token_for(link)}").status_code == 200
    # Another address is not limited by this one's failures.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert other.get("/d/" + "B" * 43).status_code == 404


def test_only_members_send_and_revoke(app, client, login, make_user, facilitator, conference):
    document = compiled(conference, facilitator)
    link = links.create_link(document, 30)
    db.session.commit()
    outsider = make_user("utenfor@example.no", "Ulf Utenfor")
    login(outsider)
    assert client.get(send_url(document)).status_code == 403
    assert client.post(send_url(document), data={"method": "link"}).status_code == 403
    assert client.post(f"{send_url(document)[:-5]}/links/{link.id}/revoke").status_code == 403
    assert db.session.scalars(db.select(SummarySend)).all() == []
    assert db.session.get(SummaryLink, link.id).revoked_at is None
