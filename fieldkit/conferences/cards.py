"""Referent cards as a PDF: one A5 page per group with its name, tasks and QR code.

The renderer fetches nothing but the bundled fonts (QR codes are inline SVG), so no text of a
design can make it read a file or call a server.
"""

from __future__ import annotations

from pathlib import Path

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

FONT_DIR = Path(__file__).resolve().parents[1] / "static" / "fonts"
SCHEME = "fieldkit-font:"


class RefusedURL(ValueError):
    """An address the card renderer may not fetch."""


class FontFetcher(URLFetcher):
    """Serves the bundled fonts and refuses everything else."""

    def fetch(self, url, headers=None):
        if not url.startswith(SCHEME):
            raise RefusedURL(f"refused to fetch {url[:80]!r}")
        path = (FONT_DIR / url[len(SCHEME) :]).resolve()
        if path.parent != FONT_DIR or path.suffix != ".ttf" or not path.is_file():
            raise RefusedURL(f"no bundled font {url[:80]!r}")
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "font/ttf"})


def cards_pdf(html: str) -> bytes:
    """The PDF of the filled-in card template."""
    return HTML(string=html, base_url=SCHEME, url_fetcher=FontFetcher()).write_pdf()
