"""`fieldkit questionnaire ...` commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

questionnaire_cli = click.Group("questionnaire", help="Import and export questionnaires.")


def _fail(message: str) -> None:
    from fieldkit.cli import fail

    fail(message)


@questionnaire_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", "slug", required=True, help="Short name of the project.")
@with_appcontext
def import_command(path: Path, slug: str) -> None:
    """Import a native definition (.yaml/.json) or an XLSForm (.xlsx); prints the new id."""
    from fieldkit.core.models import Project
    from fieldkit.extensions import db
    from fieldkit.surveys import questionnaires
    from fieldkit.surveys.definition import DefinitionError

    project = db.session.scalar(sa.select(Project).where(Project.slug == slug))
    if project is None:
        _fail(f"no project has the short name '{slug}'")
    try:
        record = questionnaires.import_questionnaire(project, path.name, path.read_bytes())
    except DefinitionError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(record.id)


@questionnaire_cli.command("export")
@click.argument("questionnaire_id", type=int)
@click.option(
    "--format", "fmt", type=click.Choice(["yaml", "xlsform"]), default="yaml", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_command(questionnaire_id: int, fmt: str, output: Path) -> None:
    """Write the current version of a questionnaire to a file."""
    from fieldkit.extensions import db
    from fieldkit.surveys import questionnaires
    from fieldkit.surveys.models import Questionnaire

    record = db.session.get(Questionnaire, questionnaire_id)
    if record is None:
        _fail(f"no questionnaire has id {questionnaire_id}")
    content, _name, _type = questionnaires.export(record.current, fmt)
    output.write_bytes(content)
    click.echo(f"Wrote {output} ({len(content)} bytes)")


@questionnaire_cli.command("paper")
@click.argument("questionnaire_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--lang", "language", default=None, help="nb, nn or en (default: the first).")
@click.option("--version", "version", type=int, default=None, help="Default: the current one.")
@with_appcontext
def paper_command(
    questionnaire_id: int, output: Path, language: str | None, version: int | None
) -> None:
    """Write the printable paper version (PDF) of a questionnaire's current version."""
    from fieldkit.extensions import db
    from fieldkit.surveys.models import Questionnaire
    from fieldkit.surveys.paper import exports

    record = db.session.get(Questionnaire, questionnaire_id)
    if record is None:
        _fail(f"no questionnaire has id {questionnaire_id}")
    try:
        content, _name, _type = exports.export_paper(record, language, version=version)
    except exports.ExportError as exc:
        _fail(str(exc))
    db.session.commit()
    output.write_bytes(content)
    click.echo(f"Wrote {output} ({len(content)} bytes)")


survey_cli = click.Group("survey", help="Surveys: create, links, fieldwork and results.")


def _survey(survey_id: int):
    from fieldkit.extensions import db
    from fieldkit.surveys.models import Survey

    survey = db.session.get(Survey, survey_id)
    if survey is None:
        _fail(f"no survey has id {survey_id}")
    return survey


def _start_of_day(value):
    from fieldkit.surveys.views.survey_admin import start_of_day

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
    from datetime import timedelta

    from fieldkit.core.operations import OperationError
    from fieldkit.extensions import db
    from fieldkit.surveys import links, surveys
    from fieldkit.surveys.models import Questionnaire

    record = db.session.get(Questionnaire, questionnaire_id)
    if record is None:
        _fail(f"no questionnaire has id {questionnaire_id}")
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
        _fail(str(exc))
    db.session.commit()
    click.echo(survey.id)
    if survey.open_link:
        click.echo(links.open_url(survey))


@survey_cli.command("launch")
@click.argument("survey_id", type=int)
@with_appcontext
def survey_launch_command(survey_id: int) -> None:
    """Put a draft survey in the field."""
    from fieldkit.core.operations import OperationError
    from fieldkit.extensions import db
    from fieldkit.surveys import surveys

    try:
        surveys.launch(_survey(survey_id))
    except OperationError as exc:
        _fail(str(exc))
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
    from fieldkit.core.operations import OperationError
    from fieldkit.extensions import db
    from fieldkit.surveys import links, surveys

    values = {}
    for pair in strata:
        column, sep, value = pair.partition("=")
        if not sep or not column:
            _fail(f"--stratum {pair!r}: write COLUMN=VALUE")
        values[column] = value
    try:
        case = surveys.add_case(
            _survey(survey_id),
            case_id,
            name=name,
            email=email,
            contact_person=contact_person,
            strata=values,
        )
    except OperationError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(links.personal_url(case))


