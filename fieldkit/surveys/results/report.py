"""The results report: title page, contents, a method section from the fieldwork, and the
chosen tables and figures numbered ``Tabell N.``/``Figur N.`` with the caption above and
``Kilde: …`` below; as HTML, PDF (WeasyPrint) and DOCX (python-docx).

The context is plain data (strings, lists, SVG markup) built once and rendered three ways. The
report speaks the report's language (bokmål), like the tables.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import render_template
from flask_babel import gettext as _

from fieldkit.core import pdf as rendering
from fieldkit.core.models import utcnow
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import dispositions, queries
from fieldkit.surveys.models import Case, SentMessage, Survey
from fieldkit.surveys.results import cleaning, dataset, figures, tables
from fieldkit.surveys.results.tables import Options, Table, number

OSLO = ZoneInfo("Europe/Oslo")
MONTHS = [
    "januar", "februar", "mars", "april", "mai", "juni",
    "juli", "august", "september", "oktober", "november", "desember",
]  # fmt: skip


def long_date(day: date) -> str:
    """4. mars 2004."""
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


@dataclass
class Block:
    """One numbered table or figure of the report, or a researcher's text."""

    kind: str  # "table", "figure" or "text"
    anchor: str = ""
    label: str = ""  # "Tabell 3." / "Figur 2."
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
    chapter = Chapter("metode", "Metode og datagrunnlag")
    days = queries.completes_by_day(survey)
    start = _day(survey.opens_at) or _day(survey.launched_at) or (days[0][0] if days else None)
    end = _day(survey.closes_at) or (days[-1][0] if days else None)
    if start and end:
        chapter.paragraphs.append(
            f"Datainnsamlingen foregikk fra {long_date(start)} til {long_date(end)}."
        )
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
        text = f"Utvalget besto av {number(cases)} enheter."
        if sent[False] or sent[True]:
            text += (
                f" Det ble sendt {number(sent[False])} invitasjoner og "
                f"{number(sent[True])} påminnelser på e-post."
            )
        chapter.paragraphs.append(text)
    responses = dataset.count_valid(survey)
    chapter.paragraphs.append(
        f"Analysen bygger på {number(responses)} innsendte svar"
        + (" (anonym undersøkelse)." if survey.anonymous else ".")
    )
    steps = [s for s in cleaning.all_steps(survey) if s.active]
    if steps:
        chapter.paragraphs.append(
            "Data er renset i disse stegene: "
            + "; ".join(cleaning.describe(s) for s in steps)
            + "."
        )
    columns = queries.frame_columns(survey)
    if cases:
        by = columns[0] if columns else None
        rates = queries.survey_rates(survey, by)
        header = [by or "", "Enheter", "Fullført (I)", "Delvis (P)", "Svarprosent (RR2)"]
        rows = []
        for group in [*rates.groups, rates.total]:
            name = "Totalt" if group.group == queries.TOTAL else (group.group or "(uoppgitt)")
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
        caption = "Disposisjoner og svarprosent" + (f" etter {by}" if by else "")
        table = Table(caption, header, rows, rates.total.cases, "rates")
        chapter.blocks.append(_table_block(table, counter, source))
        chapter.paragraphs.append(
            "Svarprosenten er beregnet etter AAPORs standarddefinisjoner (RR2: fullførte og "
            "delvise svar av alle enheter i utvalget)."
        )
    return chapter


def _table_block(table: Table, counter: dict[str, int], source: str) -> Block:
    counter["table"] += 1
    n = counter["table"]
    return Block("table", f"tabell-{n}", f"Tabell {n}.", table.caption, table=table, source=source)


def _figure_block(figure: figures.Figure, counter: dict[str, int], source: str) -> Block:
    counter["figure"] += 1
    n = counter["figure"]
    return Block("figure", f"figur-{n}", f"Figur {n}.", figure.caption, svg=figure.svg,
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
    from fieldkit.surveys.results import composition

    options = options or Options(min_cell=0 if survey.anonymous else tables.DEFAULT_MIN_CELL)
    texts = texts or {}
    questionnaire = cleaning.plan(survey).questionnaire()
    year = (_day(survey.closes_at) or _day(utcnow())).year
    source = f"Kilde: {survey.title}, {year}."
    counter = {"table": 0, "figure": 0}
    chapters = [method_chapter(survey, counter, source)]
    if items:
        order = []
        for name in items:
            item = questionnaire.item(name)
            if item is None or item.type not in composition.REPORT_TYPES:
                raise tables.TableError(
                    _("The questionnaire has no question with a table named “%(name)s”.", name=name)
                )
            if texts.get(name):
                order.append(("text", texts[name]))
            order.append(("item", name))
        figures_wanted = True if include_figures is None else include_figures
    else:
        entries, planned_figures = composition.entries_for(survey)
        order = composition.report_order(entries)
        figures_wanted = planned_figures if include_figures is None else include_figures
    results = Chapter("resultater", "Resultater")
    for kind, value in order:
        if kind == "text":
            results.blocks.append(Block("text", text=value))
            continue
        item = questionnaire.item(value)
        table = tables.table_for(questionnaire, item.name, dataset.records(survey), options)
        if table.n == 0:  # nobody answered (e.g. behind a skip no one took): say so, no zeros
            results.blocks.append(
                Block("text", text=f"Ingen har svart på {tables.question(item, options)} (n=0).")
            )
            continue
        results.blocks.append(_table_block(table, counter, source))
        if figures_wanted:
            figure = figures.figure_for(item, dataset.records(survey), options)
            if figure is not None:
                results.blocks.append(_figure_block(figure, counter, source))
    chapters.append(results)
    return {
        "title": survey.title,
        "subtitle": "Resultatrapport",
        "project": survey.project.name,
        "date": long_date(_day(utcnow())),
        "introduction": texts.get("", ""),
        "chapters": chapters,
        "tables": counter["table"],
        "figures": counter["figure"],
    }


def report_html(context: dict[str, Any], *, for_print: bool = True) -> str:
    """The report as one HTML document (print CSS, bundled fonts)."""
    return render_template(
        "pdf/surveys/results/report.html",
        report=context,
        fonts=rendering.FONT_FACES if for_print else [],
        page_footer=rendering.page_counter_css("Side %(page)s av %(pages)s"),
    )


def report_pdf(context: dict[str, Any]) -> bytes:
    return rendering.write_pdf(report_html(context))


def figure_png(svg: Any, resolution: int = 150) -> bytes | None:
    """A figure as PNG (SVG -> PDF with WeasyPrint -> PNG with pdftoppm), or None without
    pdftoppm."""
    import re

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
    """The report as a Word document (``docx_report``)."""
    from fieldkit.surveys.results import docx_report

    return docx_report.report_docx(context, figure_png)


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
