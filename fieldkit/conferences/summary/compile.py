"""The compiled summary document of a conference: context builder → HTML → PDF/DOCX/PPTX.

``summary_context`` dumps the conference into plain data (never a participant's name: only
counts by category and kommune), the print template turns it into HTML, WeasyPrint into a PDF
(fetching only bundled fonts and the photos of this document), python-docx into an editable
Word file and python-pptx into the plenary slides.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from fieldkit.conferences.documents import FORMATS, included, normalise_options, point_text
from fieldkit.conferences.models import Conference, Group, Point
from fieldkit.conferences.referent import photos as photo_store
from fieldkit.conferences.summary.store import store_document
from fieldkit.conferences.synthesis.overview import conference_synthesis
from fieldkit.core import audit, jobs, pdf
from fieldkit.core.models import User
from fieldkit.core.text import xml_safe_data
from fieldkit.extensions import db

PHOTO_SCHEME = "fieldkit-photo:"


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


def participant_counts(conference: Conference) -> dict[str, Any]:
    """Participants counted by category and kommune (no names)."""
    counts: Counter[tuple[str, str]] = Counter()
    for participant in conference.participants:
        category = participant.category.name if participant.category else _("Other")
        counts[(category, participant.kommune or _("Not given"))] += 1
    categories = sorted({c for c, _k in counts}, key=str.casefold)
    kommuner = sorted({k for _c, k in counts}, key=str.casefold)
    rows = [
        {
            "category": category,
            "counts": [counts[(category, k)] for k in kommuner],
            "total": sum(counts[(category, k)] for k in kommuner),
        }
        for category in categories
    ]
    return {
        "kommuner": kommuner,
        "rows": rows,
        "totals": [sum(counts[(c, k)] for c in categories) for k in kommuner],
        "total": sum(counts.values()),
    }


def summary_context(conference: Conference, options: dict[str, Any] | None = None) -> dict:
    """Everything the summary documents show, as plain data."""
    options = normalise_options(options)
    with force_locale(options["language"]):
        return _context(conference, options)


def _context(conference: Conference, options: dict[str, Any]) -> dict:
    points_by_group: dict[int, list[Point]] = {}
    group_ids = [g.id for r in conference.rounds for g in r.groups]
    if group_ids:
        # Load photos and notes of every group in two queries, not two per group.
        db.session.scalars(
            sa.select(Group)
            .where(Group.id.in_(group_ids))
            .options(sa.orm.selectinload(Group.photos), sa.orm.selectinload(Group.notes))
        ).all()
        rows = db.session.scalars(
            sa.select(Point)
            .where(Point.group_id.in_(group_ids))
            .options(sa.orm.selectinload(Point.edit), sa.orm.selectinload(Point.tags))
            .order_by(Point.position, Point.id)
        )
        for point in rows:
            points_by_group.setdefault(point.group_id, []).append(point)
    task_order = {t.id: (r.position, t.position) for r in conference.rounds for t in r.tasks}
    rounds = []
    minutes = []
    notes = []
    for round_index, round_ in enumerate(conference.rounds, start=1):
        groups = []
        for group in round_.groups:
            group_points = [p for p in points_by_group.get(group.id, []) if included(p, options)]
            tasks = [
                {
                    "number": task.number,
                    "points": [
                        {"text": point_text(p), "for_plenum": p.for_plenum}
                        for p in group_points
                        if p.task_id == task.id
                    ],
                }
                for task in round_.tasks
            ]
            group_photos = (
                [
                    {"stem": ph.stem, "width": ph.width, "height": ph.height}
                    for ph in group.photos
                    if photo_store.rendition_path(ph, "print").exists()
                ]
                if options["photos"]
                else []
            )
            anchor = f"r{round_index}-g{group.position + 1}"
            groups.append(
                {"name": group.name, "anchor": anchor, "tasks": tasks, "photos": group_photos}
            )
            if group.minutes.strip():
                minutes.append(
                    {"round": round_.title, "group": group.name, "text": paragraphs(group.minutes)}
                )
            if group.notes:
                notes.append(
                    {
                        "round": round_.title,
                        "group": group.name,
                        "notes": [n.text for n in group.notes],
                    }
                )
        rounds.append(
            {
                "anchor": f"r{round_index}",
                "title": round_.title,
                "label": round_.label,
                "preamble": round_.preamble,
                "group_composition": round_.group_composition,
                "tasks": [{"number": t.number, "text": t.text} for t in round_.tasks],
                "groups": groups,
            }
        )
    project = conference.project
    return {
        "options": options,
        "project": project.name,
        "title": conference.title,
        "subtitle": conference.subtitle,
        "place": conference.place,
        "date": format_date(conference.date, "d. MMMM y") if conference.date else "",
        "organiser": conference.organiser,
        "introduction": paragraphs(conference.introduction),
        "programme": [
            {
                "time": item.starts_at.strftime("%H.%M") if item.starts_at else "",
                "title": item.title,
            }
            for item in conference.programme
        ],
        "participants": participant_counts(conference),
        "rounds": rounds,
        "minutes": minutes if options["minutes"] else [],
        "notes": notes if options["notes"] else [],
        "synthesis": conference_synthesis(
            conference,
            options,
            [
                p
                for g in group_ids
                for p in sorted(
                    points_by_group.get(g, []), key=lambda p: (task_order[p.task_id], p.position)
                )
            ],
        )
        if options["synthesis"]
        else None,
        "photo_count": sum(len(g["photos"]) for r in rounds for g in r["groups"]),
    }


# --- HTML and PDF -----------------------------------------------------------------------------


def render_html(context: dict, *, standalone: bool = False) -> str:
    """The print template filled in. ``standalone`` embeds the photos (the HTML format)."""

    def photo_src(stem: str) -> str:
        if not standalone:
            return f"{PHOTO_SCHEME}{stem}.jpg"
        path = photo_store.folder() / f"{stem}.jpg"
        return "data:image/jpeg;base64," + base64.b64encode(path.read_bytes()).decode()

    with force_locale(context["options"]["language"]):
        return render_template(
            "pdf/conferences/summary.html",
            doc=context,
            standalone=standalone,
            photo_src=photo_src,
            footer_css=pdf.page_counter_css(_("%(page)s of %(pages)s")),
        )


def photo_files(stems: set[str]) -> dict[str, tuple[Path, str]]:
    """The print renditions of the document's own photos, by their address in the template:
    all the PDF renderer may fetch besides the bundled fonts."""
    folder = photo_store.folder()
    return {f"{PHOTO_SCHEME}{stem}.jpg": (folder / f"{stem}.jpg", "image/jpeg") for stem in stems}


def photo_stems(context: dict) -> set[str]:
    return {p["stem"] for r in context["rounds"] for g in r["groups"] for p in g["photos"]}


def write_pdf(html: str, stems: set[str]) -> bytes:
    """The PDF of a filled-in summary template."""
    return pdf.write_pdf(html, photo_files(stems))


def summary_pdf(context: dict) -> bytes:
    return write_pdf(render_html(context), photo_stems(context))


def summary_html(context: dict) -> bytes:
    return render_html(context, standalone=True).encode()


# --- DOCX ---------------------------------------------------------------------------------


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES, TOC) in ``paragraph``; Word fills it in."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = instruction
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(begin)
    run._r.append(text)
    run._r.append(separate)
    paragraph.add_run("1" if "PAGE" in instruction else "")
    closing = paragraph.add_run()
    closing._r.append(end)


def summary_docx(context: dict) -> bytes:
    """An editable Word document with the same structure as the PDF."""
    context = xml_safe_data(context)  # stored text may hold what XML cannot
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    with force_locale(context["options"]["language"]):
        texts = document_texts(context)
    document = Document()
    styles = document.styles
    styles["Normal"].font.name = "Liberation Sans"
    styles["Normal"].font.size = Pt(10.5)
    language = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}.get(
        context["options"]["language"], "nb-NO"
    )
    rpr = styles["Normal"].element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), language)
    rpr.append(lang)
    # Word updates the table of contents when the file is opened.
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)

    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.2)
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.text = context["title"]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(footer, "PAGE")
    footer.add_run(f" {texts['of']} ")
    _field(footer, "NUMPAGES")

    # Title page
    document.add_paragraph(context["project"]).alignment = WD_ALIGN_PARAGRAPH.CENTER
    title = document.add_paragraph(style="Title")
    title.add_run(context["title"])
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in texts["title_lines"]:
        document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # Not a Heading 1: the TOC field would list the contents heading in the contents.
    document.add_paragraph(texts["contents"], style="TOC Heading")
    _field(document.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u')
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    if context["introduction"]:
        document.add_heading(texts["introduction"], level=1)
        for text in context["introduction"]:
            document.add_paragraph(text)
    if context["programme"]:
        document.add_heading(texts["programme"], level=1)
        table = document.add_table(rows=0, cols=2)
        for item in context["programme"]:
            cells = table.add_row().cells
            cells[0].text = item["time"]
            cells[1].text = item["title"]
    counts = context["participants"]
    document.add_heading(texts["participants"], level=1)
    document.add_paragraph(texts["participants_lead"])
    table = document.add_table(rows=1, cols=len(counts["kommuner"]) + 2)
    table.style = "Table Grid"
    head = table.rows[0].cells
    head[0].text = texts["category"]
    for index, kommune in enumerate(counts["kommuner"], start=1):
        head[index].text = kommune
    head[-1].text = texts["total"]
    for row in counts["rows"]:
        cells = table.add_row().cells
        cells[0].text = row["category"]
        for index, count in enumerate(row["counts"], start=1):
            cells[index].text = str(count)
        cells[-1].text = str(row["total"])
    cells = table.add_row().cells
    cells[0].text = texts["total"]
    for index, count in enumerate(counts["totals"], start=1):
        cells[index].text = str(count)
    cells[-1].text = str(counts["total"])

    for round_ in context["rounds"]:
        document.add_heading(round_["title"], level=1)
        if round_["preamble"]:
            document.add_paragraph(round_["preamble"]).runs[0].italic = True
        if round_["label"]:
            document.add_paragraph(round_["label"]).runs[0].bold = True
        for task in round_["tasks"]:
            document.add_paragraph(f"{task['number']}. {task['text']}")
        for group in round_["groups"]:
            document.add_heading(group["name"], level=2)
            for task, task_text in zip(group["tasks"], round_["tasks"], strict=True):
                heading = document.add_paragraph(
                    f"{texts['task']} {task['number']}: {task_text['text']}"
                )
                heading.runs[0].bold = True
                heading.paragraph_format.keep_with_next = True
                if not task["points"]:
                    document.add_paragraph(texts["no_points"]).runs[0].italic = True
                for point in task["points"]:
                    document.add_paragraph(point["text"], style="List Bullet")
            for photo in group["photos"]:
                width, height = Cm(16), Cm(16) * photo["height"] / max(photo["width"], 1)
                if height > Cm(12):
                    width, height = Cm(12) * photo["width"] / max(photo["height"], 1), Cm(12)
                path = photo_store.folder() / f"{photo['stem']}.jpg"
                document.add_picture(str(path), width=int(width), height=int(height))
    synthesis_ = context["synthesis"]
    if synthesis_ and synthesis_["themes"]:
        document.add_heading(synthesis_["title"], level=1)
        document.add_paragraph(synthesis_["provenance"])
        for theme in synthesis_["themes"]:
            document.add_heading(theme["name"], level=2)
            for point in theme["points"]:
                document.add_paragraph(point["text"], style="List Bullet")
    if context["notes"]:
        document.add_heading(texts["notes"], level=1)
        for item in context["notes"]:
            document.add_heading(f"{item['group']} ({item['round']})", level=2)
            for note in item["notes"]:
                document.add_paragraph(note, style="List Bullet")
    document.add_heading(texts["closing_title"], level=1)
    document.add_paragraph(texts["closing"])
    if context["minutes"]:
        document.add_heading(texts["minutes"], level=1)
        for item in context["minutes"]:
            document.add_heading(f"{item['group']} ({item['round']})", level=2)
            for text in item["text"]:
                document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def document_texts(context: dict) -> dict[str, Any]:
    """The fixed texts of the documents, in the document's language."""
    title_lines = [
        line for line in (context["subtitle"], context["place"], context["date"]) if line
    ]
    if context["organiser"]:
        title_lines.append(_("Organised by %(organiser)s", organiser=context["organiser"]))
    return {
        "title_lines": title_lines,
        "contents": _("Contents"),
        "introduction": _("Introduction"),
        "programme": _("Programme"),
        "participants": _("Participants"),
        "participants_lead": _(
            "%(count)d participants, counted by category and municipality.",
            count=context["participants"]["total"],
        ),
        "category": _("Category"),
        "total": _("Total"),
        "task": _("Task"),
        "no_points": _("No points."),
        "notes": _("The facilitators' notes from the plenum"),
        "minutes": _("Appendix: the referents' minutes"),
        "closing_title": _("About this document"),
        "closing": closing_statement(),
        "of": _("of"),
    }


