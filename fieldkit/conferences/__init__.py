"""Dialog conferences: setting one up, facilitating it, the referents' tablets, the summary
document and the synthesis across a project's conferences.

Each area is a package holding its views, operations, forms and commands; ``blueprints`` gathers
their pages and ``init_app`` registers them with the ``conference`` commands.
"""

import click
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the conference pages, the project-page helper and the ``conference`` commands."""
    # Imported here, not at the top: importing a module of the feature (its models, in a job or
    # a migration) runs this file first, and should not load every page.
    from fieldkit.conferences import blueprints
    from fieldkit.conferences.setup import cli as setup_cli
    from fieldkit.conferences.setup.operations import project_conferences
    from fieldkit.conferences.summary import cli as summary_cli

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
    from fieldkit.conferences.demo import load_demo as load

    return load(project, user)
