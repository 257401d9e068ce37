"""`fieldkit questionnaire paper`: the paper version of a questionnaire as a PDF."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from fieldkit.core.cli import fail
from fieldkit.extensions import db
from fieldkit.surveys.models import Questionnaire
from fieldkit.surveys.paper import operations
from fieldkit.surveys.questionnaires.cli import questionnaire_cli


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
    record = db.session.get(Questionnaire, questionnaire_id)
    if record is None:
        fail(f"no questionnaire has id {questionnaire_id}")
    try:
        content, _name, _type = operations.export_paper(record, language, version=version)
    except operations.ExportError as exc:
        fail(str(exc))
    db.session.commit()
    output.write_bytes(content)
    click.echo(f"Wrote {output} ({len(content)} bytes)")
