"""Serving the app with gunicorn from ``fieldkit serve``, and a logger that keeps links out of
the access log (use it in production too: ``gunicorn -c python:fieldkit.core.gunicorn_conf``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from fieldkit.core.redaction import redact


class RedactingLogger(Logger):
    """gunicorn's logger, writing paths without the query string and without link tokens."""

    def atoms(self, resp, req, environ, request_time) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        # Every atom a format could name that holds a path or URL (the request line, the
        # path, ``{raw_uri}e``, the Referer, a Location…) goes through ``redact``.
        for key, value in atoms.items():
            if isinstance(value, str) and value.startswith(("/", "http://", "https://")):
                atoms[key] = redact(value)
        path = redact(environ.get("PATH_INFO", ""))
        atoms["U"] = path
        atoms["r"] = (
            f"{environ.get('REQUEST_METHOD', '')} {path} {environ.get('SERVER_PROTOCOL', '')}"
        )
        atoms["q"] = ""
        atoms["{query_string}e"] = ""
        return atoms


#: Settings shared by ``fieldkit serve`` and ``gunicorn -c python:fieldkit.core.gunicorn_conf``.
SETTINGS: dict[str, Any] = {
    "worker_class": "gthread",
    "threads": 4,
    "accesslog": "-",
    "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(L)ss',
    "logger_class": "fieldkit.core.server.RedactingLogger",
    "timeout": 120,
}


class _Server(BaseApplication):
    def __init__(self, options: dict[str, Any], app_factory: Callable[[], Flask]):
        self.options = options
        self.app_factory = app_factory
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.app_factory()


def serve(host: str, port: int, workers: int, app_factory: Callable[[], Flask]) -> None:
    """Run gunicorn on ``host:port`` with ``workers`` processes of four threads each, each
    process serving the app ``app_factory()`` builds."""
    _Server({**SETTINGS, "bind": f"{host}:{port}", "workers": workers}, app_factory).run()
