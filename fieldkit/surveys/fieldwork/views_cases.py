"""Fieldwork pages: the sampling frame and its cases."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from fieldkit.core import access, jobs, pending_uploads, uploads
from fieldkit.core.confirm import erase_after_confirmation
from fieldkit.core.loaders import acting_user, object_job_or_404, owned_or_404
from fieldkit.core.models import Role
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import cases as case_ops
from fieldkit.surveys.fieldwork import erasure, frame, recipients, sending
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.fieldwork.forms import (
    CaseForm,
    FrameConfirmForm,
    FrameUploadForm,
    IneligibleForm,
)
from fieldkit.surveys.fieldwork.views import bp
from fieldkit.surveys.fieldwork.views_mail import (
    kind_labels,
    mailing_message,
    message_status_labels,
)
from fieldkit.surveys.models import Case, Response, Survey
from fieldkit.surveys.respond import operations as responses

# --- The frame ---------------------------------------------------------------------------------


@bp.route("/surveys/<int:sid>/frame", methods=["GET", "POST"])
@access.require_project_access
def frame_upload(project, sid: int):
    """Upload a sampling frame; a background job reads it, then the next page previews it."""
    survey = owned_or_404(Survey, sid, project)
    form = FrameUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.read()
        sheet = form.sheet.data or None
        try:
            uploads.check_upload(upload.filename, content)
        except OperationError as exc:
            form.file.errors.append(str(exc))
        else:
            token = frame.store_upload(survey, upload.filename, content)
            job = jobs.enqueue(
                frame.read_upload_job,
                survey.id,
                token,
                sheet,
                created_by=acting_user(),
                project=project,
            )
            if not job.finished:
                return redirect(
                    url_for(".frame_job", slug=project.slug, sid=survey.id, job_id=job.id)
                )
            refusal = pending_uploads.refusal(job)
            if refusal is None:
                return redirect(_frame_preview_url(project, survey, token, sheet))
            form.file.errors.append(refusal)
    status = 422 if form.errors else 200
    return render_template(
        "surveys/fieldwork/frame_upload.html",
        project=project,
        survey=survey,
        form=form,
        limits=uploads,
    ), status


def _frame_preview_url(project, survey, token: str, sheet: str | None) -> str:
    return url_for(".frame_preview", slug=project.slug, sid=survey.id, upload=token, sheet=sheet)


@bp.route("/surveys/<int:sid>/frame/jobs/<job_id>")
@access.require_project_access
def frame_job(project, sid: int, job_id: str):
    """The reading of an uploaded frame: its progress, then the preview or why it was refused."""
    survey = owned_or_404(Survey, sid, project)
    job = object_job_or_404(project, job_id, [frame.read_upload_job], survey.id)
    refusal = pending_uploads.refusal(job) if job.finished else None
    if job.finished and refusal is None:
        _sid, token, sheet = job.args
        return redirect(_frame_preview_url(project, survey, token, sheet))
    return render_template(
        "surveys/fieldwork/frame_job.html",
        project=project,
        survey=survey,
        job=job,
        refusal=refusal,
    ), (422 if refusal else 200)


def _mapping_from_request(table) -> dict[str, str]:
    mapping = frame.default_mapping(table.headers)
    allowed = (*frame.ROLES, frame.STRATUM, frame.IGNORE)
    for position, header in enumerate(table.headers):
        role = request.form.get(f"role-{position}")
        if role in allowed:
            mapping[header] = role
    return mapping


@bp.route("/surveys/<int:sid>/frame/preview", methods=["GET", "POST"])
@access.require_project_access
def frame_preview(project, sid: int):
    """The validation report and the changes an import would make; confirm to import."""
    survey = owned_or_404(Survey, sid, project)
    form = FrameConfirmForm(upload=request.args.get("upload"))
    sheet = request.args.get("sheet") or None
    try:
        table = frame.load_table(survey, form.upload.data, sheet)
    except OperationError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".frame_upload", slug=project.slug, sid=survey.id))
    mapping = _mapping_from_request(table) if request.method == "POST" else None
    if form.validate_on_submit() and request.form.get("action") == "import":
        try:
            result = frame.import_frame(survey, table, mapping, actor=acting_user())
        except OperationError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            frame.discard_upload(form.upload.data)
            flash(result.report_lines()[0], "success")
            return redirect(url_for(".cases", slug=project.slug, sid=survey.id))
    result = frame.preview(survey, table, mapping)
    roles = [
        ("id", _("Id")),
        ("name", _("Name")),
        ("email", _("E-mail address")),
        ("contact_person", _("Contact person")),
        (frame.STRATUM, _("Frame value (stratum)")),
        (frame.IGNORE, _("Ignore")),
    ]
    return render_template(
        "surveys/fieldwork/frame_preview.html",
        project=project,
        survey=survey,
        form=form,
        result=result,
        roles=roles,
        sheet=sheet,
    )


# --- Cases -------------------------------------------------------------------------------------


@bp.route("/surveys/<int:sid>/cases")
@access.require_project_access
def cases(project, sid: int):
    """The survey's cases: search, filter by status and frame values."""
    survey = owned_or_404(Survey, sid, project)
    values = case_ops.strata_values(survey)
    chosen = {
        column: request.args[f"s.{column}"]
        for column in values
        if request.args.get(f"s.{column}") in values[column]
    }
    page = case_ops.find_cases(
        survey,
        text=request.args.get("q", ""),
        status=request.args.get("status", ""),
        strata=chosen,
        page=max(1, request.args.get("page", 1, type=int)),
    )
    return render_template(
        "surveys/fieldwork/cases.html",
        project=project,
        survey=survey,
        page=page,
        strata_values=values,
        chosen=chosen,
        statuses=case_ops.STATUSES,
        status_labels=status_labels(),
        q=request.args.get("q", ""),
        status=request.args.get("status", ""),
        filter_args={
            "q": request.args.get("q") or None,
            "status": request.args.get("status") or None,
            **{f"s.{column}": value for column, value in chosen.items()},
        },
    )


