"""Tokens for links sent to people (respondents, referents, participants).

A token is derived with a keyed HMAC from the installation's secret key and a random nonce
stored with whatever the link opens, so the same link can be shown or sent again, while a copy
of the database alone reveals no working link: it holds only the nonce and a hash of the token.
Tokens carry 256 bits, written as 43 URL-safe characters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from flask import current_app

from fieldkit.extensions import db

TOKEN_PATTERN = r"[A-Za-z0-9_-]{43}"


def new_nonce() -> str:
    """A random nonce to store with a link (128 bits)."""
    return secrets.token_hex(16)


def _mac(message: bytes) -> hmac.HMAC:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256)


def derive(purpose: bytes, nonce: str) -> str:
    """The token for ``nonce``; ``purpose`` keeps the kinds of links apart."""
    digest = _mac(purpose + nonce.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> str:
    """What the database stores to find a token's owner (SHA-256, hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


def keyed_hash(purpose: bytes, token: str) -> str:
    """A hash of ``token`` that also needs the secret key (HMAC-SHA-256, hex)."""
    return _mac(purpose + token.encode()).hexdigest()


def active_row(model, digest: str):
    """The row of ``model`` (with ``token_hash`` and ``active``) whose token hashes to
    ``digest``, if it still works; None when unknown, revoked or expired."""
    row = db.session.scalar(sa.select(model).where(model.token_hash == digest))
    return row if row is not None and row.active else None
