"""Compile a large conference's summary to PDF against WeasyPrint alone on equivalent HTML.

Builds a scratch instance (SQLite) with one conference of 20 groups × 5 tasks × 8 points and
one photo per group (20 photos, stored as print renditions like uploads are), then in the same
run, alternating, ``--repeat`` times each:

(one untimed warm-up compile first; garbage collected before each timing; the order of the
two alternates between rounds)

1. the floor: WeasyPrint alone rendering a plain hand-made HTML page with the same content
   (title, the round's tasks, every group's points as bullets, the same 20 photo files, the
   same bundled fonts, font size, line height and page margins) — made beforehand and not
   timed; no title page, contents, running header, page footer, hyphenation or break rules;
2. fieldkit: ``compile.compile_bytes(conference, "pdf")`` from start to finish: reading the
   conference from the database, the context builder, the print template and WeasyPrint with
   the table of contents, running header and page footer.

Also timed: WeasyPrint alone on the very HTML fieldkit's template produces (made beforehand),
which shows the pipeline's own cost apart from the document's layout features.

Target: fieldkit median <= 1.3 × floor median.

    python bench/conference_compile.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import html
import io
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

TARGET = 1.3
GROUPS, TASKS, POINTS, PHOTOS = 20, 5, 8, 20


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
    from fieldkit.conferences import operations, photos
    from fieldkit.conferences.models import Point, Round, Task
    from fieldkit.core import operations as core_operations
    from fieldkit.core.database import upgrade_schema
    from fieldkit.extensions import db

    upgrade_schema()
    project = core_operations.create_project(f"bench{uuid.uuid4().hex[:6]}", "Benchmark")
    fixture = Path(__file__).resolve().parents[1] / "fieldkit/conferences/data"
    design_file = next(fixture.glob("*.yaml"))
    conference = operations.import_conference(project, design_file)
    conference.place = "Bergen"
    for round_ in list(conference.rounds):
        db.session.delete(round_)
    db.session.flush()
    round_ = Round(
        conference=conference, position=0, title="Gruppearbeid – benchmark", label="Gruppeoppgaver:"
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


def floor_html(conference) -> tuple[str, set[str]]:
    """Plain HTML with the same content: no contents page, no running header or footer."""
    from fieldkit.conferences.compile import PHOTO_SCHEME

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    app, conference = build()
    from pypdf import PdfReader

    from fieldkit.conferences import compile as compiler

    plain, stems = floor_html(conference)
    floors, fulls = [], []
    pdf = b""
    floor_pdf = b""
    import gc

    def run_floor() -> bytes:
        gc.collect()
        start = time.perf_counter()
        result = compiler.write_pdf(plain, stems)
        floors.append(time.perf_counter() - start)
        return result

    def run_full() -> bytes:
        gc.collect()
        start = time.perf_counter()
        result = compiler.compile_bytes(conference, "pdf")
        fulls.append(time.perf_counter() - start)
        return result

    compiler.compile_bytes(conference, "pdf")  # warm-up (fonts, templates, imports), untimed
    context = compiler.summary_context(conference)
    own_html, own_stems = compiler.render_html(context), compiler.photo_stems(context)
    owns: list[float] = []

    def run_own() -> None:
        gc.collect()
        start = time.perf_counter()
        compiler.write_pdf(own_html, own_stems)
        owns.append(time.perf_counter() - start)

    for index in range(args.repeat):
        # Alternate which goes first, so neither always pays for the other's garbage.
        if index % 2 == 0:
            floor_pdf, pdf = run_floor(), run_full()
            run_own()
        else:
            run_own()
            pdf, floor_pdf = run_full(), run_floor()
    floor, full = statistics.median(floors), statistics.median(fulls)
    ratio = full / floor
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    floor_pages = len(PdfReader(io.BytesIO(floor_pdf)).pages)
    print(f"conference: {GROUPS} groups x {TASKS} tasks x {POINTS} points, {PHOTOS} photos")
    print(
        f"floor (WeasyPrint alone, plain HTML): median {floor:.2f} s "
        f"{[round(x, 2) for x in floors]}, {floor_pages} pages, {len(floor_pdf) // 1024} kB"
    )
    print(
        f"fieldkit compile to PDF:              median {full:.2f} s "
        f"{[round(x, 2) for x in fulls]}, {pages} pages, {len(pdf) // 1024} kB"
    )
    own = statistics.median(owns)
    print(
        f"WeasyPrint alone on fieldkit's own HTML: median {own:.2f} s {[round(x, 2) for x in owns]}"
    )
    verdict = "pass" if ratio <= TARGET else "FAIL"
    print(f"ratio to the plain floor {ratio:.2f} (target <= {TARGET}): {verdict}")
    print(f"ratio to WeasyPrint alone on the same HTML {full / own:.2f} (the pipeline's own cost)")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
