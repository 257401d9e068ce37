"""Referent cards: per group its name, tasks and the address (and QR code) of its page, printed
from the browser or as a PDF with one A5 page per group.

The renderer fetches nothing but the bundled fonts (QR codes are inline SVG), so no text of a
design can make it read a file or call a server.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from fieldkit.conferences.models import ReferentLink, Round
from fieldkit.conferences.setup.links import card_link, token_for
from fieldkit.core import pdf


def referent_url(link: ReferentLink) -> str:
    """The address a referent's tablet opens (the token in the query, never in logs)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}{url_for('referent.entry')}?t={token_for(link)}"


def qr_svg(url: str) -> Markup:
    """A QR code as inline SVG."""
    import segno

    svg = segno.make(url, error="m").svg_inline(
        scale=5, omitsize=True, title=_("QR code to the group's page")
    )
    return Markup(svg)  # noqa: S704 - made by segno from our own URL


def round_cards(round_: Round) -> list[dict[str, Any]]:
    """A card for every group of the round: the group, its address and QR code (a group without
    a working link gets a new one)."""
    cards = []
    for group in round_.groups:
        url = referent_url(card_link(group))
        cards.append({"group": group, "url": url, "qr": qr_svg(url)})
    return cards


def cards_pdf(html: str) -> bytes:
    """The PDF of the filled-in card template."""
    return pdf.write_pdf(html)
