"""The floor for bench/respond_load.py: a bare Flask + SQLAlchemy app that renders a page of
the same size as a 30-item questionnaire page and inserts one row per POST.

Run by gunicorn as ``bench.floor_app:app`` with ``FLOOR_DATABASE_URL`` and ``FLOOR_PAGE_BYTES``,
after ``create_table(url)`` made its table (once, before the workers start: two workers
creating it at the same time on PostgreSQL made one of them fail to boot). Without
``FLOOR_DATABASE_URL`` the rows go to a SQLite file in the system's temporary folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, render_template_string, request

DEFAULT_DATABASE_URL = f"sqlite:///{Path(tempfile.gettempdir()) / 'fieldkit-floor.sqlite'}"

metadata = sa.MetaData()
rows = sa.Table(
    "floor_rows",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("answers", sa.JSON, nullable=False),
)


def create_table(url: str = DEFAULT_DATABASE_URL) -> None:
    """The floor's table, new and empty, so that every run's page counts the same rows."""
    setup = sa.create_engine(url)
    try:
        metadata.drop_all(setup)
        metadata.create_all(setup)
    finally:
        setup.dispose()


engine = sa.create_engine(os.environ.get("FLOOR_DATABASE_URL") or DEFAULT_DATABASE_URL)

PAGE_BYTES = int(os.environ.get("FLOOR_PAGE_BYTES", "40000"))
TEMPLATE = """<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>Side</title></head>
<body><main><h1>Side 1 av 1</h1><form method="post">
{% for n in items %}<fieldset class="question-group"><legend>{{ n }}. Spørsmål {{ n }}</legend>
{% for code, label in choices %}<div class="choice"><input type="radio" name="q{{ n }}"
value="{{ code }}" id="q{{ n }}-{{ code }}"><label for="q{{ n }}-{{ code }}">{{ label }}</label>
</div>{% endfor %}</fieldset>
{% endfor %}<button type="submit">Neste</button></form></main>{{ padding }}</body></html>"""

app = Flask(__name__)


CONTEXT = {"items": range(1, 31), "choices": [("1", "Ja"), ("2", "Nei"), ("9", "Vet ikke")]}
_padding: list[str] = []


def page() -> str:
    with engine.connect() as connection:  # as the real page loads its response
        count = connection.execute(sa.select(sa.func.count()).select_from(rows)).scalar()
    if not _padding:  # measured once: pad the page to the size of the questionnaire page
        bare = render_template_string(TEMPLATE, padding="", count=count, **CONTEXT)
        _padding.append(" " * max(0, PAGE_BYTES - len(bare.encode())))
    return render_template_string(TEMPLATE, padding=_padding[0], count=count, **CONTEXT)


@app.get("/page")
def show():
    return page()


@app.post("/page")
def save():
    with engine.begin() as connection:
        connection.execute(rows.insert().values(answers=dict(request.form)))
    return "", 204
