"""HTML to PDF with WeasyPrint for every printed document (paper forms, codebooks, results
reports, conference summaries and referent cards), fetching nothing but our bundled fonts.

Print templates refer to fonts as ``fieldkit-font:LiberationSans-Regular.ttf``; the fetcher
serves those from ``fieldkit/static/fonts`` and refuses every other address (``file://``,
``http(s)://``, ``data:`` …), so a questionnaire text can never make the renderer read a file
or call a server.

WeasyPrint is imported when the first document is printed, not when the app starts: so the
fetcher class ``BundledFontFetcher`` (a subclass of WeasyPrint's) is made on first use, and a
document that prints more than fonts (a summary's photos) passes those files to it rather than
subclassing it (a subclass made at import would import WeasyPrint with every page).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from fieldkit.core.collector import collector_paused

FONT_DIR = Path(__file__).resolve().parents[1] / "static" / "fonts"
SCHEME = "fieldkit-font:"

#: The faces print templates declare with @font-face: (style, weight, file).
FONT_FACES = [
    {"style": "normal", "weight": "normal", "url": f"{SCHEME}LiberationSans-Regular.ttf"},
    {"style": "normal", "weight": "bold", "url": f"{SCHEME}LiberationSans-Bold.ttf"},
    {"style": "italic", "weight": "normal", "url": f"{SCHEME}LiberationSans-Italic.ttf"},
    {"style": "italic", "weight": "bold", "url": f"{SCHEME}LiberationSans-BoldItalic.ttf"},
]


class RefusedURL(ValueError):
    """An address the renderer may not fetch."""


@functools.cache
def _fetcher_class() -> type:
    """The class ``BundledFontFetcher``, made once, when first asked for."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class BundledFontFetcher(URLFetcher):
        """Serves the bundled fonts, and ``files`` (address → (path, content type)), the
        document's own files; nothing else."""

        def __init__(self, files: dict[str, tuple[Path, str]] | None = None):
            super().__init__()
            self.files = dict(files or {})

        def fetch(self, url, headers=None):
            if url in self.files:
                path, content_type = self.files[url]
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
            if not url.startswith(SCHEME):
                raise RefusedURL(
                    f"refused to fetch {url[:80]!r}: print documents use bundled files"
                )
            name = url[len(SCHEME) :]
            path = (FONT_DIR / name).resolve()
            if path.parent != FONT_DIR or path.suffix != ".ttf" or not path.is_file():
                raise RefusedURL(f"no bundled font named {name[:80]!r}")
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "font/ttf"})

    BundledFontFetcher.__module__ = __name__
    return BundledFontFetcher


def __getattr__(name: str) -> Any:
    """``pdf.BundledFontFetcher`` (and ``from fieldkit.core.pdf import BundledFontFetcher``)."""
    if name == "BundledFontFetcher":
        return _fetcher_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def css_string(text: str) -> str:
    """``text`` as a CSS string literal."""
    escaped = "".join(ch if ch.isalnum() or ch in " .,:;-()" else f"\\{ord(ch):x} " for ch in text)
    return f'"{escaped}"'


def page_counter_css(text: str) -> str:
    """CSS ``content`` for a footer such as "Side %(page)s av %(pages)s" (already translated)."""
    parts = []
    for index, piece in enumerate(text.replace("%(pages)s", "\x00pages\x00").split("\x00")):
        if index % 2:
            parts.append("counter(pages)")
            continue
        for number_index, chunk in enumerate(piece.split("%(page)s")):
            if number_index:
                parts.append("counter(page)")
            if chunk:
                parts.append(css_string(chunk))
    return " ".join(parts)


def write_pdf(html: str, files: dict[str, tuple[Path, str]] | None = None) -> bytes:
    """The PDF of ``html`` (a filled-in print template), fetching the bundled fonts and
    ``files`` (address → (path, content type): e.g. a summary's own photos)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=SCHEME, url_fetcher=_fetcher_class()(files))
    with collector_paused():
        return document.write_pdf()
