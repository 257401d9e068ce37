"""Link tokens and personal data kept out of every log: the access logs (gunicorn's through
``core.server``, the development server's through ``init_app``) and the app's own error log
(``factory.App.log_exception``) write paths through ``redact``.

Which paths carry a token is read from the app's routes: every route with a ``<token>`` part
(``/s/<token>``, ``/d/<token>``…) is redacted, so a new token route is covered without a
change here. Query strings (``/g?t=…``) are never logged.

Tracebacks are logged through ``safe_traceback``: where the failure happened, not the
exceptions' messages, which may hold names, e-mail addresses or answers (a database error
carries the values of the row, e.g. PostgreSQL's ``Key (email)=(kari@…) already exists``;
the engine is made with ``hide_parameters`` so SQLAlchemy leaves out the bound values).
"""

from __future__ import annotations

import logging
import re
import traceback
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from flask import Flask

#: The route argument that holds a link token.
TOKEN_ARGUMENT = "token"

#: Paths that carry a link token in them, each with the token as its ``token`` group;
#: ``init_app`` replaces them by the app's own routes (these defaults are what the routes give
#: today: respondents' links, declining, summary downloads).
TOKEN_PATHS: list[re.Pattern[str]] = [
    re.compile(rf"^/{kind}/(?P<token>[^/?#]+)") for kind in ("s", "o", "r", "n", "d")
]

_ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>:]+)>")


def token_path_pattern(rule: str) -> re.Pattern[str]:
    """A pattern for the paths of route ``rule`` (e.g. ``/x/<int:n>/<token>``), with the
    token as its ``token`` group."""
    parts, at = [], 0
    for match in _ARGUMENT.finditer(rule):
        parts.append(re.escape(rule[at : match.start()]))
        group = "(?P<token>[^/?#]+)" if match.group(1) == TOKEN_ARGUMENT else "[^/?#]+"
        parts.append(group)
        at = match.end()
    return re.compile("^" + "".join(parts))


def token_rules(app: Flask) -> list[str]:
    """Every route of ``app`` with a ``<token>`` part (``/s/<token>``, ``/d/<token>``…)."""
    return sorted(
        {rule.rule for rule in app.url_map.iter_rules() if TOKEN_ARGUMENT in rule.arguments}
    )


def redact(path: str) -> str:
    """``path`` with any link token replaced (``/s/abc…`` → ``/s/…``) and without its query
    string; a full URL (a ``Referer``) keeps its host."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return urlunsplit((parts.scheme, parts.netloc, redact(parts.path), "", ""))
    path = path.split("?", 1)[0].split("#", 1)[0]
    for pattern in TOKEN_PATHS:
        match = pattern.match(path)
        if match:
            return path[: match.start("token")] + "…" + path[match.end("token") :]
    return path


class RedactingFilter(logging.Filter):
    """Rewrites the development server's access log lines (werkzeug logs ``"GET /s/<token>
    HTTP/1.1" 200``) so they carry no token and no query string."""

    REQUEST_LINE = re.compile(r"([A-Z]+) (/\S*) (HTTP/[0-9.]+)")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                self.REQUEST_LINE.sub(lambda m: f"{m[1]} {redact(m[2])} {m[3]}", arg)
                if isinstance(arg, str)
                else arg
                for arg in record.args
            )
        return True


def init_app(app: Flask) -> None:
    """Redact the routes of ``app`` with a token part (call when every blueprint is in)."""
    global TOKEN_PATHS
    TOKEN_PATHS = [token_path_pattern(rule) for rule in token_rules(app)]
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactingFilter) for f in werkzeug.filters):
        werkzeug.addFilter(RedactingFilter())


def _without_message(exc: BaseException) -> str:
    """What kind of failure ``exc`` is, without its message (the SQL, for a database error,
    with placeholders where the values were)."""
    name = type(exc).__qualname__
    if isinstance(exc, sa.exc.StatementError):
        cause = f" ({type(exc.orig).__qualname__})" if exc.orig is not None else ""
        return f"{name}{cause}: [SQL: {exc.statement}] (the message is not logged)"
    return f"{name} (the message is not logged)"


def safe_traceback(exc: BaseException, limit: int = 20) -> str:
    """``exc``'s traceback, with the exceptions that caused it, but no exception's message."""
    chain: list[BaseException] = []
    while exc is not None and all(exc is not seen for seen in chain):
        chain.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    parts = []
    for each in reversed(chain):
        frames = traceback.format_list(traceback.extract_tb(each.__traceback__, limit=limit))
        parts.append(
            "Traceback (most recent call last):\n" + "".join(frames) + _without_message(each)
        )
    return "\n\nwhich led to:\n\n".join(parts)
