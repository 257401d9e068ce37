"""Mail: the outbox folder by default, a real SMTP server when configured."""

from pathlib import Path

import pytest

from fieldkit.core.mail import Attachment, build_message, mail_connection, send_mail
from tests.smtp import SMTPServer


def invitation(to: str = "leder@nav.no"):
    return build_message(
        to,
        "Spørreundersøkelse om Storbysatsingen",
        "Hei!\n\nSvar her: https://fieldkit.test/s/abc\n\nVennlig hilsen AFI",
        "<p>Hei!</p><p><a href='https://fieldkit.test/s/abc'>Svar her</a></p>",
        attachments=[Attachment("oppsummering.pdf", b"%PDF-1.7 test", "application/pdf")],
    )


def test_without_smtp_messages_land_in_the_outbox(app, tmp_path):
    message_id = send_mail(invitation())
    files = list((tmp_path / "instance" / "outbox").glob("*.eml"))
    assert len(files) == 1
    raw = files[0].read_bytes()
    assert message_id.encode() in raw
    from email import message_from_bytes, policy

    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == "Spørreundersøkelse om Storbysatsingen"
    assert parsed["To"] == "leder@nav.no"
    assert "Svar her: https://fieldkit.test/s/abc" in parsed.get_body(("plain",)).get_content()
    assert "<a href='https://fieldkit.test/s/abc'>" in parsed.get_body(("html",)).get_content()
    assert [p.get_filename() for p in parsed.iter_attachments()] == ["oppsummering.pdf"]


def test_admin_reads_the_outbox_in_the_browser(client, app, make_user, login):
    from fieldkit.core.models import Role

    send_mail(invitation("kontakt@sosial.oslo.kommune.no"))
    login(make_user(role=Role.ADMIN))
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert "kontakt@sosial.oslo.kommune.no" in listing
    assert "Spørreundersøkelse om Storbysatsingen" in listing
    name = next(Path(app.config["OUTBOX_PATH"]).glob("*.eml")).name
    page = client.get(f"/admin/outbox/{name}").get_data(as_text=True)
    assert "Svar her: https://fieldkit.test/s/abc" in page
    assert "oppsummering.pdf" in page
    assert client.get("/admin/outbox/..%2Fsecret_key").status_code == 404


def test_one_smtp_connection_carries_many_messages(app, smtp_server):
    app.config.update(smtp_server.config)
    with mail_connection() as connection:
        for n in range(5):
            connection.send(invitation(f"kontor{n}@nav.no"))
    assert [m.rcpt_tos for m in smtp_server.messages] == [[f"kontor{n}@nav.no"] for n in range(5)]
    assert len(smtp_server.handler.sessions) == 1
    received = smtp_server.messages[0].message
    assert received["Subject"] == "Spørreundersøkelse om Storbysatsingen"
    assert [p.get_filename() for p in received.iter_attachments()] == ["oppsummering.pdf"]


def test_starttls_and_login(app, tmp_path):
    server = SMTPServer(tmp_path, tls=True, username="fieldkit", password="s3cret-pass").start()
    try:
        app.config.update(server.config)
        send_mail(invitation())
        assert len(server.messages) == 1
        app.config["SMTP_PASSWORD"] = "wrong"
        import smtplib

        with pytest.raises(smtplib.SMTPAuthenticationError):
            send_mail(invitation())
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_headers_are_one_line_whatever_the_text(app):
    """A subject made from a title with line breaks (or an attempt to add a header through
    it) becomes one line: the message is built and sent, and has no header it was not given."""
    with app.test_request_context():
        message = build_message(
            "Kari Nordmann <kari@example.no>",
            "Oppsummering: Dialog\r\nkonferanse\nBcc: alle@example.no\x0b\x00",
            "Hei",
            reply_to="svar@example.no\r\n",
            headers={"X-Fieldkit-Kind": "summary\nBcc: x@example.no"},
        )
        send_mail(message)
    assert message["Subject"] == "Oppsummering: Dialog konferanse Bcc: alle@example.no"
    assert message["X-Fieldkit-Kind"] == "summary Bcc: x@example.no"
    assert message["Bcc"] is None
    raw = message.as_bytes()
    assert b"\nBcc:" not in raw
