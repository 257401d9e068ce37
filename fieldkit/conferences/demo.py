"""The demo conference: the Storbysatsingen design in Bergen, with participants, groups and the
design's sample points."""

from __future__ import annotations

import uuid
from datetime import date, time

import sqlalchemy as sa

from fieldkit.conferences import design as designs
from fieldkit.conferences import operations
from fieldkit.conferences.models import Conference, Point
from fieldkit.extensions import db

DEMO_TITLE = "Vilje Viser Vei - Storbysatsingen"
DEMO_PLACE = "Bergen"

#: Made-up participants (no real persons): name, organisation, category, kommune.
DEMO_PARTICIPANTS = [
    ("Ola Hansen", "Aetat Bergen sentrum", "Aetat", "Bergen"),
    ("Kari Johansen", "Aetat Fana", "Aetat", "Bergen"),
    ("Per Olsen", "Aetat Askøy", "Aetat", "Askøy"),
    ("Nina Larsen", "Fretex Vest", "Tiltaksarrangør", "Bergen"),
    ("Jon Berg", "Askøy Arbeidssenter", "Tiltaksarrangør", "Askøy"),
    ("Lise Dahl", "Rusomsorgen Bergen", "Behandlingsapparat/sosiale tjenester", "Bergen"),
    ("Arne Moe", "Sosialtjenesten Askøy", "Behandlingsapparat/sosiale tjenester", "Askøy"),
    ("Eva Strand", "", "Tiltaksdeltaker (bruker)", "Bergen"),
    ("Tor Lie", "", "Tiltaksdeltaker (bruker)", "Askøy"),
    ("Anne Bakke", "Sosialtjenesten Bergenhus", "Behandlingsapparat/sosiale tjenester", "Bergen"),
    ("Geir Vik", "Aetat Bergen nord", "Aetat", "Bergen"),
    ("Mona Lund", "", "Tiltaksdeltaker (bruker)", "Bergen"),
]


def load_demo(project, user) -> bool:
    """Add the demo conference unless the project has it already."""
    exists = db.session.scalar(
        sa.select(Conference.id).where(
            Conference.project_id == project.id,
            Conference.title == DEMO_TITLE,
            Conference.place == DEMO_PLACE,
        )
    )
    if exists is not None:
        return False
    design = designs.load_design_file(designs.DEMO_DESIGN)
    design.place = DEMO_PLACE
    design.date = date(2006, 5, 24)
    design.organiser = "Arbeidsforskningsinstituttet (AFI)"
    design.introduction = (
        "Velkommen til dialogkonferanse om Storbysatsingen. Vi skal i fellesskap se på hva "
        "satsingen har fått til, og hva som må gjøres annerledes."
    )
    times = [time(9, 30), time(9, 45), time(11, 0), time(11, 45), time(13, 30), time(14, 15)]
    for item, starts_at in zip(design.programme, times, strict=False):
        item.starts_at = starts_at
    conference = operations.create_conference(project, design, actor=user)
    for name, organisation, category, kommune in DEMO_PARTICIPANTS:
        operations.add_participant(
            conference,
            name=name,
            organisation=organisation,
            category_name=category,
            kommune=kommune,
            email=name.lower().replace(" ", ".") + "@example.no",
        )
    first, second = conference.rounds[0], conference.rounds[1]
    operations.make_groups(first, 3, "mix", actor=user)
    operations.make_groups(second, 2, "kommune", actor=user)
    group = first.groups[0]
    task = first.tasks[0]
    samples = designs.example_points(designs.DEMO_DESIGN).get("example_points_bergen_task1", [])
    for position, text in enumerate(samples):
        db.session.add(
            Point(
                group_id=group.id,
                task_id=task.id,
                key=uuid.uuid4().hex,
                position=position,
                text=text,
                original_text=text,
                for_plenum=position < 4,
            )
        )
    db.session.flush()
    operations.hand_in_group(group)
    _tag_demo_points(project, group)
    return True


#: Themes for the sample points, as the researchers grouped the Bergen material.
DEMO_TAGS = [
    "Tiltak og metoder",
    "Tiltak og metoder",
    "Behov for endringer i tiltaksregelverket",
    "Tiltak og metoder",
    "Hjelpeapparatet og samarbeid",
    "Informasjon og kunnskap",
    "Arbeidslivet",
]


def _tag_demo_points(project, group) -> None:
    """The suggested themes and actors, with the sample points tagged."""
    from fieldkit.conferences import synthesis

    synthesis.add_suggested_tags(project)
    tags = {t.name: t for t in synthesis.project_tags(project)}
    for point, name in zip(group.points, DEMO_TAGS, strict=False):
        synthesis.set_tag([point], tags[name], True)