def closing_statement() -> str:
    return _(
        "The material in this document gives the participants' views as they were written "
        "down in the groups. It does not give the official positions of the organisations "
        "the participants come from."
    )


# --- PPTX ---------------------------------------------------------------------------------


def summary_pptx(context: dict) -> bytes:
    """The plenary slides: a title slide, then per group one slide per task."""
    context = xml_safe_data(context)  # stored text may hold what XML cannot
    from pptx import Presentation
    from pptx.util import Pt

    with force_locale(context["options"]["language"]):
        task_word = _("Task")
        empty = _("No points.")
    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = context["title"]
    slide.placeholders[1].text = " · ".join(
        x for x in (context["place"], context["date"], context["organiser"]) if x
    )
    for round_ in context["rounds"]:
        for group in round_["groups"]:
            for task, task_text in zip(group["tasks"], round_["tasks"], strict=True):
                points = [p for p in task["points"] if p["for_plenum"]] or task["points"]
                slide = deck.slides.add_slide(deck.slide_layouts[1])
                slide.shapes.title.text = f"{group['name']} – {task_word} {task['number']}"
                body = slide.placeholders[1].text_frame
                body.text = task_text["text"]
                body.paragraphs[0].font.size = Pt(16)
                body.paragraphs[0].font.italic = True
                for point in points or [{"text": empty}]:
                    paragraph = body.add_paragraph()
                    paragraph.text = point["text"]
                    paragraph.level = 1
                    paragraph.font.size = Pt(18)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


RENDERERS = {
    "pdf": summary_pdf,
    "docx": summary_docx,
    "pptx": summary_pptx,
    "html": summary_html,
}


def compile_bytes(conference: Conference, fmt: str, options: dict | None = None) -> bytes:
    """The summary document of ``conference`` in ``fmt``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return RENDERERS[fmt](summary_context(conference, options))


# --- the background job ----------------------------------------------------------------------


def compile_job(conference_id: int, fmt: str, options: dict, user_id: int | None) -> int:
    """Background job: compile and store the summary document; returns the document's id."""
    conference = db.session.get(Conference, conference_id)
    if conference is None:
        raise LookupError(f"no conference {conference_id}")
    user = db.session.get(User, user_id) if user_id else None
    options = normalise_options(options)
    jobs.report_progress(0, 3, "collecting")
    context = summary_context(conference, options)
    jobs.report_progress(1, 3, "rendering")
    content = RENDERERS[fmt](context)
    jobs.report_progress(2, 3, "storing")
    document = store_document(conference, fmt, content, options, user)
    audit.record(
        "conference.summary_compiled",
        document,
        actor=user,
        project=conference.project_id,
        format=fmt,
    )
    db.session.commit()
    jobs.report_progress(3, 3, "done")
    return document.id
