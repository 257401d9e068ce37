"""The ``fieldkit`` command: Flask's commands (run, db, shell, routes) plus our own.

Commands are thin: they parse arguments, call operations and print.
"""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from fieldkit.core.models import Role


def _create_app(*_args) -> Flask:
    from fieldkit import create_app

    return create_app()


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
)
def main() -> None:
    """fieldkit: surveys and dialog conferences for evaluation research."""


def fail(message: str) -> None:
    """Stop the command with ``message`` on standard error and exit status 1."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.command("run", context_settings={"ignore_unknown_options": True})
@click.argument("flask_run_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run_command(ctx: click.Context, flask_run_args: tuple[str, ...]) -> None:
    """Upgrade the database schema, then run Flask's development server."""
    from flask.cli import run_command as flask_run

    from fieldkit.core.database import upgrade_schema

    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        upgrade_schema()
    flask_run.main(args=list(flask_run_args), obj=ctx.obj, standalone_mode=True)


main.add_command(run_command)

i18n_cli = click.Group(
    "i18n", help="The translation catalogue (bokmål, nynorsk; English is the source)."
)


def _run_babel(step) -> None:
    from fieldkit.core import i18n

    if not i18n.BABEL_CFG.is_file():
        fail(f"{i18n.BABEL_CFG} not found: run this in a source checkout")
    status = step()
    if status:
        sys.exit(status)


@i18n_cli.command("update")
def i18n_update_command() -> None:
    """Extract the strings (pybabel extract -F babel.cfg) and update the nb and nn .po files."""
    from fieldkit.core import i18n

    _run_babel(i18n.update)
    for language in i18n.TRANSLATED:
        missing = i18n.untranslated(language)
        if missing:
            click.echo(f"{language}: {len(missing)} to translate")


@i18n_cli.command("compile")
def i18n_compile_command() -> None:
    """Compile the nb and nn .po files to .mo (pybabel compile)."""
    from fieldkit.core import i18n

    _run_babel(i18n.compile_catalogue)


main.add_command(i18n_cli)

user_cli = click.Group("user", help="Manage user accounts.")
project_cli = click.Group("project", help="Manage projects and their members.")


@user_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.RESEARCHER.value,
    show_default=True,
)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for when not given.",
)
@with_appcontext
def create_user_command(email: str, name: str, role: str, password: str) -> None:
    """Create a user who can log in."""
    from fieldkit.core import operations
    from fieldkit.extensions import db

    try:
        user = operations.create_user(email, name, password, Role(role))
    except operations.OperationError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email} (id {user.id})")


@project_cli.command("create")
@click.argument("slug")
@click.argument("name")
@click.option("--description", default="")
@with_appcontext
def create_project_command(slug: str, name: str, description: str) -> None:
    """Create a project with short name SLUG."""
    from fieldkit.core import operations
    from fieldkit.extensions import db

    try:
        project = operations.create_project(slug, name, description)
    except operations.OperationError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(f"Created project {project.slug} (id {project.id})")


@project_cli.command("add-member")
@click.argument("slug")
@click.argument("email")
@with_appcontext
def add_member_command(slug: str, email: str) -> None:
    """Make the user with EMAIL a member of project SLUG."""
    import sqlalchemy as sa

    from fieldkit.core import operations
    from fieldkit.core.models import Project
    from fieldkit.extensions import db

    project = db.session.scalar(sa.select(Project).where(Project.slug == slug))
    if project is None:
        fail(f"no project has the short name '{slug}'")
    user = operations.user_by_email(email)
    if user is None:
        fail(f"no user has the e-mail address {email}")
    operations.add_member(project, user)
    db.session.commit()
    click.echo(f"{user.email} is a member of {project.slug}")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create the demo project and print its login (running it again changes nothing)."""
    from fieldkit.core.database import upgrade_schema

    upgrade_schema()
    _print_demo_login(_load_demo())


def _load_demo():
    from fieldkit.core.demo import load_demo

    return load_demo()


def _print_demo_login(login, url: str | None = None) -> None:
    if url:
        click.echo(f"fieldkit is running at {url}")
    click.echo(f"Demo project: {login.project_slug}")
    click.echo(f"Log in as:    {login.email}")
    click.echo(f"Password:     {login.password}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers", default=2, show_default=True, type=int, help="gunicorn worker processes."
)
@click.option("--demo", is_flag=True, help="Load the demo project first and print its login.")
@with_appcontext
def serve_command(host: str, port: int, workers: int, demo: bool) -> None:
    """Upgrade the database schema and serve the app with gunicorn."""
    from fieldkit.core.database import upgrade_schema

    upgrade_schema()
    url = f"http://{host}:{port}/"
    if demo:
        _print_demo_login(_load_demo(), url)
    else:
        click.echo(f"fieldkit is running at {url}")
    from fieldkit.core.server import serve

    serve(host, port, workers)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run a background worker taking jobs from Redis (needs FIELDKIT_REDIS_URL)."""
    from fieldkit.core.jobs import run_worker

    if not current_app.config.get("REDIS_URL"):
        fail("FIELDKIT_REDIS_URL is not set: jobs run inline and no worker is needed")
    run_worker(burst=burst)


@click.command("prune-downloads")
@with_appcontext
def prune_downloads_command() -> None:
    """Delete exports and other job downloads older than DOWNLOAD_RETENTION_HOURS."""
    from fieldkit.core import downloads

    removed = downloads.prune_all()
    hours = current_app.config["DOWNLOAD_RETENTION_HOURS"]
    click.echo(f"Deleted {removed} file(s) older than {hours} hours")


def register_commands(app: Flask) -> None:
    """Add our commands to the app's CLI."""
    commands = (
        user_cli, project_cli, demo_command, serve_command, worker_command,
        prune_downloads_command,
    )  # fmt: skip
    for command in commands:
        app.cli.add_command(command)


if __name__ == "__main__":
    main()