def status_labels() -> dict[str, str]:
    return {
        "not_invited": _("Not invited"),
        "invited": _("Invited"),
        "started": _("Started, not finished"),
        "completed": _("Completed"),
        "declined": _("Declined"),
        "bounced": _("Undeliverable"),
        "not_eligible": _("Not eligible"),
        "no_email": _("No e-mail address"),
    }


@bp.route("/surveys/<int:sid>/cases/send", methods=["POST"])
@access.require_project_access
def cases_send(project, sid: int):
    """Invite or remind the cases ticked on the cases page (within the usual rules)."""
    survey = owned_or_404(Survey, sid, project)
    if not FlaskForm().validate_on_submit():  # the CSRF token
        abort(400)
    ids = [int(i) for i in request.form.getlist("case") if i.isdigit()]
    action = request.form.get("action")
    if action not in ("invite", "remind"):
        abort(400)
    if not ids:
        flash(_("Tick the cases to send to."), "warning")
    else:
        send = sending.send_invitations if action == "invite" else sending.send_reminders
        try:
            mailing = send(survey, case_ids=ids, actor=acting_user())
        except OperationError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(
                mailing_message(mailing), "error" if mailing.status == "interrupted" else "success"
            )
    back = request.form.get("back", "")
    prefix = url_for(".cases", slug=project.slug, sid=sid)
    return redirect(back if back.startswith(prefix) else prefix)  # only back to this list


@bp.route("/surveys/<int:sid>/cases/new", methods=["GET", "POST"])
@access.require_project_access
def case_new(project, sid: int):
    """Add one case by hand."""
    survey = owned_or_404(Survey, sid, project)
    form = CaseForm()
    if form.validate_on_submit():
        try:
            case = surveys.add_case(
                survey,
                form.external_id.data,
                name=form.name.data or "",
                email=form.email.data or None,
                contact_person=form.contact_person.data or "",
                strata=form.strata_dict(),
                actor=acting_user(),
            )
        except OperationError as exc:
            db.session.rollback()
            form.external_id.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Case %(id)s added.", id=case.external_id), "success")
            return redirect(url_for(".case", slug=project.slug, sid=survey.id, cid=case.id))
    status = 422 if form.errors else 200
    return render_template(
        "surveys/fieldwork/case_new.html", project=project, survey=survey, form=form
    ), status


@bp.route("/surveys/<int:sid>/cases/<int:cid>", methods=["GET", "POST"])
@access.require_project_access
def case(project, sid: int, cid: int):
    """One case: its details (editable), send log and status; its personal link on request."""
    survey = owned_or_404(Survey, sid, project)
    case = owned_or_404(Case, cid, survey, by="survey_id")
    form = CaseForm(obj=case if request.method == "GET" else None)
    if request.method == "GET":
        form.strata.data = "\n".join(f"{k} = {v}" for k, v in (case.strata or {}).items())
        form.email.data = case.email or ""
    form.external_id.data = case.external_id
    if form.validate_on_submit():
        try:
            case_ops.edit_case(
                case,
                name=form.name.data or "",
                email=form.email.data,
                contact_person=form.contact_person.data or "",
                strata=form.strata_dict(),
                actor=acting_user(),
            )
        except OperationError as exc:
            db.session.rollback()
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The case is saved."), "success")
            return redirect(url_for(".case", slug=project.slug, sid=survey.id, cid=case.id))
    return _case_page(project, survey, case, form), 422 if form.errors else 200


