"""Sending a compiled summary document to every participant of its conference, with a log.

The document goes either as an attachment or as a link to a public download address made for
the sending (see ``links``). Runs as a background job through one mail connection. A
participant the document was already sent to, either way, is skipped, so a send interrupted
half-way can be started again without anyone getting the document twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from fieldkit.conferences.documents import MIMETYPES
from fieldkit.conferences.models import SendMethod, SummaryDocument, SummaryLink, SummarySend
from fieldkit.conferences.summary import links
from fieldkit.conferences.summary.compile import closing_statement
from fieldkit.conferences.summary.store import document_path, download_name
from fieldkit.core import audit
from fieldkit.core.jobs import report_progress
from fieldkit.core.mail import Attachment, build_message, mail_connection
from fieldkit.core.models import User
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db

SENT, FAILED, NO_ADDRESS = "sent", "failed", "no_address"


class SendingIncomplete(OperationError):
    """Some messages of a sending failed: the job ends failed (its page says so and offers to
    try again, which sends only to those not sent to); ``counts`` by status."""

    def __init__(self, counts: dict[str, int]):
        attempted = counts[SENT] + counts[FAILED]
        super().__init__(
            _(
                "%(failed)d of %(total)d messages could not be sent. The others are sent.",
                failed=counts[FAILED],
                total=attempted,
            )
        )
        self.counts = counts


def already_sent(document: SummaryDocument) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(SummarySend.participant_id).where(
                SummarySend.document_id == document.id, SummarySend.status == SENT
            )
        )
    )


def message_for(
    document: SummaryDocument,
    to: str,
    content: bytes | None = None,
    link: SummaryLink | None = None,
):
    """The message to one participant: the document attached, or the link to it."""
    conference = document.conference
    with force_locale(document.options.get("language", "nb")):
        where = " – ".join(x for x in (conference.title, conference.place) if x)
        subject = _("The summary of the dialogue conference: %(title)s", title=where)
        if link is None:
            delivery = [
                _(
                    "Thank you for taking part in the dialogue conference %(title)s. Attached "
                    "is the compiled summary of the group work.",
                    title=where,
                )
            ]
        else:
            delivery = [
                _(
                    "Thank you for taking part in the dialogue conference %(title)s. The "
                    "compiled summary of the group work can be downloaded here:",
                    title=where,
                )
                + "\n"
                + links.url_for_link(link)
            ]
            if link.expires_at is not None:
                delivery.append(
                    _(
                        "The link works until %(date)s.",
                        date=format_date(link.expires_at, "long"),
                    )
                )
        text = "\n\n".join(
            [
                _("Hello,"),
                *delivery,
                closing_statement(),
                _("Best regards,\n%(organiser)s", organiser=conference.organiser or where),
            ]
        )
    attachments = []
    if link is None:
        attachments.append(
            Attachment(
                download_name(document),
                content or b"",
                MIMETYPES[document.format].split(";")[0],
            )
        )
    return build_message(to, subject, text, attachments=attachments)


def send_summary_job(
    document_id: int,
    user_id: int | None,
    method: str = SendMethod.ATTACHMENT.value,
    link_days: int | None = links.DEFAULT_LIFETIME,
) -> dict[str, int]:
    """Background job: e-mail the document (attached, or as a link made for this sending) to
    every participant not yet sent to; returns counts by status, or raises
    ``SendingIncomplete`` (after logging every message) when any message failed."""
    document = db.session.get(SummaryDocument, document_id)
    if document is None:
        raise LookupError(f"no summary document {document_id}")
    method = SendMethod(method)
    user = db.session.get(User, user_id) if user_id else None
    done = already_sent(document)
    participants = [p for p in document.conference.participants if p.id not in done]
    counts = {SENT: 0, FAILED: 0, NO_ADDRESS: 0, "skipped": len(done)}
    content, link = None, None
    if method == SendMethod.ATTACHMENT:
        content = document_path(document).read_bytes()
    elif any(p.email for p in participants):
        link = links.create_link(document, link_days, actor=user)
        db.session.commit()
    total = len(participants)
    report_progress(0, total, "sending")
    with mail_connection() as connection:
        for index, participant in enumerate(participants, start=1):
            entry = SummarySend(
                document_id=document.id,
                participant_id=participant.id,
                method=method,
                link_id=link.id if link is not None else None,
            )
            if not participant.email:
                entry.status = NO_ADDRESS
            else:
                try:
                    entry.message_id = connection.send(
                        message_for(document, participant.email, content, link)
                    )
                    entry.status = SENT
                except Exception as exc:  # noqa: BLE001 - logged per recipient, sending goes on
                    entry.status = FAILED
                    entry.error = f"{type(exc).__name__}: {exc}"[:1000]
            counts[entry.status] += 1
            db.session.add(entry)
            db.session.commit()  # the log survives a crash half-way
            report_progress(index, total)
    audit.record(
        "conference.summary_sent",
        document,
        actor=user,
        project=document.conference.project_id,
        method=method.value,
        **counts,
    )
    db.session.commit()
    if counts[FAILED]:
        # Not "done": the page must not say the document was sent when messages failed.
        raise SendingIncomplete(counts)
    return counts


def send_log(document: SummaryDocument) -> list[SummarySend]:
    return list(
        db.session.scalars(
            sa.select(SummarySend)
            .where(SummarySend.document_id == document.id)
            .order_by(SummarySend.id)
        )
    )
