"""The summary document of a conference (members of the project): choose what goes in and
compile it, download it, send it to the participants and revoke its download links."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from fieldkit.conferences.documents import page_language
from fieldkit.conferences.models import Conference, SummaryDocument, SummaryLink
from fieldkit.conferences.summary import compile as compiler
from fieldkit.conferences.summary import links, mail, store
from fieldkit.conferences.summary.forms import SendSummaryForm, SummaryForm
from fieldkit.core.access import require_project_access
from fieldkit.core.forms import EmptyForm
from fieldkit.core.jobs import enqueue
from fieldkit.core.loaders import (
    acting_user,
    object_job_or_404,
    owned_or_404,
    project_job,
    retry_job,
)
from fieldkit.core.models import JobStatus
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db

bp = Blueprint("summary", __name__)


@bp.route("/<int:conference_id>/summary", methods=["GET", "POST"])
@require_project_access
def index(project, conference_id: int):
    """Choose what goes in and compile the summary document (a background job)."""
    conference = owned_or_404(Conference, conference_id, project)
    form = SummaryForm()
    if form.validate_on_submit():
        options = {
            "points": form.points.data,
            "photos": form.photos.data,
            "notes": form.notes.data,
            "synthesis": form.synthesis.data,
            "minutes": form.minutes.data,
            "language": page_language(),
        }
        job = enqueue(
            compiler.compile_job,
            conference.id,
            form.format.data,
            options,
            acting_user().id,
            created_by=acting_user(),
            project=project,
        )
        return redirect(
            url_for(".index", slug=project.slug, conference_id=conference.id, job=job.id)
        )
    job = project_job(project, request.args.get("job"), [compiler.compile_job])
    documents = db.session.scalars(
        sa.select(SummaryDocument)
        .where(SummaryDocument.conference_id == conference.id)
        .order_by(SummaryDocument.id.desc())
    ).all()
    return render_template(
        "conferences/summary/index.html",
        project=project,
        conference=conference,
        form=form,
        documents=documents,
        logs={d.id: mail.send_log(d) for d in documents},
        job=job,
        retry_url=_retry_url(project, job, ".retry_compile", conference_id=conference.id),
    ), (422 if form.errors else 200)


@bp.route("/<int:conference_id>/summary/<int:document_id>")
@require_project_access
def download(project, conference_id: int, document_id: int):
    """A compiled summary document, for members of the project."""
    conference = owned_or_404(Conference, conference_id, project)
    document = owned_or_404(SummaryDocument, document_id, conference, by="conference_id")
    return store.send(document) or abort(404)


@bp.route("/<int:conference_id>/summary/<int:document_id>/send", methods=["GET", "POST"])
@require_project_access
def send(project, conference_id: int, document_id: int):
    """E-mail a compiled document to every participant, attached or as a download link (a
    background job with a send log); the document's links and log."""
    conference = owned_or_404(Conference, conference_id, project)
    document = owned_or_404(SummaryDocument, document_id, conference, by="conference_id")
    form = SendSummaryForm()
    if request.method == "POST":
        form.validate_on_submit() or abort(400)
        job = enqueue(
            mail.send_summary_job,
            document.id,
            acting_user().id,
            form.method.data,
            form.days,
            created_by=acting_user(),
            project=project,
        )
        if job.status.value == "failed":
            flash(_("Sending stopped: %(error)s", error=job.error or ""), "error")
        else:
            flash(_("The document is being sent to the participants."), "success")
        return redirect(
            url_for(
                ".send",
                slug=project.slug,
                conference_id=conference.id,
                document_id=document.id,
                job=job.id,
            )
        )
    log = mail.send_log(document)
    done = mail.already_sent(document)
    job = project_job(project, request.args.get("job"), [mail.send_summary_job])
    return render_template(
        "conferences/summary/send.html",
        project=project,
        conference=conference,
        document=document,
        form=form,
        job=job,
        retry_url=_retry_url(
            project, job, ".retry_send", conference_id=conference.id, document_id=document.id
        ),
        log=log,
        links=[
            {
                "link": link,
                "url": links.url_for_link(link),
                "sent": sum(1 for e in log if e.link_id == link.id and e.status == mail.SENT),
            }
            for link in links.document_links(document)
        ],
        revoke_form=EmptyForm(prefix="revoke"),
        # Those a sending now reaches: with an address, and not sent this document yet.
        with_address=sum(1 for p in conference.participants if p.email and p.id not in done),
        already=len(done),
    )


def _retry_url(project, job, endpoint: str, **values) -> str | None:
    """Where the page's "Try again" button posts, when its job failed."""
    if job is None or job.status != JobStatus.FAILED:
        return None
    return url_for(endpoint, slug=project.slug, job_id=job.id, **values)


@bp.route("/<int:conference_id>/summary/jobs/<job_id>/retry", methods=["POST"])
@require_project_access
def retry_compile(project, conference_id: int, job_id: str):
    """Compile again with the same choices, after the compilation failed."""
    conference = owned_or_404(Conference, conference_id, project)
    job = retry_job(object_job_or_404(project, job_id, [compiler.compile_job], conference.id))
    return redirect(url_for(".index", slug=project.slug, conference_id=conference.id, job=job.id))


@bp.route(
    "/<int:conference_id>/summary/<int:document_id>/send/jobs/<job_id>/retry", methods=["POST"]
)
@require_project_access
def retry_send(project, conference_id: int, document_id: int, job_id: str):
    """Send again after the sending failed: only participants not sent to yet get it."""
    conference = owned_or_404(Conference, conference_id, project)
    document = owned_or_404(SummaryDocument, document_id, conference, by="conference_id")
    job = retry_job(object_job_or_404(project, job_id, [mail.send_summary_job], document.id))
    return redirect(
        url_for(
            ".send",
            slug=project.slug,
            conference_id=conference.id,
            document_id=document.id,
            job=job.id,
        )
    )


@bp.route(
    "/<int:conference_id>/summary/<int:document_id>/links/<int:link_id>/revoke", methods=["POST"]
)
@require_project_access
def revoke_link(project, conference_id: int, document_id: int, link_id: int):
    """Stop a download link from working."""
    conference = owned_or_404(Conference, conference_id, project)
    document = owned_or_404(SummaryDocument, document_id, conference, by="conference_id")
    link = owned_or_404(SummaryLink, link_id, document, by="document_id")
    EmptyForm(prefix="revoke").validate_on_submit() or abort(400)
    try:
        links.revoke_link(link, actor=acting_user())
    except OperationError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The link no longer works."), "success")
    return redirect(
        url_for(".send", slug=project.slug, conference_id=conference.id, document_id=document.id)
    )
