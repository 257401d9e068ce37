"""The app factory, ``create_app`` (also ``from fieldkit import create_app``): config,
extensions, the core, then each feature's entry module."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from fieldkit import config as cfg
from fieldkit.core import database, demo, i18n, redaction, roles, security
from fieldkit.core.cli import register_commands
from fieldkit.core.nesting import BoundedJSONProvider
from fieldkit.core.redaction import redact, safe_traceback
from fieldkit.core.text import FormTextRequest
from fieldkit.core.views import bp as core_bp
from fieldkit.extensions import babel, csrf, db, login_manager, migrate

#: Each feature's entry module: ``init_app(app)`` registers its blueprints, template helpers and
#: commands; ``load_demo(project, user)``, where there is one, adds its part of the demo
#: project. Imported by name when an app is made, so that importing a feature's models or
#: engines (``fieldkit.surveys.models``) does not import every page of every feature.
FEATURES = ("fieldkit.surveys.feature", "fieldkit.conferences.feature")

MIGRATIONS_PATH = cfg.MIGRATIONS_PATH
TEMPLATES_PATH = cfg.TEMPLATES_PATH


class App(Flask):
    """Flask, logging a request's failure without the link token its path may carry (Flask
    writes ``Exception on /s/<token> [GET]``: a respondent's personal link in the log) and
    without the exception's message (a database error holds the row's values); with every form
    field's text normalised as it is parsed (``text.FormTextRequest``), and reading JSON bodies
    with their nesting bounded (``core.nesting``)."""

    request_class = FormTextRequest
    json_provider_class = BoundedJSONProvider

    def log_exception(self, exc_info) -> None:
        self.logger.error(
            "Exception on %s [%s]\n%s",
            redact(request.path),
            request.method,
            safe_traceback(exc_info[1]),
        )


def feature_modules() -> list:
    """The imported feature entry modules, in ``FEATURES`` order."""
    return [importlib.import_module(name) for name in FEATURES]


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, extensions, blueprints and CLI commands."""
    overrides = dict(overrides or {})
    instance_path = Path(overrides.pop("INSTANCE_PATH", None) or cfg.instance_path_from_env())
    app = App(
        __name__,
        instance_path=str(instance_path),
        instance_relative_config=True,
        template_folder=str(TEMPLATES_PATH),
    )
    app.config.update(cfg.defaults(instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(cfg.from_environment())
    app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = cfg.normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    # Database errors must not carry the values of a statement (names, e-mails, answers)
    # into logs and error pages.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        "hide_parameters": True,
    }
    instance_path.mkdir(parents=True, exist_ok=True)
    cfg.ensure_secret_key(app.config, instance_path)
    if app.config["PRODUCTION"] or app.config["BASE_URL"].startswith("https://"):
        app.config.setdefault("SESSION_COOKIE_SECURE", True)
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True

    trust_proxies(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_PATH))
    # Before CSRF: who may come in is decided first, for every request (core.roles).
    roles.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)

    database.configure_engine_events()
    with app.app_context():
        database.ping_idle_connections(db.engine)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"],
        default_translation_directories=str(i18n.TRANSLATIONS_PATH),
    )
    i18n.init_app(app)
    security.init_app(app)

    app.register_blueprint(core_bp)
    register_commands(app)
    for module in feature_modules():
        module.init_app(app)
        if hasattr(module, "load_demo"):
            demo.add_loader(app, module.load_demo)
    redaction.init_app(app)
    if not app.debug and not app.testing:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
        # WeasyPrint reports every layout step at INFO; only its warnings are worth a line.
        logging.getLogger("weasyprint").setLevel(logging.WARNING)
    return app


def trust_proxies(app: Flask) -> None:
    """Believe the forwarding headers of ``TRUSTED_PROXIES`` proxies in front of the app.

    Behind nginx every request comes from 127.0.0.1; the client's own address (which rate
    limits tell clients apart by) is the last one the trusted proxy appended to
    ``X-Forwarded-For``. Without trusted proxies those headers are ignored, since any client
    can send them.
    """
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops < 0:
        raise cfg.ConfigError("FIELDKIT_TRUSTED_PROXIES must be 0 or more")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
