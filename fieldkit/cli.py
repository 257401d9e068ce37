"""The ``fieldkit`` command: Flask's command line bound to the app (``shell``, ``routes``) and the
commands the app registers (``fieldkit.core.cli``'s, each feature's, Flask-Migrate's ``db``).

Building the app imports Flask-SQLAlchemy, Alembic, every model and every page, and Flask's own
group builds it just to list the commands. This group lists them from ``COMMANDS`` instead, so
``fieldkit --help`` and ``fieldkit GROUP --help`` print without the app; a command is looked up
in the app when it runs or shows its own help, as before (``tests/test_cli.py`` fails when
``COMMANDS`` and the app's commands disagree).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, routes_command, shell_command

import fieldkit
from fieldkit.core.collector import collector_paused

#: Every command the app registers, as the help lists it: a command's help (its first
#: paragraph), or a group's help and its commands'.
COMMANDS: dict[str, str | tuple[str, dict[str, str]]] = {
    "backup": "Back up the database, uploaded files, outbox and secret key into one archive.",
    "conference": (
        "Dialog conferences.",
        {
            "compile": "Compile the summary document of a conference to FILE (no names of "
            "participants).",
            "copy": "Copy a conference's design (no participants or points); prints the new id.",
            "import": "Create a conference from the design in a YAML FILE; prints the new "
            "conference's id.",
        },
    ),
    "demo": "Create the demo project and print its login (running it again changes nothing).",
    "frame": (
        "Sampling frames: import cases from CSV or XLSX.",
        {
            "import": "Import a sampling frame: prints the validation report; exit code 1 on "
            "errors.",
        },
    ),
    "i18n": (
        "The translation catalogue (bokmål, nynorsk; English is the source).",
        {
            "compile": "Compile the nb and nn .po files to .mo (pybabel compile).",
            "update": "Extract the strings (pybabel extract -F babel.cfg) and update the nb and "
            "nn .po files.",
        },
    ),
    "jobs": (
        "Background jobs.",
        {
            "sweep": "Mark failed the jobs whose process died (no heartbeat for "
            "JOB_ABANDONED_AFTER_SECONDS) and the queued jobs that will never start, so that "
            "they can be started again.",
        },
    ),
    "project": (
        "Manage projects and their members.",
        {
            "add-member": "Make the user with EMAIL a member of project SLUG.",
            "create": "Create a project with short name SLUG.",
        },
    ),
    "prune-downloads": "Delete what is kept for a while only: job downloads older than "
    "DOWNLOAD_RETENTION_HOURS, outbox messages older than OUTBOX_RETENTION_DAYS and frame "
    "uploads awaiting import older than PREVIEW_RETENTION_HOURS.",
    "questionnaire": (
        "Import and export questionnaires.",
        {
            "export": "Write the current version of a questionnaire to a file.",
            "import": "Import a native definition (.yaml/.json) or an XLSForm (.xlsx); prints "
            "the new id.",
            "paper": "Write the printable paper version (PDF) of a questionnaire's current "
            "version.",
        },
    ),
    "restore": "Restore a backup made by `fieldkit backup` into this installation.",
    "run": "Upgrade the database schema, then run Flask's development server.",
    "serve": "Upgrade the database schema and serve the app with gunicorn.",
    "survey": (
        "Surveys: create, links, fieldwork and results.",
        {
            "add-case": "Add one case by hand and print its personal link.",
            "create": "Create a survey of a questionnaire's current version; prints its id (and "
            "open link).",
            "erase": "Erase a person for good: a case (or every case with an e-mail address) "
            "with its answers, send log, outbox messages, the survey's exports, and their traces "
            "in the audit log and job records; prints what was erased.",
            "export": "Export the valid responses (submitted, not discarded) with labels.",
            "launch": "Put a draft survey in the field.",
            "link": "Print the personal link of the case with id CASE_ID (the frame's id).",
            "new-wave": "Run a survey again: same questionnaire version, a copy of the frame; "
            "prints the new id.",
            "rates": "AAPOR disposition counts and outcome rates (percent), overall or by a frame "
            "column.",
            "repack": "Pack the analysis rows of the responses changed since the last SPSS or "
            "Stata export (the export does this itself; packing beforehand makes the next export "
            "quick).",
            "report": "Compile the results report: title page, contents, method, tables and "
            "figures.",
            "run-schedule": "Send the scheduled invitations and the reminders that are due (run "
            "it from cron).",
            "send-invitations": "Invite every case that has not had the invitation (or those of "
            "the given strata).",
            "send-reminders": "Remind the cases that have not completed (or those of the given "
            "strata).",
            "table": "Print a report table of one question (frequency, grid, cross-table, "
            "descriptives).",
        },
    ),
    "user": (
        "Manage user accounts.",
        {
            "create": "Create a user who can log in.",
            "set-password": "Give the user with EMAIL a new password (which logs them out "
            "everywhere).",
        },
    ),
    "worker": "Run a background worker taking jobs from Redis (needs FIELDKIT_REDIS_URL); it "
    "first marks the jobs that died with an earlier worker failed.",
}

#: Groups of libraries that the app registers, which need no app to parse or to show their
#: help: their help, and where they are imported from when used.
LIBRARY_GROUPS: dict[str, tuple[str, str]] = {
    "db": ("Perform database migrations.", "flask_migrate.cli:db"),
}

#: Finds the real command, given the ``fieldkit`` command's context.
Resolver = Callable[[click.Context], click.Command]


class ListedCommand(click.Command):
    """A command as the help lists it. When it is used (to run, or for its own ``--help``), the
    real command, found by ``resolve``, parses the arguments and runs."""

    def __init__(self, name: str, help: str, resolve: Resolver):
        super().__init__(name, help=help)
        self.resolve = resolve

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        assert parent is not None, "a listed command runs under the fieldkit command"
        real = self.resolve(parent)
        return real.make_context(info_name, args, parent=parent, **extra)


class ListedGroup(click.Group):
    """A group as the help lists it, with its commands as listed, so that ``fieldkit GROUP
    --help`` needs no app. When one of its commands runs, the real group (found by ``resolve``)
    takes over: it finds the command and runs it."""

    def __init__(self, name: str, help: str, commands: dict[str, str], resolve: Resolver):
        listed = [click.Command(command, help=text) for command, text in commands.items()]
        super().__init__(name, commands=listed, help=help)
        self.resolve = resolve

    def invoke(self, ctx: click.Context) -> Any:
        assert ctx.parent is not None
        return self.resolve(ctx.parent).invoke(ctx)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """The real command (shell completion of its options asks for it)."""
        assert ctx.parent is not None
        real = self.resolve(ctx.parent)
        assert isinstance(real, click.Group)
        return real.resolve_command(ctx, args)


def imported(path: str) -> click.Command:
    """The command at ``module:attribute``."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


