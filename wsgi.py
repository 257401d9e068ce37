"""WSGI entry point in a checkout: ``gunicorn wsgi:app`` (the same app as ``fieldkit.wsgi:app``)."""

from fieldkit.wsgi import app

__all__ = ["app"]
