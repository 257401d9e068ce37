"""Referent cards as a PDF: one A5 page per group with its name, tasks and QR code.

The renderer fetches nothing but the bundled fonts (QR codes are inline SVG), so no text of a
design can make it read a file or call a server.
"""

from __future__ import annotations

from fieldkit.core import pdf


def cards_pdf(html: str) -> bytes:
    """The PDF of the filled-in card template."""
    return pdf.write_pdf(html)
