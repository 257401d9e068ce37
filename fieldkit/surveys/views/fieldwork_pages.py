"""Fieldwork pages: the sampling frame and its cases, e-mail texts, sending, and declining."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from fieldkit.core import access
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys import links, surveys
from fieldkit.surveys.fieldwork import cases as case_ops
from fieldkit.surveys.fieldwork import frame, sending, texts
from fieldkit.surveys.fieldwork.forms import (
    BounceForm,
    CaseForm,
    FrameConfirmForm,
    FrameUploadForm,
    IneligibleForm,
    PlanForm,
    SendForm,
    TemplateForm,
)
from fieldkit.surveys.models import Mailing, MailKind
from fieldkit.surveys.views import actor, bp
from fieldkit.surveys.views.survey_admin import survey_or_404

OSLO = ZoneInfo("Europe/Oslo")
#: The decline (opt-out) page respondents reach from every message; no login, no project.
public_bp = Blueprint("fieldwork_public", __name__)


def case_or_404(survey, case_id: int):
    case = case_ops.case_of(survey, case_id)
    if case is None:
        abort(404)
    return case


# --- The frame ---------------------------------------------------------------------------------


@bp.route("/surveys/<int:sid>/frame", methods=["GET", "POST"])
@access.require_project_access
def frame_upload(project, sid: int):
    """Upload a sampling frame; the next page previews it."""
    survey = survey_or_404(project, sid)
    form = FrameUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.read()
        try:
            frame.read_table(upload.filename, content, form.sheet.data or None)
        except OperationError as exc:
            form.file.errors.append(str(exc))
        else:
            token = frame.store_upload(survey, upload.filename, content)
            return redirect(
                url_for(
                    ".frame_preview",
                    slug=project.slug,
                    sid=survey.id,
                    upload=token,
                    sheet=form.sheet.data or None,
                )
            )
    status = 422 if form.errors else 200
    return render_template(
        "surveys/fieldwork/frame_upload.html", project=project, survey=survey, form=form
    ), status


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
    survey = survey_or_404(project, sid)
    form = FrameConfirmForm(upload=request.args.get("upload"))
    sheet = request.args.get("sheet") or None
    try:
        filename, content = frame.load_upload(survey, form.upload.data)
        table = frame.read_table(filename, content, sheet)
    except OperationError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".frame_upload", slug=project.slug, sid=survey.id))
    mapping = _mapping_from_request(table) if request.method == "POST" else None
    if form.validate_on_submit() and request.form.get("action") == "import":
        try:
            result = frame.import_frame(survey, table, mapping, actor=actor())
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
    survey = survey_or_404(project, sid)
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
    survey = survey_or_404(project, sid)
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
            mailing = send(survey, case_ids=ids, actor=actor())
        except OperationError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(mailing_message(mailing), "success" if mailing.status == "done" else "error")
    back = request.form.get("back", "")
    prefix = url_for(".cases", slug=project.slug, sid=sid)
    return redirect(back if back.startswith(prefix) else prefix)  # only back to this list


@bp.route("/surveys/<int:sid>/cases/new", methods=["GET", "POST"])
@access.require_project_access
def case_new(project, sid: int):
    """Add one case by hand."""
    survey = survey_or_404(project, sid)
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
                actor=actor(),
            )
            if case.email and not frame.EMAIL_PATTERN.match(case.email):
                raise OperationError(_("%(email)s is not an e-mail address.", email=case.email))
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
    """One case: its details (editable), personal link, send log and status."""
    survey = survey_or_404(project, sid)
    case = case_or_404(survey, cid)
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
                actor=actor(),
            )
        except OperationError as exc:
            db.session.rollback()
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The case is saved."), "success")
            return redirect(url_for(".case", slug=project.slug, sid=survey.id, cid=case.id))
    from fieldkit.surveys.responses import response_for_case

    status = 422 if form.errors else 200
    return render_template(
        "surveys/fieldwork/case.html",
        project=project,
        survey=survey,
        case=case,
        form=form,
        ineligible_form=IneligibleForm(),
        personal_url=links.personal_url(case),
        log=sending.send_log(survey, case),
        response=response_for_case(survey, case),
        can_invite=bool(sending.invitation_plan(survey, case_ids=[case.id], count_only=True)),
        can_remind=bool(sending.reminder_plan(survey, case_ids=[case.id], count_only=True)),
        kind_labels=kind_labels(),
        message_status_labels=message_status_labels(),
    ), status


@bp.route("/surveys/<int:sid>/cases/<int:cid>/<action>", methods=["POST"])
@access.require_project_access
def case_action(project, sid: int, cid: int, action: str):
    """Not eligible (with reason) and back, bounce and back, undo a decline."""
    survey = survey_or_404(project, sid)
    case = case_or_404(survey, cid)
    if not FlaskForm().validate_on_submit():  # the CSRF token
        abort(400)
    try:
        if action == "not-eligible":
            form = IneligibleForm()
            if not form.validate_on_submit():
                raise OperationError(_("Give the reason the case is not eligible."))
            case_ops.set_not_eligible(case, form.reason.data, actor=actor())
        elif action == "eligible":
            case_ops.set_eligible(case, actor=actor())
        elif action == "bounced":
            sending.mark_bounced(case, actor=actor())
        elif action == "deliverable":
            sending.unmark_bounced(case, actor=actor())
        elif action == "undo-decline":
            case_ops.undo_decline(case, actor=actor())
        elif action in ("invite", "remind"):
            send = sending.send_invitations if action == "invite" else sending.send_reminders
            if not send(survey, case_ids=[case.id], dry_run=True):
                raise OperationError(_("The rules allow no such message to this case now."))
            mailing = send(survey, case_ids=[case.id], actor=actor())
            flash(mailing_message(mailing), "success" if mailing.status == "done" else "error")
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


# --- E-mail texts ------------------------------------------------------------------------------


def message_status_labels() -> dict[str, str]:
    return {"sent": _("Sent"), "failed": _("Failed"), "sending": _("Unknown outcome")}


def kind_labels() -> dict[str, str]:
    return {
        MailKind.INVITATION.value: _("Invitation"),
        MailKind.REMINDER_NOT_STARTED.value: _("Reminder, not started"),
        MailKind.REMINDER_STARTED.value: _("Reminder, started but not finished"),
    }


@bp.route("/surveys/<int:sid>/mail/texts", methods=["GET", "POST"])
@access.require_project_access
def mail_texts(project, sid: int):
    """Edit a message text (per kind and language) and preview it with a real case."""
    survey = survey_or_404(project, sid)
    kind = request.args.get("kind", MailKind.INVITATION.value)
    languages = survey.languages or ["nb"]
    language = request.args.get("language", languages[0])
    if kind not in kind_labels() or language not in languages:
        abort(404)
    subject, body = texts.template_for(survey, kind, language)
    form = TemplateForm(data={"subject": subject, "body": body})
    if form.validate_on_submit():
        try:
            texts.save_template(
                survey, kind, language, form.subject.data, form.body.data, actor=actor()
            )
        except OperationError as exc:
            db.session.rollback()
            form.body.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The text is saved."), "success")
            return redirect(
                url_for(
                    ".mail_texts", slug=project.slug, sid=survey.id, kind=kind, language=language
                )
            )
    page = case_ops.find_cases(survey, per_page=1)
    sample = None
    preview_case = case_ops.case_by_external_id(survey, request.args.get("case", ""))
    preview_case = preview_case or (page.cases[0] if page.cases else None)
    if preview_case is not None and not form.errors:
        sample = texts.render(survey, preview_case, kind, language)
    status = 422 if form.errors else 200
    return render_template(
        "surveys/fieldwork/mail_texts.html",
        project=project,
        survey=survey,
        form=form,
        kind=kind,
        language=language,
        survey_languages=languages,
        kind_labels=kind_labels(),
        sample=sample,
        preview_case=preview_case,
        placeholders=texts.PLACEHOLDERS,
    ), status


# --- Sending -----------------------------------------------------------------------------------


def _stratum_choices(survey) -> list[tuple[str, str]]:
    choices = [("", _("All cases the rules allow"))]
    for column, values in case_ops.strata_values(survey).items():
        for value in values:
            choices.append((json.dumps([column, value]), f"{column}: {value}"))
    return choices


def _chosen_stratum(form) -> dict[str, str] | None:
    if not form.stratum.data:
        return None
    column, value = json.loads(form.stratum.data)
    return {column: value}


def _scheduled(form) -> datetime | None:
    if form.when.data != "later" or form.scheduled_at.data is None:
        return None
    return form.scheduled_at.data.replace(tzinfo=OSLO)


@bp.route("/surveys/<int:sid>/mail", methods=["GET"])
@access.require_project_access
def mail(project, sid: int):
    """Sending: invitations, reminders with a dry run, the schedule, bounces, the log."""
    survey = survey_or_404(project, sid)
    invite_form = SendForm(prefix="invite")
    remind_form = SendForm(prefix="remind")
    choices = _stratum_choices(survey)
    invite_form.stratum.choices = remind_form.stratum.choices = choices
    rules = sending.plan(survey)
    plan_form = PlanForm(
        data={
            "reminder_days": ", ".join(str(d) for d in rules.reminder_days),
            "min_gap_days": rules.min_gap_days,
            "max_reminders": rules.max_reminders,
        }
    )
    dry_run = None
    if request.args.get("dry_run") in ("invitation", "reminder"):
        stratum = request.args.get("stratum") or ""
        valid = {c for c, _label in choices}
        strata = json.loads(stratum) if stratum in valid and stratum else None
        send = (
            sending.send_invitations
            if request.args["dry_run"] == "invitation"
            else sending.send_reminders
        )
        chosen_form = invite_form if request.args["dry_run"] == "invitation" else remind_form
        chosen_form.stratum.data = stratum if stratum in valid else ""
        dry_run = {
            "kind": request.args["dry_run"],
            "planned": send(
                survey, strata={strata[0]: strata[1]} if strata else None, dry_run=True
            ),
        }
    return render_template(
        "surveys/fieldwork/mail.html",
        project=project,
        survey=survey,
        invite_form=invite_form,
        remind_form=remind_form,
        plan_form=plan_form,
        bounce_form=BounceForm(),
        mailings=sending.mailings(survey),
        uncertain=sending.uncertain_messages(survey),
        invitation_count=sending.invitation_plan(survey, count_only=True),
        reminder_count=sending.reminder_plan(survey, count_only=True),
        dry_run=dry_run,
        kind_labels=kind_labels(),
        status_labels=message_status_labels(),
        log=sending.send_log(survey, limit=100),
    )


@bp.route("/surveys/<int:sid>/mail/<kind>", methods=["POST"])
@access.require_project_access
def mail_send(project, sid: int, kind: str):
    """Send (or schedule) invitations or reminders, or list who would get them (dry run)."""
    survey = survey_or_404(project, sid)
    if kind not in ("invitation", "reminder"):
        abort(404)
    form = SendForm(prefix="invite" if kind == "invitation" else "remind")
    form.stratum.choices = _stratum_choices(survey)
    back = url_for(".mail", slug=project.slug, sid=survey.id)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
        return redirect(back)
    if request.form.get("action") == "dry-run":
        return redirect(
            url_for(
                ".mail",
                slug=project.slug,
                sid=survey.id,
                dry_run=kind,
                stratum=form.stratum.data or None,
                _anchor="dry-run",
            )
        )
    send = sending.send_invitations if kind == "invitation" else sending.send_reminders
    try:
        mailing = send(
            survey, strata=_chosen_stratum(form), scheduled_at=_scheduled(form), actor=actor()
        )
    except OperationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    flash(mailing_message(mailing), "success" if mailing.status != "interrupted" else "error")
    return redirect(back)


def mailing_message(mailing: Mailing) -> str:
    if mailing.status == "scheduled":
        return _("The mailing is scheduled.")
    if mailing.status == "interrupted":
        return _(
            "The mail server stopped after %(sent)d messages. Send again to continue: "
            "nobody gets a second copy.",
            sent=mailing.sent_count,
        )
    if mailing.status in ("running", "queued"):
        return _("The mailing is being sent.")
    return _(
        "%(sent)d messages sent, %(failed)d failed.",
        sent=mailing.sent_count,
        failed=mailing.failed_count,
    )


@bp.route("/surveys/<int:sid>/mail/mailings/<int:mid>/<action>", methods=["POST"])
@access.require_project_access
def mailing_action(project, sid: int, mid: int, action: str):
    """Run an interrupted mailing again, or cancel a scheduled one."""
    survey = survey_or_404(project, sid)
    mailing = db.session.get(Mailing, mid)
    if mailing is None or mailing.survey_id != survey.id:
        abort(404)
    if not FlaskForm().validate_on_submit():  # the CSRF token
        abort(400)
    try:
        if action == "resume":
            mailing = sending.resume(mailing, actor=actor())
            flash(mailing_message(mailing), "success")
        elif action == "cancel":
            sending.cancel(mailing, actor=actor())
            db.session.commit()
            flash(_("The mailing is cancelled."), "success")
        else:
            abort(404)
    except OperationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for(".mail", slug=project.slug, sid=survey.id))


@bp.route("/surveys/<int:sid>/mail/plan", methods=["POST"])
@access.require_project_access
def mail_plan(project, sid: int):
    """Save the reminder schedule, minimum gap and maximum count."""
    survey = survey_or_404(project, sid)
    form = PlanForm()
    if form.validate_on_submit():
        try:
            sending.save_plan(
                survey,
                form.days,
                form.min_gap_days.data,
                form.max_reminders.data,
                actor=actor(),
            )
        except OperationError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("The reminder schedule is saved."), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for(".mail", slug=project.slug, sid=survey.id))


@bp.route("/surveys/<int:sid>/mail/bounces", methods=["POST"])
@access.require_project_access
def mail_bounces(project, sid: int):
    """Mark addresses undeliverable in bulk."""
    survey = survey_or_404(project, sid)
    form = BounceForm()
    if form.validate_on_submit():
        count, unknown = sending.mark_bounced_addresses(
            survey, form.addresses.data.replace(",", "\n").splitlines(), actor=actor()
        )
        db.session.commit()
        flash(_("%(count)d cases marked undeliverable.", count=count), "success")
        if unknown:
            flash(
                _("No case has these addresses: %(addresses)s", addresses=", ".join(unknown)),
                "warning",
            )
    return redirect(url_for(".mail", slug=project.slug, sid=survey.id))


@bp.route("/surveys/<int:sid>/mail/uncertain", methods=["POST"])
@access.require_project_access
def mail_release_uncertain(project, sid: int):
    """Let uncertain messages be sent again (after checking the mail server's log)."""
    survey = survey_or_404(project, sid)
    if not FlaskForm().validate_on_submit():  # the CSRF token
        abort(400)
    count = sending.release_uncertain(survey, actor=actor())
    db.session.commit()
    flash(_("%(count)d messages will be sent with the next mailing.", count=count), "success")
    return redirect(url_for(".mail", slug=project.slug, sid=survey.id))


# --- Declining (public) ------------------------------------------------------------------------


@public_bp.route("/n/<token>", methods=["GET", "POST"])
def decline(token: str):
    """The decline link of every message: confirm, then no more mail."""
    case = links.case_for_token(token) if len(token) == 43 else None
    if case is None:
        abort(404)
    form = FlaskForm()
    done = case.declined_at is not None
    if not done and form.validate_on_submit():
        case_ops.decline(case)
        db.session.commit()
        done = True
    return render_template(
        "surveys/fieldwork/decline.html", case=case, survey=case.survey, form=form, done=done
    )
