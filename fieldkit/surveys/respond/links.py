"""Respondents' links: personal links for cases, the open link of a survey, resume links.

Tokens come from ``fieldkit.core.tokens``: derived from the secret key and a nonce stored with
the case or survey, so the same link can be sent again in a reminder, while the database holds
only the nonce and the SHA-256 of the token (used to find the case when the link is opened).
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from fieldkit.core import ratelimit, tokens
from fieldkit.extensions import db
from fieldkit.surveys.models import Case, Response, Survey

#: Failed link lookups allowed per client within the window before it is refused for a while;
#: one count for every kind of respondent link (personal, open, resume, decline).
FAILED_LINKS = ratelimit.FailureLimit("link", limit=20, window=timedelta(minutes=10))


def _derive(purpose: bytes, nonce: str) -> str:
    return tokens.derive(purpose + b"|", nonce)


def personal_token(case: Case) -> str:
    return _derive(b"case-link", case.link_nonce)


def decline_token(case: Case) -> str:
    """The token of the case's decline link: it declines, it opens no questionnaire."""
    return _derive(b"decline-link", case.link_nonce)


def open_token(survey: Survey) -> str:
    return _derive(b"open-link", survey.open_link_nonce)


def assign_personal_link(case: Case) -> None:
    """Give ``case`` a (new) personal link and decline link; earlier ones stop working."""
    case.link_nonce = tokens.new_nonce()
    case.link_hash = tokens.token_hash(personal_token(case))
    case.decline_hash = tokens.token_hash(decline_token(case))


def assign_open_link(survey: Survey) -> None:
    """Give ``survey`` a (new) open link; an earlier one stops working."""
    survey.open_link_nonce = tokens.new_nonce()
    survey.open_link_hash = tokens.token_hash(open_token(survey))


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
    if not re.fullmatch(tokens.TOKEN_PATTERN, token):
        return None
    return db.session.scalar(sa.select(Case).where(Case.link_hash == tokens.token_hash(token)))


def case_for_decline_token(token: str) -> Case | None:
    """The case whose decline link carries ``token``, or None.

    Messages sent before decline links had their own token carried the personal link's
    token in the decline link too; it still declines (whoever holds it can open the
    questionnaire with it anyway), while a decline link of today opens nothing else.
    """
    if not re.fullmatch(tokens.TOKEN_PATTERN, token):
        return None
    digest = tokens.token_hash(token)
    return db.session.scalar(
        sa.select(Case).where(sa.or_(Case.decline_hash == digest, Case.link_hash == digest))
    )


def survey_for_open_token(token: str) -> Survey | None:
    survey = db.session.scalar(
        sa.select(Survey).where(Survey.open_link_hash == tokens.token_hash(token))
    )
    return survey if survey is not None and survey.open_link else None


def new_resume_token(response: Response) -> str:
    """A fresh random resume token for an open-link response (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    response.resume_hash = tokens.token_hash(token)
    return token


def response_for_resume_token(token: str) -> Response | None:
    return db.session.scalar(
        sa.select(Response).where(Response.resume_hash == tokens.token_hash(token))
    )
