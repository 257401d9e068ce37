"""The ``fieldkit`` command lists the app's commands without building the app, lists exactly
what the app registers (``COMMANDS`` cannot go stale), and still runs every command."""

from __future__ import annotations

import json
import os
import pprint
import re
import subprocess
import sys
import tomllib

import click
import pytest
from click.testing import CliRunner
from flask.cli import FlaskGroup, ScriptInfo

from fieldkit.cli import COMMANDS, LIBRARY_GROUPS, imported, main
from tests.paths import ROOT

GROUPS = sorted(
    [name for name, listed in COMMANDS.items() if isinstance(listed, tuple)] + [*LIBRARY_GROUPS]
)

#: Runs the ``fieldkit`` command with the arguments given, then reports on standard error (as
#: JSON) its exit status and the modules it imported.
FIELDKIT_REPORTING_MODULES = """
import json, sys
from fieldkit.cli import main
try:
    main(prog_name="fieldkit")
except SystemExit as stop:
    print(json.dumps({"exit": stop.code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def first_paragraph(text: str | None) -> str:
    return " ".join((text or "").split("\n\n")[0].split())


def listing(command: click.Command) -> str | tuple[str, dict[str, str]]:
    """A registered command as ``COMMANDS`` lists it."""
    if not isinstance(command, click.Group):
        return first_paragraph(command.help)
    return (
        " ".join((command.help or "").split()),
        {name: first_paragraph(sub.help) for name, sub in sorted(command.commands.items())},
    )


def test_the_listed_commands_are_those_the_app_registers(app):
    registered = dict(app.cli.commands)
    for name, (help, path) in LIBRARY_GROUPS.items():
        command = registered.pop(name, None)
        assert command is imported(path), f"the app's {name!r} is not {path}"
        assert first_paragraph(command.help) == help
    as_listed = {name: listing(command) for name, command in sorted(registered.items())}
    assert as_listed == COMMANDS, (
        "fieldkit.cli.COMMANDS must list what the app registers:\n" + pprint.pformat(as_listed)
    )
    # Flask's own commands come first: the app's would be hidden behind them.
    assert set(main.commands) == {"shell", "routes"}
    assert not set(main.commands) & set(app.cli.commands)


def no_app() -> None:
    raise AssertionError("the help built the app")


@pytest.mark.parametrize("width", [80, 50])
@pytest.mark.parametrize("args", [[], ["--help"], *[[group, "--help"] for group in GROUPS]])
def test_the_help_is_what_flask_prints_with_the_app_built(app, args, width):
    """Each help page, to the byte, as Flask's group prints it after building the app."""
    flask_group = FlaskGroup(
        name=main.name,
        help=main.help,
        create_app=lambda: app,
        add_default_commands=False,
        add_version_option=False,
        load_dotenv=False,
        set_debug_flag=False,
    )
    for command in main.commands.values():
        flask_group.add_command(command)
    runner = CliRunner()
    expected = runner.invoke(flask_group, args, prog_name="fieldkit", terminal_width=width)
    printed = runner.invoke(
        main, args, prog_name="fieldkit", terminal_width=width, obj=ScriptInfo(create_app=no_app)
    )
    assert (printed.output, printed.exit_code) == (expected.output, expected.exit_code)
    assert "Commands:" in printed.output


