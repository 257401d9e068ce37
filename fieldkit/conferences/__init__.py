"""Dialog conferences: rounds, groups, referents' points, plenary and summary documents."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext


@click.group("conference", help="Dialog conferences.")
def conference_cli() -> None:
    """Dialog conferences."""


@conference_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--project", "slug", required=True, help="Short name of the project.")
@with_appcontext
def import_command(file: str, slug: str) -> None:
    """Create a conference from the design in a YAML FILE; prints the new conference's id."""
    import sqlalchemy as sa

    from fieldkit.cli import fail
    from fieldkit.conferences import operations
    from fieldkit.core.models import Project
    from fieldkit.core.operations import OperationError
    from fieldkit.extensions import db

    project = db.session.scalar(sa.select(Project).where(Project.slug == slug))
    if project is None:
        fail(f"no project with short name {slug}")
    try:
        conference = operations.import_conference(project, file)
    except OperationError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(conference.id)


@conference_cli.command("copy")
@click.argument("conference_id", type=int)
@click.option("--title", default=None, help="Title of the copy (default: the same).")
@with_appcontext
def copy_command(conference_id: int, title: str | None) -> None:
    """Copy a conference's design (no participants or points); prints the new id."""
    from fieldkit.cli import fail
    from fieldkit.conferences import operations
    from fieldkit.conferences.models import Conference
    from fieldkit.extensions import db

    conference = db.session.get(Conference, conference_id)
    if conference is None:
        fail(f"no conference with id {conference_id}")
    copy = operations.copy_conference(conference, title=title)
    db.session.commit()
    click.echo(copy.id)


def init_app(app: Flask) -> None:
    """Register the blueprint, the project-page helper and the ``conference`` commands."""
    from fieldkit.conferences import views

    app.register_blueprint(views.bp)
    app.jinja_env.globals["project_conferences"] = views.project_conferences
    app.cli.add_command(conference_cli)


def load_demo(project, user) -> bool:
    """Add the Bergen conference of the Storbysatsingen design with sample points (once)."""
    from fieldkit.conferences.demo import load_demo as load

    return load(project, user)
