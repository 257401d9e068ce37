"""The results report as a Word document (python-docx), from the same plain context as the
HTML and PDF.

Word conventions rather than look-alikes: chapters are ``Heading 1``, captions are the
``Caption`` style with a ``SEQ`` field named by the label's word (``SEQ Tabell``/``SEQ Figur``
in bokmål, so Word renumbers them and can list them), and the contents is a ``TOC`` field over
the chapters and captions. A field's result is only what the writer put there, so the contents
is written out in full: one line per chapter and caption with a ``PAGEREF`` to a bookmark
(LibreOffice computes those when it lays the document out; Word recomputes the whole field on
opening, ``updateFields``).

Its words (the contents' heading, "Page N of M", the caption labels, the styles of notes and
sources) come from the catalogue: build under ``force_locale`` (``report.report_docx`` does).
python-docx is imported where it is used, not when the app starts.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask_babel import gettext as _

FONT = "Arial"
TEXT_WIDTH_MM = 160
#: Headings and the contents' title (RGB hex).
DARK = "1F4E79"
#: Stands for a field in a translated text ("Page %(page)s of %(pages)s").
_FIELD = "\x00"


def _element(tag: str, **attributes: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(qn(name), value)
    return element


def _field(paragraph, instruction: str, result: str = "", *, bold: bool | None = None) -> None:
    """A complex field (begin, instruction, separate, cached result, end) in ``paragraph``."""

    for piece in ("begin", instruction, "separate", result, "end"):
        run = paragraph.add_run()
        run.bold = bold
        if piece in ("begin", "separate", "end"):
            run._r.append(_element("w:fldChar", **{"w:fldCharType": piece}))
        elif piece is instruction:
            text = _element("w:instrText", **{"xml:space": "preserve"})
            text.text = f" {instruction} "
            run._r.append(text)
        else:
            run.text = piece


def _field_start(paragraph, instruction: str) -> None:

    for piece in ("begin", instruction, "separate"):
        run = paragraph.add_run()
        if piece in ("begin", "separate"):
            run._r.append(_element("w:fldChar", **{"w:fldCharType": piece}))
        else:
            text = _element("w:instrText", **{"xml:space": "preserve"})
            text.text = f" {instruction} "
            run._r.append(text)


def _field_end(paragraph) -> None:

    paragraph.add_run()._r.append(_element("w:fldChar", **{"w:fldCharType": "end"}))


def _bookmark(paragraph, name: str, number: int) -> None:
    """A bookmark around the whole paragraph (the target of a contents line's PAGEREF)."""
    paragraph._p.insert(
        1 if paragraph._p.pPr is not None else 0,
        _element("w:bookmarkStart", **{"w:id": str(number), "w:name": name}),
    )
    paragraph._p.append(_element("w:bookmarkEnd", **{"w:id": str(number)}))


def _with_fields(paragraph, text: str, fields: list[tuple[str, str]]) -> None:
    """``text`` in ``paragraph`` with each ``_FIELD`` in it replaced by the next of ``fields``
    (instruction, cached result)."""
    parts = text.split(_FIELD)
    for index, part in enumerate(parts):
        if part:
            paragraph.add_run(part)
        if index < len(fields) and index < len(parts) - 1:
            _field(paragraph, *fields[index])


def _set_font(style, size: float | None = None, *, bold: bool | None = None, colour=None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    style.font.name = FONT
    fonts.set(qn("w:cs"), FONT)
    if size:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    if colour is not None:
        style.font.color.rgb = RGBColor.from_string(colour)
    style.font.italic = False


def _styles(document) -> None:
    from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
    from docx.shared import Mm, Pt

    styles = document.styles
    _set_font(styles["Normal"], 10.5)
    styles["Normal"].paragraph_format.space_after = Pt(6)
    styles["Normal"].paragraph_format.line_spacing = 1.15
    _set_font(styles["Title"], 26, bold=True, colour="000000")
    _set_font(styles["Subtitle"], 15, colour="000000")
    _set_font(styles["Heading 1"], 16, bold=True, colour=DARK)
    styles["Heading 1"].paragraph_format.space_before = Pt(0)
    styles["Heading 1"].paragraph_format.space_after = Pt(12)
    caption = styles["Caption"]
    _set_font(caption, 10.5, bold=True, colour="000000")
    caption.paragraph_format.space_before = Pt(14)
    caption.paragraph_format.space_after = Pt(4)
    caption.paragraph_format.keep_with_next = True
    for level, indent in ((1, 0), (2, 6)):
        style = styles.add_style(f"TOC {level}", 1)
        style.base_style = styles["Normal"]
        style.font.size = Pt(10.5 if level == 1 else 9.5)
        style.font.bold = level == 1
        form = style.paragraph_format
        form.left_indent = Mm(indent)
        form.space_before = Pt(6 if level == 1 else 0)
        form.space_after = Pt(2)
        form.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    for name, size, italic, after in ((_note_style(), 8.5, False, 0), (_source_style(), 8.5,
                                                                          True, 10)):  # fmt: skip
        style = styles.add_style(name, 1)
        style.base_style = styles["Normal"]
        style.font.size = Pt(size)
        style.font.italic = italic
        style.paragraph_format.space_before = Pt(2)
        style.paragraph_format.space_after = Pt(after)


def _note_style() -> str:
    return _("Table note")


def _source_style() -> str:
    return _("Source")


def _page_setup(document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin, section.bottom_margin = Mm(22), Mm(20)
    section.different_first_page_header_footer = True
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    words = _("Page %(page)s of %(pages)s", page=_FIELD, pages=_FIELD)
    _with_fields(footer, words, [("PAGE", "1"), ("NUMPAGES", "1")])
    for run in footer.runs:
        run.font.size = Pt(8)


def _update_fields_on_open(document) -> None:
    settings = document.settings.element
    settings.append(_element("w:updateFields", **{"w:val": "true"}))


def _cell_borders(cell, **edges: tuple[int, str]) -> None:
    properties = cell._tc.get_or_add_tcPr()
    borders = _element("w:tcBorders")
    for edge, (size, colour) in edges.items():
        borders.append(
            _element(f"w:{edge}", **{"w:val": "single", "w:sz": str(size), "w:color": colour})
        )
    properties.append(borders)


def _no_table_borders(table) -> None:
    properties = table._tbl.tblPr
    borders = _element("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_element(f"w:{edge}", **{"w:val": "nil"}))
    properties.append(borders)


def _column_widths(header: list[str], rows: list[list[str]]) -> list[float]:
    """Figures get room for their longest cell or header word; the first column takes the
    rest (at least 35 mm, when the figures leave it)."""
    widths = []
    for i in range(1, len(header)):
        words = [w for w in header[i].split()] or [""]
        need = max([len(w) for w in words] + [len(r[i]) for r in rows])
        wish = max(len(header[i]), need)
        # 9 pt bold: about 2 mm a letter, plus the cell's margins.
        widths.append((max(2.0 * need + 5, 11.0), min(max(2.0 * wish + 5, 11.0), 34.0)))
    first_need = max([len(r[0]) for r in rows] + [len(header[0]), 8]) * 2.0 + 4
    roomy = [max(low, high) for low, high in widths]
    if sum(roomy) + min(first_need, 35) <= TEXT_WIDTH_MM:
        columns = roomy
    else:
        columns = [low for low, _high in widths]
    first = max(min(first_need, TEXT_WIDTH_MM - sum(columns)), 20.0)
    return [first, *columns]


def _table(document, header: list[str], rows: list[list[str]], total: bool) -> None:
    """The table; ``total``: its last row is the total row (bold, ruled above)."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    table = document.add_table(rows=1, cols=len(header))
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    _no_table_borders(table)
    widths = [Mm(w) for w in _column_widths(header, rows)]
    # Word reads the cell widths, LibreOffice the grid: set both.
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        column.set(qn("w:w"), str(width.twips))
    table._tbl.tblPr.append(_element("w:tblW", **{"w:w": str(sum(w.twips for w in widths)),
                                                  "w:type": "dxa"}))  # fmt: skip
    table._tbl.tblPr.append(_element("w:tblLayout", **{"w:type": "fixed"}))
    lines = [header, *rows]
    for _row in rows:
        table.add_row()
    for index, (line, row) in enumerate(zip(lines, table.rows, strict=True)):
        properties = row._tr.get_or_add_trPr()
        properties.append(_element("w:cantSplit"))
        if index == 0:
            properties.append(_element("w:tblHeader"))
        is_total = total and index == len(lines) - 1
        for column, (cell, text) in enumerate(zip(row.cells, line, strict=True)):
            cell.width = widths[column]
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_before = Pt(1.5)
            paragraph.paragraph_format.space_after = Pt(1.5)
            paragraph.paragraph_format.line_spacing = 1.0
            # Small tables stay on one page with their caption.
            paragraph.paragraph_format.keep_with_next = index < len(lines) - 1
            if column:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(text)
            run.font.size = Pt(9)
            run.bold = (index == 0 and column > 0) or is_total
            if index == 0 or is_total:
                _cell_borders(cell, top=(8, "000000"), bottom=(8, "000000"))
            else:
                _cell_borders(cell, bottom=(4, "A0A0A0"))


def _caption(document, block, bookmarks: dict[str, int]) -> None:
    """The caption, "Table 3. …": the number is a ``SEQ`` field of the label's word (Word
    renumbers the tables and figures and can list them)."""
    paragraph = document.add_paragraph(style="Caption")
    if block.kind == "table":
        label = _("Table %(number)s.", number=_FIELD)
        sequence = _("Table")
    else:
        label = _("Figure %(number)s.", number=_FIELD)
        sequence = _("Figure")
    _with_fields(paragraph, label, [(f"SEQ {sequence} \\* ARABIC", str(block.number))])
    paragraph.add_run(f" {block.caption}")
    _bookmark(paragraph, f"_Toc_{block.anchor}", bookmarks[block.anchor])


def _contents(document, context: dict[str, Any], bookmarks: dict[str, int]) -> None:
    """The contents field, its result written out: chapters and the captions under them."""
    from docx.shared import Pt, RGBColor

    heading = document.add_paragraph(_("Contents"))
    heading.runs[0].bold = True
    heading.runs[0].font.size = Pt(16)
    heading.runs[0].font.color.rgb = RGBColor.from_string(DARK)
    heading.paragraph_format.space_after = Pt(12)
    entries = []
    for number, chapter in enumerate(context["chapters"], 1):
        entries.append((1, f"{number}. {chapter.title}", chapter.anchor))
        for block in chapter.blocks:
            if block.kind != "text":
                entries.append((2, f"{block.label} {block.caption}", block.anchor))
    for index, (level, text, anchor) in enumerate(entries):
        paragraph = document.add_paragraph(style=f"TOC {level}")
        if index == 0:
            _field_start(paragraph, 'TOC \\o "1-1" \\h \\z \\t "Caption;2"')
        paragraph.add_run(text)
        paragraph.add_run("\t")
        _field(paragraph, f"PAGEREF _Toc_{anchor} \\h", "")
        if index == len(entries) - 1:
            _field_end(paragraph)


def _anchors(context: dict[str, Any]) -> dict[str, int]:
    anchors = {}
    for chapter in context["chapters"]:
        anchors[chapter.anchor] = len(anchors) + 1
        for block in chapter.blocks:
            if block.kind != "text":
                anchors[block.anchor] = len(anchors) + 1
    return anchors


def report_docx(context: dict[str, Any], figure_png) -> bytes:
    """The report as a Word document; ``figure_png(svg)`` gives a figure's PNG (or None)."""
    from docx import Document
    from docx.enum.text import WD_BREAK
    from docx.shared import Mm

    document = Document()
    _styles(document)
    _page_setup(document)
    _update_fields_on_open(document)
    bookmarks = _anchors(context)

    for _space in range(6):
        document.add_paragraph()
    document.add_paragraph(context["title"], style="Title")
    document.add_paragraph(context["subtitle"], style="Subtitle")
    for _space in range(4):
        document.add_paragraph()
    meta = document.add_paragraph(context["project"])
    meta.add_run().add_break()
    meta.add_run(context["date"])
    meta.add_run().add_break(WD_BREAK.PAGE)

    _contents(document, context, bookmarks)
    if context["introduction"]:
        for paragraph in context["introduction"].split("\n\n"):
            document.add_paragraph(paragraph.strip())

    for number, chapter in enumerate(context["chapters"], 1):
        heading = document.add_heading(f"{number}. {chapter.title}", level=1)
        heading.paragraph_format.page_break_before = True
        _bookmark(heading, f"_Toc_{chapter.anchor}", bookmarks[chapter.anchor])
        for text in chapter.paragraphs:
            document.add_paragraph(text)
        for block in chapter.blocks:
            if block.kind == "text":
                for paragraph in block.text.split("\n\n"):
                    # A text introduces what follows: it does not end a page alone.
                    document.add_paragraph(paragraph.strip()).paragraph_format.keep_with_next = True
                continue
            _caption(document, block, bookmarks)
            if block.kind == "table":
                _table(document, block.table.header, block.table.rows, block.table.total)
                for note in block.table.notes:
                    document.add_paragraph(note, style=_note_style())
            else:
                png = figure_png(block.svg)
                picture = document.add_paragraph()
                picture.paragraph_format.keep_with_next = True
                if png:
                    picture.add_run().add_picture(BytesIO(png), width=Mm(TEXT_WIDTH_MM))
            document.add_paragraph(block.source, style=_source_style())
    output = BytesIO()
    document.save(output)
    return output.getvalue()
