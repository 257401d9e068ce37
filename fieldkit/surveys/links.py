"""Respondents' links: personal links for cases, the open link of a survey, resume links.

A link's token is derived with a keyed HMAC from the installation's secret key and a random
nonce stored with the case or survey, so the same link can be sent again in a reminder, while a
copy of the database alone reveals no working link: it holds only the nonce and the SHA-256 of
the token (used to find the case when the link is opened). Tokens carry 256 bits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from flask import current_app

from fieldkit.extensions import db
from fieldkit.surveys.models import Case, Response, Survey

TOKEN_PATTERN = r"[A-Za-z0-9_-]{43}"


def new_nonce() -> str:
    return secrets.token_hex(16)


def _derive(purpose: bytes, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, purpose + b"|" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> str:
    """What the database stores to find a token's owner."""
    return hashlib.sha256(token.encode()).hexdigest()


def personal_token(case: Case) -> str:
    return _derive(b"case-link", case.link_nonce)


def open_token(survey: Survey) -> str:
    return _derive(b"open-link", survey.open_link_nonce)


def assign_personal_link(case: Case) -> None:
    """Give ``case`` a (new) personal link; an earlier link stops working."""
    case.link_nonce = new_nonce()
    case.link_hash = token_hash(personal_token(case))


def assign_open_link(survey: Survey) -> None:
    """Give ``survey`` a (new) open link; an earlier one stops working."""
    survey.open_link_nonce = new_nonce()
    survey.open_link_hash = token_hash(open_token(survey))


def base_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def personal_url(case: Case) -> str:
    """The personal link to send to ``case``."""
    return f"{base_url()}/s/{personal_token(case)}"


def open_url(survey: Survey) -> str:
    return f"{base_url()}/o/{open_token(survey)}"


def resume_url(token: str) -> str:
    return f"{base_url()}/r/{token}"


def case_for_token(token: str) -> Case | None:
    """The case whose personal link carries ``token``, or None."""
    return db.session.scalar(sa.select(Case).where(Case.link_hash == token_hash(token)))


def survey_for_open_token(token: str) -> Survey | None:
    survey = db.session.scalar(sa.select(Survey).where(Survey.open_link_hash == token_hash(token)))
    return survey if survey is not None and survey.open_link else None


def new_resume_token(response: Response) -> str:
    """A fresh random resume token for an open-link response (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    response.resume_hash = token_hash(token)
    return token


def response_for_resume_token(token: str) -> Response | None:
    return db.session.scalar(sa.select(Response).where(Response.resume_hash == token_hash(token)))
