"""The ``fieldkit`` command: Flask's commands (db, shell, routes), ``run`` upgrading the schema
first, and the commands the app registers (``fieldkit.core.cli`` and each feature's).
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from fieldkit import create_app
from fieldkit.core.cli import run_command


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


if __name__ == "__main__":
    main()