def _case_page(project, survey, case, form, personal_url: str | None = None) -> str:
    """The case page; the personal link only when asked for (and audited)."""
    return render_template(
        "surveys/fieldwork/case.html",
        project=project,
        survey=survey,
        case=case,
        form=form,
        ineligible_form=IneligibleForm(),
        personal_url=personal_url,
        log=sending.send_log(survey, case),
        response=responses.response_for_case(survey, case),
        can_enter=responses.staff_may_enter(survey, case, acting_user()),
        can_invite=bool(
            recipients.outgoing_invitations(survey, case_ids=[case.id], count_only=True)
        ),
        can_remind=bool(recipients.outgoing_reminders(survey, case_ids=[case.id], count_only=True)),
        kind_labels=kind_labels(),
        message_status_labels=message_status_labels(),
    )


@bp.route("/surveys/<int:sid>/cases/<int:cid>/<action>", methods=["POST"])
@access.require_project_access
def case_action(project, sid: int, cid: int, action: str):
    """Not eligible (with reason) and back, bounce and back, undo a decline."""
    survey = owned_or_404(Survey, sid, project)
    case = owned_or_404(Case, cid, survey, by="survey_id")
    if not FlaskForm().validate_on_submit():  # the CSRF token
        abort(400)
    try:
        if action == "not-eligible":
            form = IneligibleForm()
            if not form.validate_on_submit():
                raise OperationError(_("Give the reason the case is not eligible."))
            case_ops.set_not_eligible(case, form.reason.data, actor=acting_user())
        elif action == "eligible":
            case_ops.set_eligible(case, actor=acting_user())
        elif action == "bounced":
            sending.mark_bounced(case, actor=acting_user())
        elif action == "deliverable":
            sending.unmark_bounced(case, actor=acting_user())
        elif action == "undo-decline":
            case_ops.undo_decline(case, actor=acting_user())
        elif action == "link":
            url = case_ops.reveal_personal_link(case, actor=acting_user(), via="case_page")
            db.session.commit()
            form = CaseForm(obj=case, formdata=None)
            form.strata.data = "\n".join(f"{k} = {v}" for k, v in (case.strata or {}).items())
            form.email.data = case.email or ""
            form.external_id.data = case.external_id
            return _case_page(project, survey, case, form, personal_url=url)
        elif action in ("invite", "remind"):
            kind = recipients.INVITATION if action == "invite" else recipients.REMINDER
            mailing = sending.send_to_case(case, kind, actor=acting_user())
            flash(
                mailing_message(mailing), "error" if mailing.status == "interrupted" else "success"
            )
            return redirect(url_for(".case", slug=project.slug, sid=survey.id, cid=case.id))
        else:
            abort(404)
    except OperationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The case is saved."), "success")
    return redirect(url_for(".case", slug=project.slug, sid=survey.id, cid=case.id))


# --- Erasure for good ---------------------------------------------------------------------------


@bp.route("/surveys/<int:sid>/cases/<int:cid>/erase", methods=["GET", "POST"])
@access.require_project_access
@access.roles_required(Role.RESEARCHER)
def case_erase(project, sid: int, cid: int):
    """Erase a case for good (GDPR), after a confirmation; researchers and admins only."""
    survey = owned_or_404(Survey, sid, project)
    case = owned_or_404(Case, cid, survey, by="survey_id")
    return erase_after_confirmation(
        lambda: erasure.erase_case(case, actor=acting_user()),
        done=_("The case is erased for good."),
        then=url_for(".cases", slug=project.slug, sid=survey.id),
        heading=_("Erase case %(id)s for good", id=case.external_id),
        back=url_for(".case", slug=project.slug, sid=survey.id, cid=case.id),
        what=_(
            "The case, its answers, its send log and the messages to it in the outbox are "
            "deleted, as are the survey's exports already made (make them again). Its name, "
            "e-mail address and answers are removed from the audit log and the job records. "
            "The counts of mailings and the audit log keep only numbers. Backups already made "
            "are not changed."
        ),
        project=project,
        survey=survey,
    )


@bp.route("/surveys/<int:sid>/responses/<rid>/erase", methods=["GET", "POST"])
@access.require_project_access
@access.roles_required(Role.RESEARCHER)
def response_erase(project, sid: int, rid: str):
    """Erase a response's answers for good (GDPR), after a confirmation."""
    survey = owned_or_404(Survey, sid, project)
    response = owned_or_404(Response, rid, survey, by="survey_id")
    case_id = response.case_id
    back = (
        url_for(".case", slug=project.slug, sid=survey.id, cid=case_id)
        if case_id is not None
        else url_for(".cases", slug=project.slug, sid=survey.id)
    )
    return erase_after_confirmation(
        lambda: erasure.erase_response(response, actor=acting_user()),
        done=_("The response is erased for good."),
        then=back,
        heading=_("Erase the response for good"),
        back=back,
        what=_(
            "The answers are deleted, as are the survey's exports already made (make them "
            "again), and the answers' texts are removed from the audit log and the job "
            "records. The case stays in the frame. Backups already made are not changed."
        ),
        project=project,
        survey=survey,
    )
