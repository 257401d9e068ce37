"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from fieldkit import create_app

app = create_app()
