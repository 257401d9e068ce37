"""Compile a large conference's summary to PDF against WeasyPrint alone on equivalent HTML.

Builds a scratch instance (SQLite) with one conference of 20 groups × 5 tasks × 8 points and
one photo per group (20 photos, stored as print renditions like uploads are), with an
introduction, a programme and 60 participants, then in the same run, ``--repeat`` times each
(order rotating between rounds; one untimed warm-up compile first; garbage collected before
each timing):

1. the floor: WeasyPrint alone rendering simple hand-written HTML with the same content as the
   compiled document (``equivalent_html``: title page, contents with page numbers, running
   header, "N av M" footer, introduction, programme, participant counts, the round's texts,
   every group's points as bullets, the same 20 photo files, the closing statement; the same
   fonts, font sizes, line height and margins), made beforehand and not timed;
2. the old floor, kept as a reference: plain HTML with only the tasks, points and photos (no
   title page, contents, header, footer or front matter);
3. fieldkit: ``compile.compile_bytes(conference, "pdf")`` from start to finish: reading the
   conference from the database, the context builder, the print template and WeasyPrint;
4. WeasyPrint alone on the very HTML fieldkit's template produces (made beforehand): against
   (1), the cost of fieldkit's document layout under the same conditions;
5. the floor (1) again with Python's garbage collector paused, as fieldkit's ``write_pdf``
   does: against (3), the like-for-like ratio.

The floors and (4) call WeasyPrint's ``HTML(...).write_pdf()`` directly with Python's
defaults, using fieldkit's URL fetcher only to serve the bundled fonts and the photo files.

Target: fieldkit median <= 1.3 × the median of the equivalent floor (1).

    python bench/conference_compile.py [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime
import html
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

TARGET = 1.3
GROUPS, TASKS, POINTS, PHOTOS = 20, 5, 8, 20
PARTICIPANTS = 60
KOMMUNER = ("Bergen", "Fjell", "Askøy")
INTRODUCTION = (
    "Dialogkonferansen samlet Aetat, tiltaksarrangører, sosialtjenesten og brukere for å "
    "drøfte erfaringene med Storbysatsingen så langt: hva som fungerer, hva som ikke fungerer, "
    "og hva som må gjøres annerledes for at flere skal komme i arbeid.\n\n"
    "Dette dokumentet samler det gruppene skrev ned i gruppearbeidet og la fram i plenum. "
    "Momentene er gjengitt slik gruppene formulerte dem, med gruppenes egne bilder av "
    "flippoverarkene."
)


def photo_bytes(seed: int) -> bytes:
    """A flip-chart-like JPEG: white sheet with coloured handwriting-like strokes."""
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (2400, 1800), (246, 244, 238))
    draw = ImageDraw.Draw(image)
    for line in range(14):
        y = 120 + line * 115
        x = 150
        while x < 2200:
            length = rng.randint(40, 220)
            colour = rng.choice([(20, 40, 160), (160, 20, 30), (20, 20, 20)])
            draw.line(
                [(x, y + rng.randint(-8, 8)), (x + length, y + rng.randint(-8, 8))],
                fill=colour,
                width=9,
            )
            x += length + rng.randint(25, 60)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def build():
    instance = Path(tempfile.mkdtemp(prefix="conference-compile-bench-"))
    os.environ["FIELDKIT_INSTANCE_PATH"] = str(instance)
    from fieldkit import create_app

    app = create_app()
    context = app.app_context()
    context.push()
    from fieldkit.conferences.models import Point, Round, Task
    from fieldkit.conferences.referent import photos
    from fieldkit.conferences.setup import operations
    from fieldkit.core import operations as core_operations
    from fieldkit.core.database import upgrade_schema
    from fieldkit.extensions import db

    upgrade_schema()
    project = core_operations.create_project(f"bench{uuid.uuid4().hex[:6]}", "Benchmark")
    fixture = Path(__file__).resolve().parents[1] / "fieldkit/conferences/data"
    design_file = next(fixture.glob("*.yaml"))
    conference = operations.import_conference(project, design_file)
    conference.place = "Bergen"
    conference.date = datetime.date(2004, 10, 14)
    conference.organiser = "Arbeidsforskningsinstituttet"
    conference.introduction = INTRODUCTION
    # Participants by category and kommune: the document shows only the counts.
    categories = [c.name for c in operations.categories(project)] or ["Aetat"]
    for index in range(PARTICIPANTS):
        operations.add_participant(
            conference,
            name=f"Deltaker {index + 1}",
            category_name=categories[index % len(categories)],
            kommune=KOMMUNER[index % len(KOMMUNER)],
        )
    for round_ in list(conference.rounds):
        db.session.delete(round_)
    db.session.flush()
    round_ = Round(
        conference=conference,
        position=0,
        title="Gruppearbeid – benchmark",
        label="Gruppeoppgaver:",
        preamble="Ta utgangspunkt i det som kom fram i innledningene og i plenum.",
        group_composition="blandet på tvers av kommuner og aktører",
    )
    db.session.add(round_)
    for t in range(TASKS):
        round_.tasks.append(
            Task(
                position=t,
                text=f"Oppgave {t + 1}: hva må gjøres annerledes "
                "for å nå målene, og hvem har ansvaret for det?",
            )
        )
    db.session.flush()
    for g in range(GROUPS):
        group = operations.add_group(round_, f"Gruppe {g + 1}")
        for task in round_.tasks:
            for p in range(POINTS):
                text = (
                    f"Moment {p + 1} fra gruppe {g + 1} om oppgave {task.number}: bedre "
                    "samarbeid mellom Aetat, tiltaksarrangørene og sosialtjenesten"
                )
                db.session.add(
                    Point(
                        group_id=group.id,
                        task_id=task.id,
                        key=uuid.uuid4().hex,
                        position=p,
                        text=text,
                        original_text=text,
                    )
                )
        if g < PHOTOS:
            photos.save_photo(group, photo_bytes(g))
    db.session.commit()
    return app, conference


MONTHS = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
]


def floor_html(conference) -> tuple[str, set[str]]:
    """Plain HTML with the round's tasks and points only (the old floor, kept for reference)."""
    from fieldkit.conferences.summary.compile import PHOTO_SCHEME

    parts = [
        "<!doctype html><html lang='nb'><head><meta charset='utf-8'><style>",
        "@font-face { font-family: S; src: url('fieldkit-font:LiberationSans-Regular.ttf'); }",
        "@font-face { font-family: S; font-weight: bold; "
        "src: url('fieldkit-font:LiberationSans-Bold.ttf'); }",
        "@page { size: A4; margin: 22mm 20mm; }",
        "body { font-family: S; font-size: 10.5pt; line-height: 1.4; }",
        "img { max-width: 100%; max-height: 110mm; }</style></head><body>",
        f"<h1>{html.escape(conference.title)}</h1>",
    ]
    stems = set()
    for round_ in conference.rounds:
        parts.append(f"<h1>{html.escape(round_.title)}</h1><ol>")
        parts += [f"<li>{html.escape(t.text)}</li>" for t in round_.tasks]
        parts.append("</ol>")
        for group in round_.groups:
            parts.append(f"<h2>{html.escape(group.name)}</h2>")
            for task in round_.tasks:
                parts.append(f"<h4>Oppgave {task.number}</h4><ul>")
                parts += [
                    f"<li>{html.escape(p.text)}</li>" for p in group.points if p.task_id == task.id
                ]
                parts.append("</ul>")
            for photo in group.photos:
                stems.add(photo.stem)
                parts.append(f"<img src='{PHOTO_SCHEME}{photo.stem}.jpg' alt=''>")
    parts.append("</body></html>")
    return "".join(parts), stems


