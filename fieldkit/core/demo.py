"""The demo project: a project (slug ``demo``) with a researcher login, made once.

Each feature adds its part through a loader the app factory registers with ``add_loader``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app

from fieldkit.core import operations
from fieldkit.core.models import Project, Role, User
from fieldkit.extensions import db

DEMO_SLUG = "demo"
DEMO_EMAIL = "forsker@demo.fieldkit.no"
DEMO_NAME = "Demo Forsker"
#: The key in ``app.extensions`` under which the features' demo loaders are kept.
LOADERS = "fieldkit.demo_loaders"

#: A feature's part of the demo: ``load(project, user)``, True if it created anything.
DemoLoader = Callable[[Project, User], bool]


@dataclass(frozen=True)
class DemoLogin:
    project_slug: str
    email: str
    password: str
    created: bool


def add_loader(app: Flask, loader: DemoLoader) -> None:
    """Have ``load_demo`` call ``loader(project, user)`` (in the order they are added)."""
    app.extensions.setdefault(LOADERS, []).append(loader)


def demo_password() -> str:
    """The demo researcher's password: fixed for this installation, unknown to any other."""
    digest = hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"fieldkit demo researcher", hashlib.sha256
    ).digest()
    text = base64.b32encode(digest).decode().lower()[:15]
    return "-".join(text[i : i + 5] for i in range(0, 15, 5))


def load_demo() -> DemoLogin:
    """Create the demo project and its researcher unless they exist; running it again changes
    nothing."""
    created = False
    password = demo_password()
    user = operations.user_by_email(DEMO_EMAIL)
    if user is None:
        user = operations.create_user(DEMO_EMAIL, DEMO_NAME, password, Role.RESEARCHER)
        created = True
    project = db.session.scalar(sa.select(Project).where(Project.slug == DEMO_SLUG))
    if project is None:
        project = operations.create_project(
            DEMO_SLUG,
            "Storbysatsingen (demo)",
            "Evaluering av Storbysatsingen: spørreundersøkelser og dialogkonferanser.",
        )
        created = True
    operations.add_member(project, user)
    db.session.flush()
    for loader in current_app.extensions.get(LOADERS, []):
        created = loader(project, user) or created
    db.session.commit()
    return DemoLogin(DEMO_SLUG, DEMO_EMAIL, password, created)