@survey_cli.command("link")
@click.argument("survey_id", type=int)
@click.argument("case_id")
@with_appcontext
def survey_link_command(survey_id: int, case_id: str) -> None:
    """Print the personal link of the case with id CASE_ID (the frame's id)."""
    from fieldkit.extensions import db
    from fieldkit.surveys import links
    from fieldkit.surveys.models import Case

    survey = _survey(survey_id)
    case = db.session.scalar(
        sa.select(Case).where(Case.survey_id == survey.id, Case.external_id == case_id)
    )
    if case is None:
        _fail(f"survey {survey_id} has no case with id {case_id}")
    click.echo(links.personal_url(case))


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
    from fieldkit.surveys import rates_output

    survey = _survey(survey_id)
    try:
        click.echo(
            rates_output.render(survey, by=by, fmt=fmt, e_method=e_method, e_value=e_value),
            nl=False,
        )
    except ValueError as exc:
        _fail(str(exc))


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
    from fieldkit.core.operations import OperationError
    from fieldkit.extensions import db
    from fieldkit.surveys.fieldwork import frame

    survey = _survey(survey_id)
    try:
        table = frame.read_table(path.name, path.read_bytes(), sheet)
    except OperationError as exc:
        _fail(str(exc))
    roles = frame.default_mapping(table.headers)
    for pair in mapping:
        column, sep, role = pair.partition("=")
        if (
            not sep
            or column not in roles
            or role not in (*frame.ROLES, frame.STRATUM, frame.IGNORE)
        ):
            _fail(f"--map {pair!r}: write COLUMN=ROLE with a column of the file and a known role")
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


def _print_planned(planned) -> None:
    for p in planned:
        click.echo(f"{p.external_id}\t{p.email}\t{p.kind}\t{p.round}\t{p.name}")
    click.echo(f"{len(planned)} messages")


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
    from fieldkit.core.operations import OperationError
    from fieldkit.surveys.fieldwork import sending

    values = {}
    for pair in strata:
        column, sep, value = pair.partition("=")
        if not sep or not column:
            _fail(f"--stratum {pair!r}: write COLUMN=VALUE")
        values[column] = value
    survey = _survey(survey_id)
    send = sending.send_invitations if kind == "invitation" else sending.send_reminders
    try:
        result = send(survey, strata=values or None, dry_run=dry_run)
    except OperationError as exc:
        _fail(str(exc))
    if dry_run:
        _print_planned(result)
        return
    click.echo(f"{result.sent_count} sent, {result.failed_count} failed ({result.status})")
    if result.status != "done":
        _fail(result.error or result.status)


@survey_cli.command("run-schedule")
@with_appcontext
def survey_run_schedule_command() -> None:
    """Send the scheduled invitations and the reminders that are due (run it from cron)."""
    from fieldkit.surveys.fieldwork import sending

    for mailing, result in sending.run_schedule():
        click.echo(
            f"survey {mailing.survey_id} {mailing.kind} #{mailing.id}: "
            f"{result['sent']} sent, {result['failed']} failed"
        )


@survey_cli.command("export")
@click.argument("survey_id", type=int)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "csv_excel", "xlsx", "sav", "dta", "r", "codebook"]),
    default="csv",
    show_default=True,
    help="csv_excel: semicolons, decimal comma, BOM; r: a zip with the CSV and labels.R.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def survey_export_command(survey_id: int, fmt: str, output: Path) -> None:
    """Export the valid responses (submitted, not discarded) with labels."""
    from fieldkit.core import audit
    from fieldkit.extensions import db
    from fieldkit.surveys.results import exports

    survey = _survey(survey_id)
    rows = exports.export(survey, fmt, output)
    audit.record("survey.exported", survey, format=fmt, rows=rows, via="cli")
    db.session.commit()
    click.echo(f"Wrote {output} ({rows} responses)")


@survey_cli.command("repack")
@click.argument("survey_id", type=int)
@with_appcontext
def survey_repack_command(survey_id: int) -> None:
    """Bring the responses' analysis rows up to date (after a new questionnaire version), so
    SPSS and Stata exports read them instead of decoding every answer."""
    from fieldkit.surveys.results import analysis_rows

    packed = analysis_rows.repack(_survey(survey_id))
    click.echo(f"Packed {packed} responses")