def equivalent_html(conference) -> tuple[str, set[str]]:
    """Simple hand-written HTML with the same content as the compiled document.

    Written here from the database rows, not from fieldkit's context builder, template or CSS:
    title page, contents with page numbers (``target-counter``), introduction, programme,
    participants counted by category and kommune, the round's title, group composition,
    preamble, label and tasks, every group's points as bullets under "Oppgave N", the same
    photo files, the closing statement, a running header with the conference name and an
    "N av M" footer; the same fonts, font sizes, line height and page margins. Nothing that
    is not needed to show that content (no hyphenation, no break rules beyond WeasyPrint's
    defaults, no contents leaders or right-aligned numbers, no rules or colours).
    """
    from fieldkit.conferences.summary.compile import PHOTO_SCHEME

    def e(text: str) -> str:
        return html.escape(text or "")

    date = conference.date
    date_text = f"{date.day}. {MONTHS[date.month - 1]} {date.year}" if date else ""
    parts = [
        "<!doctype html><html lang='nb'><head><meta charset='utf-8'><style>",
        "@font-face { font-family: S; src: url('fieldkit-font:LiberationSans-Regular.ttf'); }",
        "@font-face { font-family: S; font-weight: bold; "
        "src: url('fieldkit-font:LiberationSans-Bold.ttf'); }",
        "@font-face { font-family: S; font-style: italic; "
        "src: url('fieldkit-font:LiberationSans-Italic.ttf'); }",
        "@page { size: A4; margin: 22mm 20mm;",
        " @top-center { content: string(name); font-size: 8.5pt; }",
        " @bottom-center { content: counter(page) ' av ' counter(pages); font-size: 8.5pt; } }",
        "@page :first { @top-center { content: none; } @bottom-center { content: none; } }",
        "body { font-family: S; font-size: 10.5pt; line-height: 1.4; }",
        "h1 { font-size: 17pt; } h2 { font-size: 13.5pt; } h4 { font-size: 10.5pt; }",
        ".title { text-align: center; font-size: 12pt; } .title h1 { font-size: 26pt; "
        "string-set: name content(); } .new { break-before: page; }",
        "a { color: black; text-decoration: none; }",
        "a::after { content: ' ' target-counter(attr(href), page); }",
        "img { max-width: 100%; max-height: 110mm; }",
        "</style></head><body>",
        # Title page
        f"<div class='title'><p>{e(conference.project.name)}</p><h1>{e(conference.title)}</h1>",
    ]
    parts += [f"<p>{e(x)}</p>" for x in (conference.subtitle, conference.place, date_text) if x]
    if conference.organiser:
        parts.append(f"<p>Arrangert av {e(conference.organiser)}</p>")
    parts.append("</div>")
    # Contents
    rounds = list(conference.rounds)
    parts.append("<h1 class='new'>Innhold</h1><ul>")
    if conference.introduction:
        parts.append("<li><a href='#intro'>Innledning</a></li>")
    if conference.programme:
        parts.append("<li><a href='#programme'>Program</a></li>")
    parts.append("<li><a href='#participants'>Deltakere</a></li>")
    for r, round_ in enumerate(rounds):
        parts.append(f"<li><a href='#r{r}'>{e(round_.title)}</a><ul>")
        parts += [
            f"<li><a href='#r{r}g{g}'>{e(group.name)}</a></li>"
            for g, group in enumerate(round_.groups)
        ]
        parts.append("</ul></li>")
    parts.append("<li><a href='#closing'>Om dette dokumentet</a></li></ul>")
    # Introduction, programme, participants
    parts.append("<div class='new'>")
    if conference.introduction:
        parts.append("<h1 id='intro'>Innledning</h1>")
        parts += [f"<p>{e(x.strip())}</p>" for x in conference.introduction.split("\n\n")]
    if conference.programme:
        parts.append("<h2 id='programme'>Program</h2><table>")
        for item in conference.programme:
            time_ = f"kl. {item.starts_at:%H.%M}" if item.starts_at else ""
            parts.append(f"<tr><td>{time_}</td><td>{e(item.title)}</td></tr>")
        parts.append("</table>")
    counts = Counter(
        (p.category.name if p.category else "Annet", p.kommune or "Ikke oppgitt")
        for p in conference.participants
    )
    categories = sorted({c for c, _k in counts}, key=str.casefold)
    kommuner = sorted({k for _c, k in counts}, key=str.casefold)
    parts.append(
        f"<h2 id='participants'>Deltakere</h2><p>{sum(counts.values())} deltakere, "
        "fordelt på kategori og kommune.</p><table border='1'><tr><th>Kategori</th>"
    )
    parts += [f"<th>{e(k)}</th>" for k in kommuner]
    parts.append("<th>Totalt</th></tr>")
    for c in categories:
        parts.append(f"<tr><td>{e(c)}</td>")
        parts += [f"<td>{counts[(c, k)]}</td>" for k in kommuner]
        parts.append(f"<td>{sum(counts[(c, k)] for k in kommuner)}</td></tr>")
    parts.append("<tr><th>Totalt</th>")
    parts += [f"<th>{sum(counts[(c, k)] for c in categories)}</th>" for k in kommuner]
    parts.append(f"<th>{sum(counts.values())}</th></tr></table></div>")
    # Rounds: title, composition, preamble, label, tasks, then each group's points and photos
    stems = set()
    for r, round_ in enumerate(rounds):
        parts.append(f"<div class='new'><h1 id='r{r}'>{e(round_.title)}</h1>")
        if round_.group_composition:
            parts.append(f"<p>Grupper: {e(round_.group_composition)}</p>")
        if round_.preamble:
            parts.append(f"<p><i>{e(round_.preamble)}</i></p>")
        if round_.label:
            parts.append(f"<p><b>{e(round_.label)}</b></p>")
        parts.append("<ol>")
        parts += [f"<li>{e(t.text)}</li>" for t in round_.tasks]
        parts.append("</ol>")
        for g, group in enumerate(round_.groups):
            parts.append(f"<h2 id='r{r}g{g}'>{e(group.name)}</h2>")
            for task in round_.tasks:
                parts.append(f"<h4>Oppgave {task.number}</h4><ul>")
                parts += [f"<li>{e(p.text)}</li>" for p in group.points if p.task_id == task.id]
                parts.append("</ul>")
            for photo in group.photos:
                stems.add(photo.stem)
                parts.append(f"<p><img src='{PHOTO_SCHEME}{photo.stem}.jpg' alt=''></p>")
        parts.append("</div>")
    parts.append(
        "<div class='new'><h2 id='closing'>Om dette dokumentet</h2><p><i>Materialet i dette "
        "dokumentet gir deltakernes synspunkter slik de ble skrevet ned i gruppene. Det gir "
        "ikke offisielle standpunkter fra organisasjonene deltakerne kommer fra.</i></p></div>"
        "</body></html>"
    )
    return "".join(parts), stems


