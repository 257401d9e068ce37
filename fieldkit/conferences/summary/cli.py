"""`fieldkit conference compile`: the summary document of a conference, written to a file."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from fieldkit.conferences.documents import FORMATS
from fieldkit.conferences.models import Conference
from fieldkit.conferences.summary import compile as compiler
from fieldkit.core.cli import fail
from fieldkit.extensions import db


@click.command("compile")
@click.argument("conference_id", type=int)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
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


COMMANDS = (compile_command,)
