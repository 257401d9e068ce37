"""Configuration: built-in defaults, then ``instance/config.py``, then ``FIELDKIT_*`` variables.

The instance folder holds everything a running installation owns: the SQLite database, the
generated secret key, the mail outbox and uploads. Its location comes from
``FIELDKIT_INSTANCE_PATH`` (default: ``instance/`` in the project folder).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
#: The checkout's root folder (where ``templates/``, ``migrations/`` and ``instance/`` live).
PROJECT_ROOT = PACKAGE_DIR.parent
#: A wheel carries the checkout's ``templates/`` and ``migrations/`` inside the package (setup.py
#: copies them there when it builds); a checkout, or an editable install of one, has them beside it.
INSTALLED_FROM_WHEEL = (PACKAGE_DIR / "templates").is_dir()
_DATA_ROOT = PACKAGE_DIR if INSTALLED_FROM_WHEEL else PROJECT_ROOT
TEMPLATES_PATH = _DATA_ROOT / "templates"
MIGRATIONS_PATH = _DATA_ROOT / "migrations"

#: Environment variables read, with the config key each one sets and how its text is parsed.
ENVIRONMENT = {
    "FIELDKIT_SECRET_KEY": ("SECRET_KEY", str),
    "FIELDKIT_DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "FIELDKIT_REDIS_URL": ("REDIS_URL", str),
    "FIELDKIT_BASE_URL": ("BASE_URL", str),
    "FIELDKIT_PRODUCTION": ("PRODUCTION", "bool"),
    "FIELDKIT_MAIL_FROM": ("MAIL_FROM", str),
    "FIELDKIT_SMTP_HOST": ("SMTP_HOST", str),
    "FIELDKIT_SMTP_PORT": ("SMTP_PORT", int),
    "FIELDKIT_SMTP_USERNAME": ("SMTP_USERNAME", str),
    "FIELDKIT_SMTP_PASSWORD": ("SMTP_PASSWORD", str),
    "FIELDKIT_SMTP_STARTTLS": ("SMTP_STARTTLS", "bool"),
    "FIELDKIT_SMTP_SSL": ("SMTP_SSL", "bool"),
    "FIELDKIT_SMTP_TIMEOUT": ("SMTP_TIMEOUT", float),
    "FIELDKIT_DOWNLOAD_RETENTION_HOURS": ("DOWNLOAD_RETENTION_HOURS", float),
    "FIELDKIT_OUTBOX_RETENTION_DAYS": ("OUTBOX_RETENTION_DAYS", float),
    "FIELDKIT_PREVIEW_RETENTION_HOURS": ("PREVIEW_RETENTION_HOURS", float),
    "FIELDKIT_SMTP_CA_FILE": ("SMTP_CA_FILE", str),
    "FIELDKIT_JOB_QUEUE": ("JOB_QUEUE", str),
    "FIELDKIT_TRUSTED_PROXIES": ("TRUSTED_PROXIES", int),
    "FIELDKIT_JOBS_MODE": ("JOBS_MODE", str),
    "FIELDKIT_JOB_HEARTBEAT_SECONDS": ("JOB_HEARTBEAT_SECONDS", float),
    "FIELDKIT_JOB_ABANDONED_AFTER_SECONDS": ("JOB_ABANDONED_AFTER_SECONDS", float),
}

#: Secret keys that are known to the world and therefore never acceptable in production.
WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "development"}


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to change."""


