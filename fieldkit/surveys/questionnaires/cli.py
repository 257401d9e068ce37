"""`fieldkit questionnaire import|export`: questionnaires in and out as files."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from fieldkit.core.cli import fail
from fieldkit.core.models import Project
from fieldkit.extensions import db
from fieldkit.surveys.models import Questionnaire
from fieldkit.surveys.questionnaires import operations as questionnaires
from fieldkit.surveys.questionnaires.definition import DefinitionError

questionnaire_cli = click.Group("questionnaire", help="Import and export questionnaires.")


@questionnaire_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", "slug", required=True, help="Short name of the project.")
@with_appcontext
def import_command(path: Path, slug: str) -> None:
    """Import a native definition (.yaml/.json) or an XLSForm (.xlsx); prints the new id."""
    project = db.session.scalar(sa.select(Project).where(Project.slug == slug))
    if project is None:
        fail(f"no project has the short name '{slug}'")
    try:
        record = questionnaires.import_questionnaire(project, path.name, path.read_bytes())
    except DefinitionError as exc:
        fail(str(exc))
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
    record = db.session.get(Questionnaire, questionnaire_id)
    if record is None:
        fail(f"no questionnaire has id {questionnaire_id}")
    content, _name, _type = questionnaires.export(record, fmt)
    db.session.commit()
    output.write_bytes(content)
    click.echo(f"Wrote {output} ({len(content)} bytes)")
