"""Searching the whole database and instance folder for a person, for the erasure tests."""

from __future__ import annotations

import email
import email.policy
import json
import zipfile
from pathlib import Path

import sqlalchemy as sa

from fieldkit.extensions import db


def texts_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace") + value.decode("latin-1")
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def database_hits(needles) -> dict[str, int]:
    """Every text, JSON and binary column of every table, searched for the needles."""
    hits: dict[str, int] = {}
    db.session.expire_all()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).mappings():
            text = "\n".join(texts_of(v) for v in row.values()).lower()
            if any(needle.lower() in text for needle in needles):
                hits[table.name] = hits.get(table.name, 0) + 1
    return hits


def file_texts(path: Path) -> list[str]:
    raw = path.read_bytes()
    texts = [texts_of(raw)]
    if zipfile.is_zipfile(path):  # XLSX, DOCX: the text is compressed inside
        with zipfile.ZipFile(path) as archive:
            texts += [texts_of(archive.read(name)) for name in archive.namelist()]
    if path.suffix == ".eml":  # quoted-printable and encoded headers
        message = email.message_from_bytes(raw, policy=email.policy.default)
        texts += [f"{k}: {v}" for k, v in message.items()]
        texts += [p.get_content() for p in message.walk() if p.get_content_maintype() == "text"]
    return texts


def instance_hits(app, needles) -> dict[str, int]:
    """Every file under the instance folder, searched for the needles (by folder)."""
    hits: dict[str, int] = {}
    root = Path(app.instance_path)
    for path in root.rglob("*"):
        if path.is_file():
            text = "\n".join(file_texts(path)).lower()
            if any(n.lower() in text for n in needles):
                folder = path.parent.relative_to(root).as_posix()
                hits[folder] = hits.get(folder, 0) + 1
    return hits
