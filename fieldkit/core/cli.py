"""The core commands (users, projects, the demo, serving, the worker and the jobs sweep, old
downloads, backups, the translation catalogue) and
``fail``, which every command uses to stop with a message (the features' commands too).

Commands are thin: they parse arguments, call operations and print.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext
from flask.cli import run_command as flask_run

from fieldkit.core import backup, i18n, jobs, operations, restore, retention, server
from fieldkit.core.database import upgrade_schema
from fieldkit.core.demo import DemoLogin, load_demo
from fieldkit.core.models import Project, Role
from fieldkit.extensions import db


def fail(message: str) -> NoReturn:
    """Stop the command with ``Error: message`` on standard error and exit status 1."""
    raise click.ClickException(message)


@click.command("run", context_settings={"ignore_unknown_options": True})
@click.argument("flask_run_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run_command(ctx: click.Context, flask_run_args: tuple[str, ...]) -> None:
    """Upgrade the database schema, then run Flask's development server."""
    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        upgrade_schema()
    flask_run.main(args=list(flask_run_args), obj=ctx.obj, standalone_mode=True)


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
    try:
        user = operations.create_user(email, name, password, Role(role))
    except operations.OperationError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email} (id {user.id})")


@user_cli.command("set-password")
@click.argument("email")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for when not given.",
)
@with_appcontext
def set_password_command(email: str, password: str) -> None:
    """Give the user with EMAIL a new password (which logs them out everywhere)."""
    user = operations.user_by_email(email)
    if user is None:
        fail(f"no user has the e-mail address {email}")
    try:
        operations.set_password(user, password)
    except operations.OperationError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(f"New password set for {user.email}")


@project_cli.command("create")
@click.argument("slug")
@click.argument("name")
@click.option("--description", default="")
@with_appcontext
def create_project_command(slug: str, name: str, description: str) -> None:
    """Create a project with short name SLUG."""
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
    upgrade_schema()
    _print_demo_login(load_demo())


def _print_demo_login(login: DemoLogin, url: str | None = None) -> None:
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
@click.pass_context
@with_appcontext
def serve_command(ctx: click.Context, host: str, port: int, workers: int, demo: bool) -> None:
    """Upgrade the database schema and serve the app with gunicorn."""
    upgrade_schema()
    url = f"http://{host}:{port}/"
    if demo:
        _print_demo_login(load_demo(), url)
    else:
        click.echo(f"fieldkit is running at {url}")
    # Each gunicorn worker builds its own app with the factory this command was given.
    server.serve(host, port, workers, ctx.ensure_object(ScriptInfo).create_app)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run a background worker taking jobs from Redis (needs FIELDKIT_REDIS_URL); it first marks
    the jobs that died with an earlier worker failed."""
    if not current_app.config.get("REDIS_URL"):
        fail("FIELDKIT_REDIS_URL is not set: jobs run in the app and no worker is needed")
    run_worker(burst=burst)


jobs_cli = click.Group("jobs", help="Background jobs.")


@jobs_cli.command("sweep")
@with_appcontext
def jobs_sweep_command() -> None:
    """Mark failed the jobs whose process died (no heartbeat for JOB_ABANDONED_AFTER_SECONDS)
    and the queued jobs that will never start, so that they can be started again."""
    count = jobs.sweep()
    click.echo(f"{count} abandoned or lost job(s) marked failed")


@click.command("prune-downloads")
@with_appcontext
def prune_downloads_command() -> None:
    """Delete what is kept for a while only: job downloads older than
    DOWNLOAD_RETENTION_HOURS, outbox messages older than OUTBOX_RETENTION_DAYS and frame
    uploads awaiting import older than PREVIEW_RETENTION_HOURS."""
    removed = retention.prune_all()
    config = current_app.config
    click.echo(
        f"Deleted {removed['downloads']} download(s) older than "
        f"{config['DOWNLOAD_RETENTION_HOURS']:g} hours, {removed['outbox']} outbox message(s) "
        f"older than {config['OUTBOX_RETENTION_DAYS']:g} days, {removed['previews']} upload "
        f"preview file(s) older than {config['PREVIEW_RETENTION_HOURS']:g} hours"
    )


@click.command("backup")
@click.option(
    "-o",
    "--output",
    help="The archive to write, or a folder for it (default: instance/backups/).",
)
@with_appcontext
def backup_command(output: str | None) -> None:
    """Back up the database, uploaded files, outbox and secret key into one archive."""
    if output and output.endswith("/") and not Path(output).is_dir():
        fail(f"{output} is not a folder")
    try:
        made = backup.create_backup(Path(output) if output else None)
    except backup.BackupError as exc:
        fail(str(exc))
    size = made.path.stat().st_size
    click.echo(f"Wrote {made.path} ({size} bytes): {made.rows} rows, {made.files} files")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that is not empty.")
@with_appcontext
def restore_command(archive: Path, force: bool) -> None:
    """Restore a backup made by `fieldkit backup` into this installation."""
    try:
        done = restore.restore(archive, force=force)
    except backup.BackupError as exc:
        fail(str(exc))
    made = done.manifest
    click.echo(
        f"Restored the backup of {made['created_at']} (fieldkit {made['fieldkit_version']}): "
        f"{done.rows} rows, {done.files} files"
    )
    if done.upgraded_from is not None:
        click.echo(f"Upgraded the schema from {', '.join(done.upgraded_from) or 'nothing'}")
    click.echo(("Warning: " if done.key_warning else "Links: ") + done.key_note)


i18n_cli = click.Group(
    "i18n", help="The translation catalogue (bokmål, nynorsk; English is the source)."
)


def _run_babel(step) -> None:
    if not i18n.BABEL_CFG.is_file():
        fail(f"{i18n.BABEL_CFG} not found: run this in a source checkout")
    status = step()
    if status:
        sys.exit(status)


@i18n_cli.command("update")
def i18n_update_command() -> None:
    """Extract the strings (pybabel extract -F babel.cfg) and update the nb and nn .po files."""
    _run_babel(i18n.update)
    for language in i18n.TRANSLATED:
        missing = i18n.untranslated(language)
        if missing:
            click.echo(f"{language}: {len(missing)} to translate")


@i18n_cli.command("compile")
def i18n_compile_command() -> None:
    """Compile the nb and nn .po files to .mo (pybabel compile)."""
    _run_babel(i18n.compile_catalogue)


def register_commands(app: Flask) -> None:
    """Add the core commands to the app's CLI."""
    commands = (
        run_command, user_cli, project_cli, demo_command, serve_command, worker_command,
        jobs_cli, prune_downloads_command, backup_command, restore_command, i18n_cli,
    )  # fmt: skip
    for command in commands:
        app.cli.add_command(command)


def run_worker(burst: bool = False) -> None:
    """Run an RQ worker on the app's queue (the ``fieldkit worker`` command), after marking
    the jobs that died with an earlier worker failed."""
    from rq import Worker

    if not current_app.config.get("REDIS_URL"):
        raise RuntimeError(
            "FIELDKIT_REDIS_URL is not set: jobs run in the app, no worker is needed"
        )
    jobs.sweep()
    # The worker forks a child per job; the child must not reuse the parent's connections.
    db.session.remove()
    db.engine.dispose()
    worker = Worker([jobs.queue()], connection=jobs.redis_connection())
    worker.work(burst=burst, with_scheduler=False)
