"""The demo conferences: the Storbysatsingen design in Bergen (with the design's sample points)
and in Oslo, with participants, groups and handed-in points tagged by theme and actor."""

from __future__ import annotations

import uuid
from datetime import date, time

import sqlalchemy as sa

from fieldkit.conferences.models import Conference, Point
from fieldkit.conferences.referent.operations import hand_in_group
from fieldkit.conferences.setup import design as designs
from fieldkit.conferences.setup import operations
from fieldkit.conferences.synthesis import tags
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


#: A second, smaller conference in another city, so the demo's overview across conferences has
#: two columns to compare. Participants and points are made up.
OSLO_PLACE = "Oslo"
OSLO_PARTICIPANTS = [
    ("Siri Haugen", "Aetat Grünerløkka", "Aetat", "Oslo"),
    ("Rune Aas", "Aetat Bærum", "Aetat", "Bærum"),
    ("Hege Nilsen", "Alna Arbeidssenter", "Tiltaksarrangør", "Oslo"),
    ("Bjørn Lunde", "Sosialtjenesten Sagene", "Behandlingsapparat/sosiale tjenester", "Oslo"),
    ("Trine Sand", "Sosialtjenesten Bærum", "Behandlingsapparat/sosiale tjenester", "Bærum"),
    ("Leif Holm", "", "Tiltaksdeltaker (bruker)", "Oslo"),
    ("Marit Eng", "", "Tiltaksdeltaker (bruker)", "Bærum"),
    ("Odd Rønning", "Oslo kommune, Velferdsetaten", "Behandlingsapparat/sosiale tjenester", "Oslo"),
]
#: The Oslo group's points on the first task, with the theme or actor each was tagged with.
OSLO_POINTS = [
    ("Lang ventetid før deltakerne kommer i gang med et tiltak", "Tiltak og metoder"),
    ("Uklar arbeidsdeling mellom Aetat og sosialtjenesten", "Hjelpeapparatet og samarbeid"),
    ("Faste samarbeidsmøter mellom etatene har gitt bedre oppfølging", "Samarbeid"),
    ("Individuell plan brukes for sjelden", "Individuell plan"),
    ("Arbeidsgivere kjenner for dårlig til lønnstilskudd", "Arbeidslivet"),
    ("Reglene for tiltakspenger gjør det vanskelig å kombinere tiltak", "Behov for endringer i "
     "tiltaksregelverket"),
    ("Aetat har for lite tid til hver enkelt deltaker", "Aetat"),
]  # fmt: skip


def load_demo(project, user) -> bool:
    """Add the demo conferences (Bergen, then Oslo) unless the project has them already."""
    bergen = _conference(
        project,
        user,
        place=DEMO_PLACE,
        day=date(2006, 5, 24),
        participants=DEMO_PARTICIPANTS,
        points=designs.example_points(designs.DEMO_DESIGN).get("example_points_bergen_task1", []),
        groups=(3, 2),
    )
    oslo = _conference(
        project,
        user,
        place=OSLO_PLACE,
        day=date(2006, 6, 7),
        participants=OSLO_PARTICIPANTS,
        points=[text for text, _tag in OSLO_POINTS],
        groups=(2, 2),
    )
    if bergen is None and oslo is None:
        return False
    tags.add_suggested_tags(project)
    by_name = {t.name: t for t in tags.project_tags(project)}
    if bergen is not None:
        for point, name in zip(bergen.points, DEMO_TAGS, strict=False):
            tags.set_tag([point], by_name[name], True)
    if oslo is not None:
        for point, (_text, name) in zip(oslo.points, OSLO_POINTS, strict=True):
            tags.set_tag([point], by_name[name], True)
    return True


def _conference(project, user, *, place, day, participants, points, groups):
    """One demo conference with its participants, groups and the first group's handed-in
    points on the first task; its first group, or None when the project has it already."""
    exists = db.session.scalar(
        sa.select(Conference.id).where(
            Conference.project_id == project.id,
            Conference.title == DEMO_TITLE,
            Conference.place == place,
        )
    )
    if exists is not None:
        return None
    design = designs.load_design_file(designs.DEMO_DESIGN)
    design.place = place
    design.date = day
    design.organiser = "Arbeidsforskningsinstituttet (AFI)"
    design.introduction = (
        "Velkommen til dialogkonferanse om Storbysatsingen. Vi skal i fellesskap se på hva "
        "satsingen har fått til, og hva som må gjøres annerledes."
    )
    times = [time(9, 30), time(9, 45), time(11, 0), time(11, 45), time(13, 30), time(14, 15)]
    for item, starts_at in zip(design.programme, times, strict=False):
        item.starts_at = starts_at
    conference = operations.create_conference(project, design, actor=user)
    for name, organisation, category, kommune in participants:
        operations.add_participant(
            conference,
            name=name,
            organisation=organisation,
            category_name=category,
            kommune=kommune,
            email=_address(name),
        )
    first, second = conference.rounds[0], conference.rounds[1]
    operations.make_groups(first, groups[0], "mix", actor=user)
    operations.make_groups(second, groups[1], "kommune", actor=user)
    group = first.groups[0]
    task = first.tasks[0]
    for position, text in enumerate(points):
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
    hand_in_group(group)
    return group


def _address(name: str) -> str:
    """A made-up address at example.no: "Bjørn Lunde" -> bjorn.lunde@example.no."""
    local = name.lower().translate(str.maketrans({"æ": "ae", "ø": "o", "å": "a", " ": "."}))
    return f"{local}@example.no"


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