def defaults(instance_path: Path) -> dict[str, Any]:
    """Built-in defaults for an installation whose instance folder is ``instance_path``."""
    return {
        "PRODUCTION": False,
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance_path / 'fieldkit.sqlite'}",
        #: No ``pool_pre_ping``: ``core.database.ping_idle_connections`` tests only the
        #: connections that sat idle, not every one on every request.
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "REDIS_URL": None,
        "JOB_QUEUE": "fieldkit",
        #: Where background jobs run: "thread" (a thread of the app process), "inline" (in the
        #: caller, to the end) or "rq" (Redis workers); None: "rq" with REDIS_URL, else "thread".
        "JOBS_MODE": None,
        #: How often a running job writes its heartbeat, and how old the heartbeat of a
        #: running job may get before the job is given up as abandoned (its process died).
        "JOB_HEARTBEAT_SECONDS": 10.0,
        "JOB_ABANDONED_AFTER_SECONDS": 60.0,
        "BASE_URL": "http://127.0.0.1:5000",
        "MAIL_FROM": "fieldkit <fieldkit@localhost>",
        "SMTP_HOST": None,
        "SMTP_PORT": 587,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "SMTP_STARTTLS": True,
        "SMTP_SSL": False,
        "SMTP_TIMEOUT": 30.0,
        #: A CA bundle for a mail server with a private certificate (default: the system's).
        "SMTP_CA_FILE": None,
        "OUTBOX_PATH": str(instance_path / "outbox"),
        "UPLOAD_PATH": str(instance_path / "uploads"),
        #: How long exports and other one-off downloads made by jobs are kept.
        "DOWNLOAD_RETENTION_HOURS": 72,
        #: How long messages written to the outbox folder are kept (they hold names, addresses
        #: and personal links).
        "OUTBOX_RETENTION_DAYS": 30,
        #: How long an uploaded sampling frame awaiting confirmation of its import is kept.
        "PREVIEW_RETENTION_HOURS": 24,
        "BABEL_DEFAULT_LOCALE": "nb",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Oslo",
        "LANGUAGES": {"nb": "Norsk (bokmål)", "nn": "Norsk (nynorsk)", "en": "English"},
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        #: How many reverse proxies (nginx …) stand in front of the app: their
        #: ``X-Forwarded-For``/``-Proto``/``-Host`` are believed, anyone else's are ignored.
        "TRUSTED_PROXIES": 0,
    }


def instance_path_from_env() -> Path:
    """The instance folder named by ``FIELDKIT_INSTANCE_PATH``, else the default.

    The default is ``instance/`` in a checkout and, as Flask does for installed packages,
    ``<prefix>/var/fieldkit-instance`` when installed from a wheel (never inside site-packages).
    """
    raw = os.environ.get("FIELDKIT_INSTANCE_PATH")
    if raw:
        return Path(raw).expanduser().resolve()
    if INSTALLED_FROM_WHEEL:
        return Path(sys.prefix) / "var" / "fieldkit-instance"
    return PROJECT_ROOT / "instance"


def _parse(raw: str, kind: Any) -> Any:
    if kind == "bool":
        value = raw.strip().lower()
        if value in {"1", "true", "yes", "on"}:
            return True
        if value in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"expected a yes/no value, got {raw!r}")
    return kind(raw)


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Config values set by ``FIELDKIT_*`` environment variables."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, (key, kind) in ENVIRONMENT.items():
        if name in environ:
            try:
                values[key] = _parse(environ[name], kind)
            except (ValueError, ConfigError) as exc:
                raise ConfigError(f"{name}: {exc}") from exc
    return values


def ensure_secret_key(config: dict[str, Any], instance_path: Path) -> None:
    """Give the app a secret key: the configured one, else one generated into the instance.

    In production mode a generated or well-known key is refused, since sessions and personal
    links signed with it would not survive a move of the instance folder and could be forged.
    """
    key = config.get("SECRET_KEY")
    if config.get("PRODUCTION"):
        if not key or key in WEAK_SECRETS or len(key) < 32:
            raise ConfigError(
                "Production mode needs a real secret key: set FIELDKIT_SECRET_KEY "
                "(at least 32 random characters, e.g. from `python -c 'import secrets; "
                "print(secrets.token_hex(32))'`)."
            )
        return
    if key:
        return
    key_file = instance_path / "secret_key"
    if key_file.exists():
        config["SECRET_KEY"] = key_file.read_text().strip()
        return
    instance_path.mkdir(parents=True, exist_ok=True)
    generated = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(generated + "\n")
    config["SECRET_KEY"] = generated


def normalise_database_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
