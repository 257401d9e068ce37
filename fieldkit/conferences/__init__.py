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


@conference_cli.command("compile")
@click.argument("conference_id", type=int)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "docx", "pptx", "html"]),
    default="pdf",
    show_default=True,
    help="Format of the summary document.",
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--plenum-only", is_flag=True, help="Only the points marked for the plenum.")
@click.option("--minutes", is_flag=True, help="Add the referents' minutes as an appendix.")
@click.option("--no-photos", is_flag=True, help="Leave the photos out.")
@with_appcontext
def compile_command(
    conference_id: int, fmt: str, output: str, plenum_only: bool, minutes: bool, no_photos: bool
) -> None:
    """Compile the summary document of a conference to FILE (no names of participants)."""
    from pathlib import Path

    from fieldkit.cli import fail
    from fieldkit.conferences import compile as compiler
    from fieldkit.conferences.models import Conference
    from fieldkit.extensions import db

    conference = db.session.get(Conference, conference_id)
    if conference is None:
        fail(f"no conference with id {conference_id}")
    options = {
        "points": "plenum" if plenum_only else "all",
        "minutes": minutes,
        "photos": not no_photos,
    }
    content = compiler.compile_bytes(conference, fmt, options)
    Path(output).write_bytes(content)
    click.echo(f"{output}: {fmt}, {len(content)} bytes")


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
