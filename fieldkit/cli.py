"""The ``fieldkit`` command: Flask's commands (db, shell, routes), ``run`` upgrading the schema
first, and the commands the app registers (``fieldkit.core.cli`` and each feature's).
"""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup

from fieldkit import create_app
from fieldkit.core.cli import fail, run_command


@click.group(
    cls=FlaskGroup,
    create_app=create_app,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
)
def main() -> None:
    """fieldkit: surveys and dialog conferences for evaluation research."""


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

if __name__ == "__main__":
    main()
