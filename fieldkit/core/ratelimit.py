"""Rate limiting of failed attempts per client, shared by every process (kept in the database).

Clients are told apart by a keyed hash of their address (``request.remote_addr``: behind a
proxy, the address ``factory.trust_proxies`` takes from ``X-Forwarded-For``), so no address is
stored. Every limit has its own scope: failures in one (unknown links) never count in another
(logins). Only failures are counted and refused: a link that works is looked up first and
never refused, so one client's mistyped links (or a whole office's, behind one NAT address)
cannot lock anybody out of a link that works.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import current_app, request

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


class FailureLimit:
    """Failed attempts (unknown links, wrong passwords) allowed per client in one scope.

    A link view looks the token up first and answers a failure with ``failure(refuse,
    unknown)``. ``guard`` decorates a view that must refuse before it checks anything (the
    login, where checking a password is what is being limited); such a view calls
    ``failed()`` for each failed attempt it sees. ``subject`` (e.g. an e-mail address) keys a
    count on something other than the client.
    """

    def __init__(self, scope: str, limit: int, window: timedelta) -> None:
        self.scope = scope
        self.limit = limit
        self.window = window

    def exceeded(self, subject: str | None = None) -> bool:
        """Whether the current client (or ``subject``) has had ``limit`` failures within
        ``window``."""
        return too_many(self.scope, _key(subject), self.limit, self.window)

    def failed(self, subject: str | None = None) -> None:
        """Count one failed attempt by the current client (or against ``subject``)."""
        hit(self.scope, _key(subject), self.window)

    def failure(self, refuse: Callable[[], Any], unknown: Callable[[], Any]) -> Any:
        """The answer to a failed attempt: ``refuse()`` when the client is over the limit
        (not counted again, so the refusal ends ``window`` after the failures), else count
        it and answer ``unknown()``."""
        if self.exceeded():
            return refuse()
        self.failed()
        return unknown()

    def guard(
        self, refuse: Callable[[], Any], methods: tuple[str, ...] | None = None
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: answer ``refuse()`` to a client over the limit (for ``methods``, or all)."""

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @wraps(view)
            def wrapped(*args: Any, **kwargs: Any) -> Any:
                if (methods is None or request.method in methods) and self.exceeded():
                    return refuse()
                return view(*args, **kwargs)

            return wrapped

        return decorator


def _client() -> str:
    return request.remote_addr or "unknown"


def _key(subject: str | None) -> str:
    return _client() if subject is None else f"subject|{subject}"
