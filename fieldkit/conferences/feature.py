"""The conference feature's entry: its pages, the project-page helper, the ``conference``
commands and the demo conferences.

Imported by the app factory (``fieldkit.factory.FEATURES``), not by the areas, so that importing a
module of the feature (its models, in a job or a migration) does not load every page.
"""

from __future__ import annotations

import click
from flask import Flask

from fieldkit.conferences import blueprints, demo
from fieldkit.conferences.setup import cli as setup_cli
from fieldkit.conferences.setup.operations import project_conferences
from fieldkit.conferences.summary import cli as summary_cli


def init_app(app: Flask) -> None:
    """Register the conference pages, the project-page helper and the ``conference`` commands."""
    app.register_blueprint(blueprints.staff)
    for blueprint in blueprints.PUBLIC:
        app.register_blueprint(blueprint)
    app.jinja_env.globals["project_conferences"] = project_conferences
    conference_cli = click.Group("conference", help="Dialog conferences.")
    for command in (*setup_cli.COMMANDS, *summary_cli.COMMANDS):
        conference_cli.add_command(command)
    app.cli.add_command(conference_cli)


def load_demo(project, user) -> bool:
    """Add the demo conferences in Bergen and Oslo, with sample points (once)."""
    return demo.load_demo(project, user)
