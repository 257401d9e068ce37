"""E-mail behind one interface.

By default every message is written as an ``.eml`` file to the outbox folder in the instance
(``instance/outbox/``), where an administrator can read it in the browser. With ``SMTP_HOST``
set, messages go through SMTP (STARTTLS or SSL, optional login). Sending many messages reuses one
connection: ``with mail_connection() as conn: conn.send(msg)``.
"""

from __future__ import annotations

import email.policy
import os
import re
import smtplib
import ssl
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Protocol

from flask import current_app


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message."""

    filename: str
    content: bytes
    mimetype: str = "application/octet-stream"


#: Line breaks, other control characters and the whitespace around them.
_BREAKS_IN_HEADER = re.compile(r"\s*[\x00-\x1f\x7f\x85\u2028\u2029]+\s*")


def header_text(value: str) -> str:
    """``value`` as one header line: every line break or control character (a title typed
    on two lines, or an attempt to add a header such as ``Bcc:``) becomes a single space.
    Every header of every message goes through it (``build_message``)."""
    return _BREAKS_IN_HEADER.sub(" ", str(value)).strip()


def build_message(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    *,
    sender: str | None = None,
    reply_to: str | None = None,
    attachments: list[Attachment] | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A MIME message with a plain-text body, an optional HTML alternative and attachments."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = header_text(sender or current_app.config["MAIL_FROM"])
    message["To"] = header_text(to)
    message["Subject"] = header_text(subject)
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(message["From"])[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    if reply_to:
        message["Reply-To"] = header_text(reply_to)
    for name, value in (headers or {}).items():
        message[header_text(name)] = header_text(value)
    message.set_content(text, cte="quoted-printable")
    if html is not None:
        message.add_alternative(html, subtype="html", cte="quoted-printable")
    for attachment in attachments or []:
        maintype, _, subtype = attachment.mimetype.partition("/")
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message


class Connection(Protocol):
    def send(self, message: EmailMessage) -> str: ...


class OutboxConnection:
    """Writes each message as an .eml file into the outbox folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: EmailMessage) -> str:
        """Write ``message`` and return its Message-ID."""
        name = f"{formatdate_for_file()}-{uuid.uuid4().hex[:12]}.eml"
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(message.as_bytes())
        os.replace(temporary, self.folder / name)  # readers never see half a message
        return str(message["Message-ID"])


class SMTPConnection:
    """One open SMTP session, reused for every message sent through it."""

    def __init__(self, config: dict[str, Any]):
        host, port = config["SMTP_HOST"], int(config["SMTP_PORT"])
        timeout = float(config["SMTP_TIMEOUT"])
        context = ssl.create_default_context(cafile=config.get("SMTP_CA_FILE"))
        if config.get("SMTP_SSL"):
            self.smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            self.smtp = smtplib.SMTP(host, port, timeout=timeout)
            if config.get("SMTP_STARTTLS"):
                self.smtp.starttls(context=context)
        if config.get("SMTP_USERNAME"):
            self.smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")

    def send(self, message: EmailMessage) -> str:
        """Send ``message`` and return its Message-ID; raises on refusal."""
        self.smtp.send_message(message)
        return str(message["Message-ID"])

    def close(self) -> None:
        try:
            self.smtp.quit()
        except smtplib.SMTPException:
            self.smtp.close()
        except OSError:
            pass


@contextmanager
def mail_connection() -> Iterator[Connection]:
    """A connection to send through: SMTP when configured, otherwise the outbox folder."""
    config = current_app.config
    if config.get("SMTP_HOST"):
        connection = SMTPConnection(config)
        try:
            yield connection
        finally:
            connection.close()
    else:
        yield OutboxConnection(Path(config["OUTBOX_PATH"]))


def send_mail(message: EmailMessage) -> str:
    """Send one message through a connection of its own; returns its Message-ID."""
    with mail_connection() as connection:
        return connection.send(message)


def formatdate_for_file() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def outbox_messages(limit: int = 200) -> list[dict[str, Any]]:
    """The newest messages in the outbox, as plain data for the admin's outbox page."""
    folder = Path(current_app.config["OUTBOX_PATH"])
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.eml"), reverse=True)[:limit]
    return [read_outbox_message(path.name) for path in files]


def read_outbox_message(name: str) -> dict[str, Any]:
    """One outbox message by file name: headers, text and HTML bodies, attachment names."""
    folder = Path(current_app.config["OUTBOX_PATH"])
    path = folder / name
    if path.parent != folder or not name.endswith(".eml") or not path.is_file():
        raise FileNotFoundError(name)
    message = message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return {
        "name": name,
        "from": str(message["From"]),
        "to": str(message["To"]),
        "subject": str(message["Subject"]),
        "date": str(message["Date"]),
        "text": text.get_content() if text else "",
        "html": html.get_content() if html else None,
        "attachments": [part.get_filename() for part in message.iter_attachments()],
    }


def address(name: str, addr: str) -> str:
    """A properly quoted ``Name <addr>`` header value."""
    return str(Address(display_name=name, addr_spec=addr))
