"""`fieldkit survey` commands of fieldwork (create, launch, cases, links, rates, sending) and
`fieldkit frame import`."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from fieldkit.core import jobs, uploads
from fieldkit.core.cli import fail
from fieldkit.core.erasure import forget_erased
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import cases as case_ops
from fieldkit.surveys.fieldwork import erasure, frame, rates_output, sending
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.fieldwork.operations import start_of_day
from fieldkit.surveys.models import Case, Questionnaire, Response, Survey
from fieldkit.surveys.respond import links

survey_cli = click.Group("survey", help="Surveys: create, links, fieldwork and results.")


def survey_or_fail(survey_id: int) -> Survey:
    """The survey with id ``survey_id``, or the command stops with a message."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        fail(f"no survey has id {survey_id}")
    return survey


def _start_of_day(value: datetime | None) -> datetime | None:
    return start_of_day(value.date()) if value else None


@survey_cli.command("create")
@click.option("--questionnaire", "questionnaire_id", type=int, required=True)
@click.option("--title", required=True)
@click.option("--open-link", is_flag=True, help="Anyone with the survey's link may answer.")
@click.option("--kiosk", is_flag=True, help="One shared tablet (needs --open-link).")
@click.option("--anonymous", is_flag=True, help="Responses carry no link to a person or case.")
@click.option("--opens", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--closes", type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
@click.option("--draft", is_flag=True, help="Do not put the survey in the field yet.")
@with_appcontext
def survey_create_command(
    questionnaire_id, title, open_link, kiosk, anonymous, opens, closes, draft
) -> None:
    """Create a survey of a questionnaire's current version; prints its id (and open link)."""

    record = db.session.get(Questionnaire, questionnaire_id)
    if record is None:
        fail(f"no questionnaire has id {questionnaire_id}")
    try:
        survey = surveys.create_survey(
            record,
            title,
            open_link=open_link,
            kiosk=kiosk,
            anonymous=True if anonymous else None,
            opens_at=_start_of_day(opens),
            closes_at=_start_of_day(closes + timedelta(days=1)) if closes else None,
        )
        if not draft:
            surveys.launch(survey)
    except OperationError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(survey.id)
    if survey.open_link:
        click.echo(links.open_url(survey))


@survey_cli.command("launch")
@click.argument("survey_id", type=int)
@with_appcontext
def survey_launch_command(survey_id: int) -> None:
    """Put a draft survey in the field."""
    try:
        surveys.launch(survey_or_fail(survey_id))
    except OperationError as exc:
        fail(str(exc))
    db.session.commit()


@survey_cli.command("add-case")
@click.argument("survey_id", type=int)
@click.argument("case_id")
@click.option("--name", default="")
@click.option("--email", default=None)
@click.option("--contact-person", default="")
@click.option(
    "--stratum",
    "strata",
    multiple=True,
    metavar="COLUMN=VALUE",
    help="A stratum value, e.g. --stratum etat=Aetat (repeatable).",
)
@with_appcontext
def survey_add_case_command(survey_id, case_id, name, email, contact_person, strata) -> None:
    """Add one case by hand and print its personal link."""
    values = {}
    for pair in strata:
        column, sep, value = pair.partition("=")
        if not sep or not column:
            fail(f"--stratum {pair!r}: write COLUMN=VALUE")
        values[column] = value
    try:
        case = surveys.add_case(
            survey_or_fail(survey_id),
            case_id,
            name=name,
            email=email,
            contact_person=contact_person,
            strata=values,
        )
    except OperationError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(links.personal_url(case))


@survey_cli.command("link")
@click.argument("survey_id", type=int)
@click.argument("case_id")
@with_appcontext
def survey_link_command(survey_id: int, case_id: str) -> None:
    """Print the personal link of the case with id CASE_ID (the frame's id).

    The audit log records that it was shown (``case.personal_link_shown``).
    """
    survey = survey_or_fail(survey_id)
    case = db.session.scalar(
        sa.select(Case).where(Case.survey_id == survey.id, Case.external_id == case_id)
    )
    if case is None:
        fail(f"survey {survey_id} has no case with id {case_id}")
    url = case_ops.reveal_personal_link(case, actor=None, via="command")
    db.session.commit()
    click.echo(url)


@survey_cli.command("rates")
@click.argument("survey_id", type=int)
@click.option("--by", "by", default=None, help="A frame column: rates for each of its values.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "table"]),
    default="table",
    show_default=True,
)
@click.option(
    "--e-method",
    type=click.Choice(["proportional", "fixed"]),
    default="proportional",
    show_default=True,
    help="How e (share of unknown-eligibility cases that are eligible) is estimated.",
)
@click.option(
    "--e", "e_value", type=float, default=None, help="The value of e with --e-method fixed."
)
@with_appcontext
def survey_rates_command(
    survey_id: int, by: str | None, fmt: str, e_method: str, e_value: float | None
) -> None:
    """AAPOR disposition counts and outcome rates (percent), overall or by a frame column."""
    survey = survey_or_fail(survey_id)
    try:
        click.echo(
            rates_output.render(survey, by=by, fmt=fmt, e_method=e_method, e_value=e_value),
            nl=False,
        )
    except ValueError as exc:
        fail(str(exc))


# --- Fieldwork: sampling frames, invitations, reminders (fieldkit/surveys/fieldwork) ----------

frame_cli = click.Group("frame", help="Sampling frames: import cases from CSV or XLSX.")


@frame_cli.command("import")
@click.argument("survey_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", default=None, help="The XLSX sheet (default: the first).")
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="COLUMN=ROLE",
    help="A column's role: id, name, email, contact_person, stratum or ignore (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Only print the report; store nothing.")
