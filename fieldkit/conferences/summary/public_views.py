"""The public download of a summary document by the link sent to the participants (no login)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template

from fieldkit.conferences.summary import links, store
from fieldkit.core import ratelimit

bp = Blueprint("summary_link", __name__)

#: Failed download-link lookups allowed per client within the window (a link that works is
#: never refused).
FAILED_LINKS = ratelimit.FailureLimit("summary-link", limit=20, window=timedelta(minutes=10))


def _too_many():
    return render_template("conferences/summary/link_invalid.html", too_many=True), 429


@bp.route("/d/<token>")
def download(token: str):
    """The document behind a download link sent to the participants."""
    link = links.link_for_token(token)
    response = store.send(link.document) if link is not None else None
    if response is None:
        # The same answer for unknown, revoked and expired links, and for a deleted file.
        return FAILED_LINKS.failure(
            _too_many,
            lambda: (render_template("conferences/summary/link_invalid.html", too_many=False), 404),
        )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
