"""Fieldwork pages: e-mail texts, sending invitations and reminders, bounces."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from fieldkit.core import access
from fieldkit.core.loaders import acting_user, owned_or_404
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import cases as case_ops
from fieldkit.surveys.fieldwork import recipients, sending, texts
from fieldkit.surveys.fieldwork.forms import (
    BounceForm,
    ReminderScheduleForm,
    SendForm,
    TemplateForm,
)
from fieldkit.surveys.fieldwork.views import bp
from fieldkit.surveys.models import Mailing, MailKind, Survey

OSLO = ZoneInfo("Europe/Oslo")


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
    survey = owned_or_404(Survey, sid, project)
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
                survey, kind, language, form.subject.data, form.body.data, actor=acting_user()
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
        sample = texts.render(survey, preview_case, kind, language, preview=True)
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
    survey = owned_or_404(Survey, sid, project)
    sending.interrupt_stopped(survey)
    invite_form = SendForm(prefix="invite")
    remind_form = SendForm(prefix="remind")
    choices = _stratum_choices(survey)
    invite_form.stratum.choices = remind_form.stratum.choices = choices
    schedule = recipients.reminder_schedule(survey)
    schedule_form = ReminderScheduleForm(
        data={
            "reminder_days": ", ".join(str(d) for d in schedule.reminder_days),
            "min_gap_days": schedule.min_gap_days,
            "max_reminders": schedule.max_reminders,
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
            "messages": send(
                survey, strata={strata[0]: strata[1]} if strata else None, dry_run=True
            ),
        }
    return render_template(
        "surveys/fieldwork/mail.html",
        project=project,
        survey=survey,
        invite_form=invite_form,
        remind_form=remind_form,
        schedule_form=schedule_form,
        bounce_form=BounceForm(),
        mailings=sending.mailings(survey),
        uncertain=sending.uncertain_messages(survey),
        invitation_count=recipients.outgoing_invitations(survey, count_only=True),
        reminder_count=recipients.outgoing_reminders(survey, count_only=True),
        dry_run=dry_run,
        kind_labels=kind_labels(),
        status_labels=message_status_labels(),
        log=sending.send_log(survey, limit=100),
    )


@bp.route("/surveys/<int:sid>/mail/<kind>", methods=["POST"])
@access.require_project_access
def mail_send(project, sid: int, kind: str):
    """Send (or schedule) invitations or reminders, or list who would get them (dry run)."""
    survey = owned_or_404(Survey, sid, project)
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
            survey, strata=_chosen_stratum(form), scheduled_at=_scheduled(form), actor=acting_user()
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
    survey = owned_or_404(Survey, sid, project)
    mailing = owned_or_404(Mailing, mid, survey, by="survey_id")
    if not FlaskForm().validate_on_submit():  # the CSRF token
        abort(400)
    try:
        if action == "resume":
            mailing = sending.resume(mailing, actor=acting_user())
            flash(mailing_message(mailing), "success")
        elif action == "cancel":
            sending.cancel(mailing, actor=acting_user())
            db.session.commit()
            flash(_("The mailing is cancelled."), "success")
        else:
            abort(404)
    except OperationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for(".mail", slug=project.slug, sid=survey.id))


@bp.route("/surveys/<int:sid>/mail/schedule", methods=["POST"])
@access.require_project_access
def mail_schedule(project, sid: int):
    """Save the reminder schedule: the days, the minimum gap and the maximum count."""
    survey = owned_or_404(Survey, sid, project)
    form = ReminderScheduleForm()
    if form.validate_on_submit():
        try:
            recipients.save_reminder_schedule(
                survey,
                form.days,
                form.min_gap_days.data,
                form.max_reminders.data,
                actor=acting_user(),
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
    survey = owned_or_404(Survey, sid, project)
    form = BounceForm()
    if form.validate_on_submit():
        count, unknown = sending.mark_bounced_addresses(
            survey, form.addresses.data.replace(",", "\n").splitlines(), actor=acting_user()
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
    survey = owned_or_404(Survey, sid, project)
    if not FlaskForm().validate_on_submit():  # the CSRF token
        abort(400)
    count = sending.release_uncertain(survey, actor=acting_user())
    db.session.commit()
    flash(_("%(count)d messages will be sent with the next mailing.", count=count), "success")
    return redirect(url_for(".mail", slug=project.slug, sid=survey.id))
