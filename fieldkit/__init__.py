"""fieldkit: a web toolkit for the fieldwork of evaluation research.

The app factory lives in ``fieldkit.factory``; ``from fieldkit import create_app`` imports it on
first use (a module ``__getattr__``, PEP 562). Importing the package itself stays cheap: the
``fieldkit`` command imports it before it knows whether a command needs the app, and
``fieldkit --help`` must not pay for Flask-SQLAlchemy, every model and every page.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fieldkit.factory import (
        FEATURES,
        MIGRATIONS_PATH,
        TEMPLATES_PATH,
        create_app,
        feature_modules,
    )

__all__ = ["FEATURES", "MIGRATIONS_PATH", "TEMPLATES_PATH", "create_app", "feature_modules"]


def __getattr__(name: str) -> Any:
    """``fieldkit.create_app`` and the factory's other names, imported when first asked for."""
    if name in __all__:
        return getattr(importlib.import_module("fieldkit.factory"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
