"""`fieldkit conference import|copy`: a conference from a design file, or a copy of one."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from fieldkit.conferences.models import Conference
from fieldkit.conferences.setup import operations
from fieldkit.core.cli import fail
from fieldkit.core.models import Project
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--project", "slug", required=True, help="Short name of the project.")
@with_appcontext
def import_command(file: str, slug: str) -> None:
    """Create a conference from the design in a YAML FILE; prints the new conference's id."""
    project = db.session.scalar(sa.select(Project).where(Project.slug == slug))
    if project is None:
        fail(f"no project with short name {slug}")
    try:
        conference = operations.import_conference(project, file)
    except OperationError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(conference.id)


@click.command("copy")
@click.argument("conference_id", type=int)
@click.option("--title", default=None, help="Title of the copy (default: the same).")
@with_appcontext
def copy_command(conference_id: int, title: str | None) -> None:
    """Copy a conference's design (no participants or points); prints the new id."""
    conference = db.session.get(Conference, conference_id)
    if conference is None:
        fail(f"no conference with id {conference_id}")
    copy = operations.copy_conference(conference, title=title)
    db.session.commit()
    click.echo(copy.id)


COMMANDS = (import_command, copy_command)
