"""The Word summary's table of contents lists the document's headings, not its own heading."""

from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn

from fieldkit.conferences.summary import compile as compiler
from tests.conferences.summary_data import fill


def outline_level(paragraph) -> int | None:
    """The outline level Word gives a paragraph: its own, else its style's (inherited)."""
    own = paragraph._p.pPr.find(qn("w:outlineLvl")) if paragraph._p.pPr is not None else None
    if own is not None:
        return int(own.get(qn("w:val")))
    style = paragraph.style
    while style is not None:
        ppr = style.element.pPr
        found = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
        if found is not None:
            return int(found.get(qn("w:val")))
        style = style.base_style
    return None


def toc_entries(document) -> list[str]:
    """What the field TOC \\o "1-2" \\u collects: Heading 1–2 styles and outline levels 1–2."""
    entries = []
    for paragraph in document.paragraphs:
        level = outline_level(paragraph)
        if paragraph.style.name in ("Heading 1", "Heading 2") or level in (0, 1):
            entries.append(paragraph.text)
    return entries


def test_contents_heading_is_not_an_entry_of_the_contents(conference):
    fill(conference, photo=False)
    document = Document(io.BytesIO(compiler.compile_bytes(conference, "docx")))
    texts = [p.text for p in document.paragraphs]
    contents = texts.index("Innhold")
    assert document.paragraphs[contents].style.name == "TOC Heading"
    assert 'TOC \\o "1-2"' in document.paragraphs[contents + 1]._p.xml
    entries = toc_entries(document)
    assert "Innhold" not in entries
    assert entries[:3] == ["Program", "Deltakere", conference.rounds[0].title]
