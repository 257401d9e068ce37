"""The results report: title page, contents, a method section from the fieldwork, and the
chosen tables and figures numbered ("Table N.", "Figure N.") with the caption above and the
source below; as HTML, PDF (WeasyPrint) and DOCX (python-docx, ``docx_report``).

The context is plain data (strings, lists, SVG markup) built once and rendered three ways. The
report speaks its language (``Options.language``, bokmål by default): the questionnaire's texts
in it, and the report's own words from the catalogue (built under ``force_locale``).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from fieldkit.core import pdf as rendering
from fieldkit.core.models import utcnow
from fieldkit.core.text import xml_safe_data
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import dispositions, queries
from fieldkit.surveys.models import Case, SentMessage, Survey
from fieldkit.surveys.results import (
    cleaning,
    cleaning_steps,
    composition,
    dataset,
    docx_report,
    figures,
    tables,
)
from fieldkit.surveys.results.tables import Options, Table, number

OSLO = ZoneInfo("Europe/Oslo")


def long_date(day: date) -> str:
    """4. mars 2004 (in bokmål)."""
    return format_date(day, "long")


@dataclass
class Block:
    """One numbered table or figure of the report, or a researcher's text."""

    kind: str  # "table", "figure" or "text"
    anchor: str = ""
    #: The table's or figure's number, and its label ("Tabell 3." / "Figur 2.").
    number: int = 0
    label: str = ""
    caption: str = ""
    table: Table | None = None
    svg: Any = None
    text: str = ""
    source: str = ""


@dataclass
class Chapter:
    anchor: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)


def _day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(OSLO).date() if moment.tzinfo else moment.date()


def method_chapter(survey: Survey, counter: dict[str, int], source: str) -> Chapter:
    """Field period, frame, mail sent, dispositions and response rates by stratum."""
    chapter = Chapter("method", _("Method and data"))
    days = queries.completes_by_day(survey)
    start = _day(survey.opens_at) or _day(survey.launched_at) or (days[0][0] if days else None)
    end = _day(survey.closes_at) or (days[-1][0] if days else None)
    if start and end:
        chapter.paragraphs.append(
            _("The data were collected from %(start)s to %(end)s.", start=long_date(start),
              end=long_date(end))
        )  # fmt: skip
    cases = db.session.scalar(sa.select(sa.func.count(Case.id)).where(Case.survey_id == survey.id))
    sent = {False: 0, True: 0}
    for round_number, count in db.session.execute(
        sa.select(SentMessage.round, sa.func.count())
        .join(Case, SentMessage.case_id == Case.id)
        .where(Case.survey_id == survey.id, SentMessage.status == "sent")
        .group_by(SentMessage.round)
    ):
        sent[round_number > 0] += count
    if cases:
        text = _("The sample consisted of %(count)s units.", count=number(cases))
        if sent[False] or sent[True]:
            text += " " + _(
                "%(invitations)s invitations and %(reminders)s reminders were sent by e-mail.",
                invitations=number(sent[False]), reminders=number(sent[True]),
            )  # fmt: skip
        chapter.paragraphs.append(text)
    responses = number(dataset.count_valid(survey))
    if survey.anonymous:
        based = _(
            "The analysis is based on %(count)s submitted responses (anonymous survey).",
            count=responses,
        )
    else:
        based = _("The analysis is based on %(count)s submitted responses.", count=responses)
    chapter.paragraphs.append(based)
    steps = [s for s in cleaning_steps.all_steps(survey) if s.active]
    if steps:
        chapter.paragraphs.append(
            _("The data were cleaned in these steps: %(steps)s.",
              steps="; ".join(cleaning.describe(s) for s in steps))
        )  # fmt: skip
    columns = queries.frame_columns(survey)
    if cases:
        by = columns[0] if columns else None
        rates = queries.survey_rates(survey, by)
        header = [by or "", _("Units"), _("Complete (I)"), _("Partial (P)"),
                  _("Response rate (RR2)")]  # fmt: skip
        rows = []
        for group in [*rates.groups, rates.total]:
            total = group.group == queries.TOTAL
            name = _("Total") if total else group.group or _("(not given)")
            rr2 = dispositions.percent(group.rates["RR2"], 1)
            rows.append(
                [
                    name,
                    number(group.cases),
                    number(group.counts["I"]),
                    number(group.counts["P"]),
                    "–" if rr2 is None else number(rr2, 1),
                ]
            )
        if by:
            caption = _("Dispositions and response rate by %(column)s", column=by)
        else:
            caption = _("Dispositions and response rate")
        table = Table(caption, header, rows, rates.total.cases, "rates", total=True)
        chapter.blocks.append(_table_block(table, counter, source))
        chapter.paragraphs.append(
            _("The response rate follows AAPOR's standard definitions (RR2: complete and "
              "partial responses of all units in the sample).")
        )  # fmt: skip
    return chapter


def _table_block(table: Table, counter: dict[str, int], source: str) -> Block:
    counter["table"] += 1
    n = counter["table"]
    label = _("Table %(number)s.", number=n)
    return Block("table", f"table-{n}", n, label, table.caption, table=table, source=source)


def _figure_block(figure: figures.Figure, counter: dict[str, int], source: str) -> Block:
    counter["figure"] += 1
    n = counter["figure"]
    label = _("Figure %(number)s.", number=n)
    return Block("figure", f"figure-{n}", n, label, figure.caption, svg=figure.svg,
                 source=source)  # fmt: skip


