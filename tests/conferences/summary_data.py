"""A conference with distinctive participant names, points, a photo, notes and minutes."""

from __future__ import annotations

import io
import uuid

from PIL import Image

from fieldkit.conferences.facilitation.operations import add_group_note
from fieldkit.conferences.models import Point
from fieldkit.conferences.referent import photos
from fieldkit.conferences.setup import operations
from fieldkit.extensions import db

#: Names no text of the design or the points contains, so finding one in a document is a leak.
NAMES = [
    ("Zebulon Quaxmire", "Aetat Bergen", "Aetat", "Bergen", "zebulon@example.no"),
    ("Ingeborg Wrexfjell", "Fretex", "Tiltaksarrangør", "Bergen", "ingeborg@example.no"),
    ("Torvald Pimplesnø", "", "Tiltaksdeltaker (bruker)", "Askøy", "torvald@example.no"),
    ("Hulda Krøkkelvik", "Sosialtjenesten", "Behandlingsapparat/sosiale tjenester", "Askøy", ""),
    ("Fridtjof Zammersen", "Aetat Askøy", "Aetat", "Askøy", "fridtjof@example.no"),
]

POINTS_G1_T1 = [
    "Mangel på fleksibilitet i tilbudene",
    "For lite tilpasset den enkelte",
    "Manglende toleranse for fravær",
]


def jpeg(width: int = 1600, height: int = 1200) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 220, 240)).save(buffer, "JPEG")
    return buffer.getvalue()


def add_point(group, task, text, position=0, for_plenum=False) -> Point:
    point = Point(
        group_id=group.id,
        task_id=task.id,
        key=uuid.uuid4().hex,
        position=position,
        text=text,
        original_text=text,
        for_plenum=for_plenum,
    )
    db.session.add(point)
    db.session.flush()
    return point


def fill(conference, *, photo: bool = True) -> dict:
    """Participants, two groups in round I and one in round II with points."""
    conference.place = conference.place or "Bergen"
    for name, organisation, category, kommune, email in NAMES:
        operations.add_participant(
            conference,
            name=name,
            organisation=organisation,
            category_name=category,
            kommune=kommune,
            email=email,
        )
    first, second = conference.rounds[0], conference.rounds[1]
    g1 = operations.add_group(first, "Gruppe Nord")
    g2 = operations.add_group(first, "Gruppe Sør")
    g3 = operations.add_group(second, "Gruppe Askøy")
    points = [
        add_point(g1, first.tasks[0], text, i, for_plenum=i < 2)
        for i, text in enumerate(POINTS_G1_T1)
    ]
    points.append(add_point(g1, first.tasks[1], "Flere i arbeid", 0, for_plenum=True))
    points.append(add_point(g2, first.tasks[0], "Vanskelig å få behandlingshjelp", 0))
    points.append(add_point(g3, second.tasks[0], "Bedre samarbeid mellom etatene", 0, True))
    g1.minutes = "Gruppa var enig om at tilbudene må bli mer fleksible."
    # The referent wrote a name in the role label: it must never reach a document.
    g1.referent_label = "Zebulon Quaxmire"
    add_group_note(g1, "Spørsmål fra salen om fraværsregler")
    if photo:
        photos.save_photo(g1, jpeg())
    db.session.commit()
    return {"groups": [g1, g2, g3], "points": points}
