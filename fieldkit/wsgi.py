"""WSGI entry point: ``gunicorn fieldkit.wsgi:app`` (works from a checkout and a wheel alike)."""

from fieldkit import create_app

app = create_app()