def weasyprint_alone(page: str, stems: set[str]) -> bytes:
    """WeasyPrint's own ``write_pdf`` (Python's defaults), fetching the bundled fonts and photos."""
    from weasyprint import HTML

    from fieldkit.conferences.summary.compile import photo_files
    from fieldkit.core.pdf import BundledFontFetcher

    fetcher = BundledFontFetcher(photo_files(stems))
    return HTML(string=page, base_url="fieldkit-font:", url_fetcher=fetcher).write_pdf()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", metavar="DIR", help="write the PDFs and HTML pages here")
    args = parser.parse_args()
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    app, conference = build()
    try:
        return measure(conference, args)
    finally:
        shutil.rmtree(os.environ["FIELDKIT_INSTANCE_PATH"], ignore_errors=True)


def measure(conference, args) -> int:
    """Time the floors and fieldkit in the same run, print the table line and the ratios."""
    import gc

    from pypdf import PdfReader

    from fieldkit.conferences.summary import compile as compiler

    compiler.compile_bytes(conference, "pdf")  # warm-up (fonts, templates, imports), untimed
    context = compiler.summary_context(conference)
    own_html, own_stems = compiler.render_html(context), compiler.photo_stems(context)
    equivalent, equivalent_stems = equivalent_html(conference)
    plain, plain_stems = floor_html(conference)
    assert equivalent_stems == plain_stems == own_stems, "the floors use other photo files"

    def paused(page: str, stems: set[str]) -> bytes:
        from fieldkit.core.collector import collector_paused

        with collector_paused():
            return weasyprint_alone(page, stems)

    runs = {
        "equivalent": lambda: weasyprint_alone(equivalent, equivalent_stems),
        "plain": lambda: weasyprint_alone(plain, plain_stems),
        "fieldkit": lambda: compiler.compile_bytes(conference, "pdf"),
        "own": lambda: weasyprint_alone(own_html, own_stems),
        "paused": lambda: paused(equivalent, equivalent_stems),
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    pdfs: dict[str, bytes] = {}
    loads = []
    for index in range(args.repeat):
        # Rotate the order, so that no run always follows the same one.
        names = list(runs)
        names = names[index % len(names) :] + names[: index % len(names)]
        loads.append(os.getloadavg()[0])
        for name in names:
            gc.collect()
            start = time.perf_counter()
            pdfs[name] = runs[name]()
            times[name].append(time.perf_counter() - start)
    loads.append(os.getloadavg()[0])
    median = {name: statistics.median(values) for name, values in times.items()}
    labels = {
        "equivalent": "floor: WeasyPrint alone, equivalent HTML",
        "plain": "floor (old): WeasyPrint alone, plain HTML",
        "fieldkit": "fieldkit compile_bytes(conference, 'pdf')",
        "own": "WeasyPrint alone on fieldkit's own HTML",
        "paused": "floor, collector paused as fieldkit does",
    }
    print(f"conference: {GROUPS} groups x {TASKS} tasks x {POINTS} points, {PHOTOS} photos")
    for name, label in labels.items():
        pages = len(PdfReader(io.BytesIO(pdfs[name])).pages)
        print(
            f"{label:44} median {median[name]:.2f} s {[round(x, 2) for x in times[name]]}, "
            f"{pages} pages, {len(pdfs[name]) // 1024} kB"
        )
    print(f"load average (1 min) during the runs: {min(loads):.1f}–{max(loads):.1f}")
    ratio = median["fieldkit"] / median["equivalent"]
    verdict = "pass" if ratio <= TARGET else "FAIL"
    print(f"ratio to the equivalent floor {ratio:.2f} (target <= {TARGET}): {verdict}")
    print(f"ratio to the old plain floor {median['fieldkit'] / median['plain']:.2f} (reference)")
    print(
        f"fieldkit's own HTML / equivalent floor, both WeasyPrint alone: "
        f"{median['own'] / median['equivalent']:.2f} (the document's layout cost)"
    )
    print(
        f"fieldkit / floor with the collector paused too: "
        f"{median['fieldkit'] / median['paused']:.2f} (like for like)"
    )
    if args.keep:
        folder = Path(args.keep)
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in pdfs.items():
            (folder / f"{name}.pdf").write_bytes(content)
        (folder / "equivalent.html").write_text(equivalent)
        (folder / "plain.html").write_text(plain)
        (folder / "own.html").write_text(own_html)
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
