"""Rate limiting of failed attempts per client, shared by every process (kept in the database).

Clients are told apart by a keyed hash of their address, so no address is stored.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from fieldkit.core.models import RateLimitHit, utcnow
from fieldkit.extensions import db


def client_key(scope: str, client: str) -> str:
    """The stored key for ``client`` (e.g. an IP address) in ``scope``."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{scope}|{client}".encode(), hashlib.sha256).hexdigest()


def too_many(scope: str, client: str, limit: int, window: timedelta) -> bool:
    """Whether ``client`` has had ``limit`` or more hits in ``scope`` within ``window``."""
    since = utcnow() - window
    count = db.session.scalar(
        sa.select(sa.func.count(RateLimitHit.id)).where(
            RateLimitHit.key == client_key(scope, client), RateLimitHit.at >= since
        )
    )
    return count >= limit


def hit(scope: str, client: str, window: timedelta) -> None:
    """Count one attempt by ``client``, and forget attempts older than ``window``."""
    db.session.execute(sa.delete(RateLimitHit).where(RateLimitHit.at < utcnow() - window))
    db.session.add(RateLimitHit(key=client_key(scope, client)))
    db.session.commit()