def run_fieldkit(tmp_path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    """``fieldkit ARGS`` in a process of its own on a fresh instance folder (SQLite), as a
    user runs it from this checkout; returns the process and its report."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FIELDKIT_", "FLASK_"))}
    env["FIELDKIT_INSTANCE_PATH"] = str(tmp_path / "instance")
    process = subprocess.run(
        [sys.executable, "-c", FIELDKIT_REPORTING_MODULES, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(process.stderr.strip().splitlines()[-1])
    return process, report


HEAVY = {"weasyprint", "pandas", "numpy", "pyxform", "openpyxl", "docx", "pptx", "PIL"}


def models_and_app(modules: list[str]) -> list[str]:
    """The app factory, any fieldkit model, and the heavy libraries, among ``modules``."""
    return [
        m
        for m in modules
        if m == "fieldkit.factory"
        or re.fullmatch(r"fieldkit(\..+)?\.models(\..+)?", m)
        or m.split(".")[0] in HEAVY
    ]


def test_help_lists_every_command_without_building_the_app(tmp_path):
    process, report = run_fieldkit(tmp_path, "--help")
    assert report["exit"] == 0, process.stderr
    listed = re.findall(r"^  (\S+)  ", process.stdout.split("Commands:")[1], re.M)
    assert listed == sorted([*COMMANDS, *LIBRARY_GROUPS, "shell", "routes"])
    assert models_and_app(report["modules"]) == []
    assert not [m for m in report["modules"] if m.split(".")[0] in {"sqlalchemy", "alembic"}]
    assert not (tmp_path / "instance").exists()


@pytest.mark.parametrize("group", GROUPS)
def test_a_groups_help_lists_its_commands_without_building_the_app(tmp_path, group):
    process, report = run_fieldkit(tmp_path, group, "--help")
    assert report["exit"] == 0, process.stderr
    assert process.stdout.startswith(f"Usage: fieldkit {group} [OPTIONS] COMMAND [ARGS]...")
    listed = re.findall(r"^  (\S+)  ", process.stdout.split("Commands:")[1], re.M)
    if group in COMMANDS:
        assert listed == sorted(COMMANDS[group][1])
        # Only Flask-Migrate's ``db`` needs its library (Alembic, SQLAlchemy) to list commands.
        assert "sqlalchemy" not in report["modules"]
    else:
        assert listed == sorted(imported(LIBRARY_GROUPS[group][1]).commands)
    assert models_and_app(report["modules"]) == []
    assert not (tmp_path / "instance").exists()


def test_commands_still_run_in_a_process_of_their_own(tmp_path):
    process, report = run_fieldkit(tmp_path, "routes")
    assert report["exit"] == 0, process.stderr
    assert re.search(r"^core\.healthz\s+GET\s+/healthz\s*$", process.stdout, re.M)

    process, report = run_fieldkit(tmp_path, "db", "upgrade")
    assert report["exit"] == 0, process.stderr
    process, report = run_fieldkit(tmp_path, "db", "current")
    assert report["exit"] == 0, process.stderr
    assert re.fullmatch(r"m\d{3}[a-z]? \(head\)\n", process.stdout), process.stdout

    process, report = run_fieldkit(tmp_path, "survey", "rates", "999")
    assert (report["exit"], process.stdout) == (1, "")
    assert "Error: no survey has id 999\n" in process.stderr

    process, report = run_fieldkit(tmp_path, "survey", "nope")
    assert report["exit"] == 2
    assert "Error: No such command 'nope'." in process.stderr


def test_creating_the_app_imports_no_heavy_library(tmp_path):
    """The libraries ruff keeps out of module level (TID253) stay unimported by the factory."""
    banned = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"][
        "flake8-tidy-imports"
    ]["banned-module-level-imports"]
    script = (
        "import json, sys\nfrom fieldkit import create_app\ncreate_app()\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FIELDKIT_", "FLASK_"))}
    env["FIELDKIT_INSTANCE_PATH"] = str(tmp_path / "instance")
    process = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert process.returncode == 0, process.stderr
    modules = set(json.loads(process.stdout.splitlines()[-1]))
    assert "fieldkit.surveys.feature" in modules
    assert sorted(name for name in banned if name in modules) == []


def invoke(app, *args: str, input: str | None = None):
    """``fieldkit ARGS`` run in this process on the test's app."""
    info = ScriptInfo(create_app=lambda: app, set_debug_flag=False)
    return CliRunner().invoke(main, list(args), prog_name="fieldkit", obj=info, input=input)


def test_listed_commands_and_groups_run_on_the_app(app, make_project):
    make_project(slug="storby")
    created = invoke(app, "user", "create", "kari@example.no", "--name", "Kari", "--role", "admin",
                     input="correct horse battery\ncorrect horse battery\n")  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "Created admin kari@example.no (id " in created.output

    added = invoke(app, "project", "add-member", "storby", "kari@example.no")
    assert (added.exit_code, added.output) == (0, "kari@example.no is a member of storby\n")

    missing = invoke(app, "project", "add-member", "nowhere", "kari@example.no")
    assert missing.exit_code == 1
    assert "Error: no project has the short name 'nowhere'" in missing.output

    pruned = invoke(app, "prune-downloads")
    assert pruned.exit_code == 0, pruned.output
    assert pruned.output.startswith("Deleted 0 file(s) older than ")

    # A listed command shows its own options (the real command parses the arguments).
    serve_help = invoke(app, "serve", "--help")
    assert serve_help.exit_code == 0
    assert "--workers INTEGER" in serve_help.output and "--demo" in serve_help.output
    create_help = invoke(app, "survey", "create", "--help")
    assert create_help.exit_code == 0 and "--open-link" in create_help.output

    unknown = invoke(app, "nonexistent")
    assert unknown.exit_code == 2 and "No such command 'nonexistent'" in unknown.output