def report_context(
    survey: Survey,
    items: list[str] | None = None,
    texts: dict[str, str] | None = None,
    options: Options | None = None,
    *,
    include_figures: bool | None = None,
) -> dict[str, Any]:
    """Everything the report shows, as plain data.

    ``items``: the questions to include, in this order, with ``texts`` (a researcher's text to
    put before a question's table, by question name; "" for the introduction). Without
    ``items``, the survey's composition (``composition``: chosen questions, their order and
    the texts between them; by default every question with a table, in questionnaire order).
    ``include_figures``: None takes the composition's choice.
    """
    options = options or Options(min_cell=0 if survey.anonymous else tables.DEFAULT_MIN_CELL)
    with force_locale(options.language):
        return _report_context(survey, items, texts or {}, options, include_figures)


def _report_context(
    survey: Survey,
    items: list[str] | None,
    texts: dict[str, str],
    options: Options,
    include_figures: bool | None,
) -> dict[str, Any]:
    questionnaire = cleaning_steps.active_steps(survey).questionnaire()
    year = (_day(survey.closes_at) or _day(utcnow())).year
    source = _("Source: %(title)s, %(year)s.", title=survey.title, year=year)
    counter = {"table": 0, "figure": 0}
    chapters = [method_chapter(survey, counter, source)]
    if items:
        order = []
        for name in items:
            item = questionnaire.item(name)
            if item is None or item.type not in tables.TABLE_TYPES:
                raise tables.TableError(
                    _("The questionnaire has no question with a table named “%(name)s”.", name=name)
                )
            if texts.get(name):
                order.append(("text", texts[name]))
            order.append(("item", name))
        figures_wanted = True if include_figures is None else include_figures
    else:
        entries, composed_figures = composition.entries_for(survey)
        order = composition.report_order(entries)
        figures_wanted = composed_figures if include_figures is None else include_figures
    results = Chapter("results", _("Results"))
    for kind, value in order:
        if kind == "text":
            results.blocks.append(Block("text", text=value))
            continue
        item = questionnaire.item(value)
        table = tables.table_for(questionnaire, item.name, dataset.records(survey), options)
        if table.n == 0:  # nobody answered (e.g. behind a skip no one took): say so, no zeros
            question = tables.question(item, options)
            nobody = _("Nobody answered %(question)s (n=0).", question=question)
            results.blocks.append(Block("text", text=nobody))
            continue
        results.blocks.append(_table_block(table, counter, source))
        if figures_wanted:
            figure = figures.figure_for(item, dataset.records(survey), options)
            if figure is not None:
                results.blocks.append(_figure_block(figure, counter, source))
    chapters.append(results)
    return {
        "title": survey.title,
        "language": options.language,
        "subtitle": _("Results report"),
        "project": survey.project.name,
        "date": long_date(_day(utcnow())),
        "introduction": texts.get("", ""),
        "chapters": chapters,
        "tables": counter["table"],
        "figures": counter["figure"],
    }


def report_html(context: dict[str, Any]) -> str:
    """The report as one HTML document (print CSS, bundled fonts)."""
    with force_locale(context["language"]):
        return render_template(
            "pdf/surveys/results/report.html",
            report=context,
            fonts=rendering.FONT_FACES,
            page_footer=rendering.page_counter_css(_("Page %(page)s of %(pages)s")),
        )


def report_pdf(context: dict[str, Any]) -> bytes:
    return rendering.write_pdf(report_html(context))


def figure_png(svg: Any, resolution: int = 150) -> bytes | None:
    """A figure as PNG (SVG -> PDF with WeasyPrint -> PNG with pdftoppm), or None without
    pdftoppm."""
    box = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', str(svg))
    height = 180 * float(box.group(2)) / float(box.group(1)) if box else 120
    html = (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        f"@page {{ size: 180mm {height:.1f}mm; margin: 0 }} body {{ margin: 0 }} "
        f"svg {{ display: block; width: 180mm; height: {height:.1f}mm }}</style></head>"
        f"<body>{svg}</body></html>"
    )
    pdf = rendering.write_pdf(html)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "figure.pdf"
        source.write_bytes(pdf)
        try:
            subprocess.run(
                ["pdftoppm", "-png", "-r", str(resolution), "-singlefile", "-cropbox",
                 str(source), str(Path(folder) / "figure")],
                check=True, capture_output=True, timeout=60,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            return None
        return (Path(folder) / "figure.png").read_bytes()


def report_docx(context: dict[str, Any]) -> bytes:
    """The report as a Word document (``docx_report``), its texts made XML-safe first."""
    with force_locale(context["language"]):
        return docx_report.report_docx(xml_safe_data(context), figure_png)


def write_report(survey: Survey, path: Path, fmt: str | None = None, **kwargs) -> None:
    """Write the report to ``path`` as pdf, html or docx (default: from the suffix)."""
    fmt = fmt or path.suffix.lstrip(".").lower()
    context = report_context(survey, **kwargs)
    if fmt == "pdf":
        path.write_bytes(report_pdf(context))
    elif fmt == "html":
        path.write_text(report_html(context), encoding="utf-8")
    elif fmt == "docx":
        path.write_bytes(report_docx(context))
    else:
        raise ValueError(_("A report is .pdf, .html or .docx, not “%(format)s”.", format=fmt))
