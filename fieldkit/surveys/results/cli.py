"""`fieldkit survey export|repack|table|report|new-wave`: a survey's results on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from fieldkit.core import audit
from fieldkit.core.cli import fail
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork.cli import survey_cli, survey_or_fail
from fieldkit.surveys.results import analysis_rows, exports, operations, report, tables, waves


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
    survey = survey_or_fail(survey_id)
    rows = exports.export(survey, fmt, output)
    audit.record("survey.exported", survey, format=fmt, rows=rows, via="cli")
    db.session.commit()
    click.echo(f"Wrote {output} ({rows} responses)")


@survey_cli.command("repack")
@click.argument("survey_id", type=int)
@with_appcontext
def survey_repack_command(survey_id: int) -> None:
    """Pack the analysis rows of the responses changed since the last SPSS or Stata export (the
    export does this itself; packing beforehand makes the next export quick)."""
    packed = analysis_rows.pack_stale(survey_or_fail(survey_id))
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
    survey = survey_or_fail(survey_id)
    if min_cell is None:
        min_cell = 0 if survey.anonymous else tables.DEFAULT_MIN_CELL
    other = survey_or_fail(compare) if compare is not None else None
    if other is not None and other.questionnaire_version_id != survey.questionnaire_version_id:
        fail(f"survey {compare} is not a wave of survey {survey_id}")
    try:
        options = tables.Options(
            decimals=decimals,
            total=total,
            exclude_nonsubstantive=without_nonsubstantive,
            min_cell=min_cell,
        )
        table = operations.question_table(survey, item, options, by=by, bands=bands, compare=other)
    except tables.TableError as exc:
        fail(str(exc))
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
@click.option(
    "--no-figures", is_flag=True, help="Tables only (else as the report's composition says)."
)
@with_appcontext
def survey_report_command(survey_id, output, items, no_figures) -> None:
    """Compile the results report: title page, contents, method, tables and figures."""
    survey = survey_or_fail(survey_id)
    if output.suffix.lower() not in (".pdf", ".html", ".docx"):
        fail(f"{output}: a report is .pdf, .html or .docx")
    names = [n.strip() for n in items.split(",") if n.strip()] if items else None
    try:
        report.write_report(
            survey, output, items=names, include_figures=False if no_figures else None
        )
    except tables.TableError as exc:
        fail(str(exc))
    click.echo(f"Wrote {output}")


@survey_cli.command("new-wave")
@click.argument("survey_id", type=int)
@click.option("--title", required=True, help="The new wave's title.")
@with_appcontext
def survey_new_wave_command(survey_id, title) -> None:
    """Run a survey again: same questionnaire version, a copy of the frame; prints the new id."""
    wave = waves.new_wave(survey_or_fail(survey_id), title)
    db.session.commit()
    click.echo(f"New wave {waves.wave_number(wave)}: survey {wave.id}")