@survey_cli.command("table")
@click.argument("survey_id", type=int)
@click.argument("item")
@click.option("--by", help="A frame column (etat, fylke) or a single-choice question.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True
)
@click.option("--decimals", type=click.IntRange(0, 3), default=0, show_default=True)
@click.option(
    "--total",
    type=click.Choice(["100", "sum", "largest_remainder"]),
    default="100",
    show_default=True,
    help="The total row: 100, the sum of the rounded figures, or largest-remainder rounding.",
)
@click.option("--without-nonsubstantive", is_flag=True, help="Leave 'Vet ikke' out of the base.")
@click.option("--bands", help="Band limits for a number question, e.g. 0,10,50.")
@click.option(
    "--min-cell",
    type=int,
    default=None,
    help="Suppress cells under this count (default 5 for surveys that are not anonymous).",
)
@click.option("--compare", type=int, help="Another wave's survey id: the two side by side.")
@with_appcontext
def survey_table_command(
    survey_id, item, by, fmt, decimals, total, without_nonsubstantive, bands, min_cell, compare
) -> None:
    """Print a report table of one question (frequency, grid, cross-table, descriptives)."""
    import json

    from fieldkit.surveys.results import cleaning, dataset, tables

    survey = _survey(survey_id)
    if min_cell is None:
        min_cell = 0 if survey.anonymous else tables.DEFAULT_MIN_CELL
    try:
        options = tables.Options(
            decimals=decimals,
            total=total,
            exclude_nonsubstantive=without_nonsubstantive,
            min_cell=min_cell,
        )
        band_list = tables.parse_bands(bands) if bands else None
        if compare is not None:
            from fieldkit.surveys.results import waves

            other = _survey(compare)
            question_item = cleaning.plan(survey).questionnaire().item(item)
            if question_item is None:
                raise tables.TableError(f"the questionnaire has no question named {item!r}")
            if other.questionnaire_version_id != survey.questionnaire_version_id:
                raise tables.TableError(f"survey {compare} is not a wave of survey {survey_id}")
            table = waves.side_by_side(
                question_item,
                [(survey.title, dataset.records(survey)), (other.title, dataset.records(other))],
                options,
            )
        else:
            table = tables.table_for(
                cleaning.plan(survey).questionnaire(),
                item,
                dataset.records(survey),
                options,
                by=by,
                band_list=band_list,
            )
    except tables.TableError as exc:
        _fail(str(exc))
    if fmt == "json":
        click.echo(json.dumps(table.as_dict(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(table.as_csv(), nl=False)
    else:
        click.echo(table.as_text(), nl=False)


@survey_cli.command("report")
@click.argument("survey_id", type=int)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
    help="report.pdf, report.html or report.docx",
)  # fmt: skip
@click.option("--items", help="The questions to include, in order (e.g. q1,q16,q6).")
@click.option("--no-figures", is_flag=True, help="Tables only (else as the report plan says).")
@with_appcontext
def survey_report_command(survey_id, output, items, no_figures) -> None:
    """Compile the results report: title page, contents, method, tables and figures."""
    from fieldkit.surveys.results import report, tables

    survey = _survey(survey_id)
    if output.suffix.lower() not in (".pdf", ".html", ".docx"):
        _fail(f"{output}: a report is .pdf, .html or .docx")
    names = [n.strip() for n in items.split(",") if n.strip()] if items else None
    try:
        report.write_report(
            survey, output, items=names, include_figures=False if no_figures else None
        )
    except tables.TableError as exc:
        _fail(str(exc))
    click.echo(f"Wrote {output}")


@survey_cli.command("new-wave")
@click.argument("survey_id", type=int)
@click.option("--title", required=True, help="The new wave's title.")
@with_appcontext
def survey_new_wave_command(survey_id, title) -> None:
    """Run a survey again: same questionnaire version, a copy of the frame; prints the new id."""
    from fieldkit.extensions import db
    from fieldkit.surveys.results import waves

    wave = waves.new_wave(_survey(survey_id), title)
    db.session.commit()
    click.echo(f"New wave {waves.wave_number(wave)}: survey {wave.id}")