class FieldkitGroup(FlaskGroup):
    """Flask's group, listing the app's commands from ``COMMANDS`` and ``LIBRARY_GROUPS``
    without building the app. (Flask's plugin commands, from entry points, would still run but
    are not listed; fieldkit installs none.)"""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS, *LIBRARY_GROUPS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands:
            return self.commands[name]
        if name in LIBRARY_GROUPS:
            help, path = LIBRARY_GROUPS[name]
            return ListedCommand(name, help, lambda _: imported(path))
        listed = COMMANDS.get(name)
        if listed is None:
            return super().get_command(ctx, name)

        def resolve(main_ctx: click.Context) -> click.Command:
            return self.app_command(main_ctx, name)

        if isinstance(listed, str):
            return ListedCommand(name, listed, resolve)
        help, commands = listed
        return ListedGroup(name, help, commands, resolve)

    def app_command(self, ctx: click.Context, name: str) -> click.Command:
        """The app's command ``name``: Flask builds the app (once) and pushes its context."""
        command = super().get_command(ctx, name)
        if command is None:
            raise click.UsageError(f"No such command {name!r}.", ctx)
        return command


def create_app() -> Flask:
    """The app, built when a command needs it: ``fieldkit.create_app`` imports the factory,
    which imports every model and page. Python's collector is paused meanwhile: it made two
    full passes over those modules' objects and freed nothing (about a sixth of the time)."""
    with collector_paused():
        return fieldkit.create_app()


@click.group(
    cls=FieldkitGroup,
    create_app=create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
)
def main() -> None:
    """fieldkit: surveys and dialog conferences for evaluation research."""


# Flask's run is replaced by the app's (``fieldkit.core.cli``), which upgrades the schema first.
main.add_command(shell_command)
main.add_command(routes_command)


if __name__ == "__main__":
    main()
