"""Build hook: a wheel carries the checkout's ``templates/`` and ``migrations/``.

The project keeps both at the top level (beside ``fieldkit/``), where a checkout and an
editable install use them. A wheel has no top level, so building one copies them into the
package (``fieldkit/templates``, ``fieldkit/migrations``); ``fieldkit.config`` looks there first.
Everything else is declared in ``setup.cfg``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("templates", "migrations")


class BuildWithProjectData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads them from the checkout
        for name in BUNDLED:
            target = Path(self.build_lib) / "fieldkit" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(
                ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )


setup(cmdclass={"build_py": BuildWithProjectData})