@with_appcontext
def frame_import_command(survey_id, path, sheet, mapping, dry_run) -> None:
    """Import a sampling frame: prints the validation report; exit code 1 on errors."""
    survey = survey_or_fail(survey_id)
    try:
        table = uploads.read_table(path.name, path.read_bytes(), sheet)
    except OperationError as exc:
        fail(str(exc))
    roles = frame.default_mapping(table.headers)
    for pair in mapping:
        column, sep, role = pair.partition("=")
        if (
            not sep
            or column not in roles
            or role not in (*frame.ROLES, frame.STRATUM, frame.IGNORE)
        ):
            fail(f"--map {pair!r}: write COLUMN=ROLE with a column of the file and a known role")
        roles[column] = role
    result = frame.preview(survey, table, roles)
    for line in result.report_lines():
        click.echo(line)
    if result.errors:
        sys.exit(1)
    if dry_run:
        return
    frame.import_frame(survey, table, roles)
    db.session.commit()


def _print_outgoing(messages) -> None:
    for m in messages:
        click.echo(f"{m.external_id}\t{m.email}\t{m.kind}\t{m.round}\t{m.name}")
    click.echo(f"{len(messages)} messages")


@survey_cli.command("send-invitations")
@click.argument("survey_id", type=int)
@click.option("--dry-run", is_flag=True, help="List who would be invited; send nothing.")
@click.option("--stratum", "strata", multiple=True, metavar="COLUMN=VALUE")
@with_appcontext
def survey_send_invitations_command(survey_id, dry_run, strata) -> None:
    """Invite every case that has not had the invitation (or those of the given strata)."""
    _send_command(survey_id, dry_run, strata, "invitation")


@survey_cli.command("send-reminders")
@click.argument("survey_id", type=int)
@click.option("--dry-run", is_flag=True, help="List who would get which reminder; send nothing.")
@click.option("--stratum", "strata", multiple=True, metavar="COLUMN=VALUE")
@with_appcontext
def survey_send_reminders_command(survey_id, dry_run, strata) -> None:
    """Remind the cases that have not completed (or those of the given strata)."""
    _send_command(survey_id, dry_run, strata, "reminder")


def _send_command(survey_id, dry_run, strata, kind) -> None:

    values = {}
    for pair in strata:
        column, sep, value = pair.partition("=")
        if not sep or not column:
            fail(f"--stratum {pair!r}: write COLUMN=VALUE")
        values[column] = value
    survey = survey_or_fail(survey_id)
    send = sending.send_invitations if kind == "invitation" else sending.send_reminders
    try:
        with jobs.run_inline():  # the command sends, to the end, and reports what it sent
            result = send(survey, strata=values or None, dry_run=dry_run)
    except OperationError as exc:
        fail(str(exc))
    if dry_run:
        _print_outgoing(result)
        return
    click.echo(f"{result.sent_count} sent, {result.failed_count} failed ({result.status})")
    if result.status != "done":
        fail(result.error or result.status)


@survey_cli.command("run-schedule")
@with_appcontext
def survey_run_schedule_command() -> None:
    """Send the scheduled invitations and the reminders that are due (run it from cron)."""
    for mailing, result in sending.run_schedule():
        click.echo(
            f"survey {mailing.survey_id} {mailing.kind} #{mailing.id}: "
            f"{result['sent']} sent, {result['failed']} failed"
        )


@survey_cli.command("erase")
@click.option("--survey", "survey_id", type=int, help="The survey of --case.")
@click.option("--case", "external_id", help="The case's id in the frame (with --survey).")
@click.option("--response", "response_id", help="A response's id: erase only its answers.")
@click.option("--email", "address", help="Erase every case with this e-mail, in every survey.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_command(
    survey_id: int | None,
    external_id: str | None,
    response_id: str | None,
    address: str | None,
    yes: bool,
) -> None:
    """Erase a person for good: a case (or every case with an e-mail address) with its answers,
    send log, outbox messages, the survey's exports, and their traces in the audit log and job
    records; prints what was erased."""
    if sum(bool(x) for x in (external_id, response_id, address)) != 1:
        fail("give one of --case (with --survey), --response or --email")
    targets: list = []
    if external_id:
        if survey_id is None:
            fail("--case needs --survey")
        survey = survey_or_fail(survey_id)
        case = db.session.scalar(
            sa.select(Case).where(Case.survey_id == survey.id, Case.external_id == external_id)
        )
        if case is None:
            fail(f"survey {survey.id} has no case {external_id}")
        targets = [case]
    elif response_id:
        response = db.session.get(Response, response_id)
        if response is None:
            fail(f"no response has id {response_id}")
        targets = [response]
    else:
        targets = erasure.cases_with_email(address)
        if not targets:
            fail(f"no case has the e-mail address {address}")
    described = ", ".join(
        f"case {t.id} of survey {t.survey_id}" if isinstance(t, Case) else f"response {t.id}"
        for t in targets
    )
    if not yes:
        click.confirm(f"Erase for good: {described}?", abort=True)
    for target in targets:
        if isinstance(target, Case):
            result = erasure.erase_case(target)
        else:
            result = erasure.erase_response(target)
        db.session.commit()
        forget_erased()
        click.echo(f"Erased {result.kind} {result.object_id}:")
        for line in result.lines():
            click.echo(line)
