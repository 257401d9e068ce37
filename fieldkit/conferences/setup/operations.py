"""The operations of setting up a conference: its design, rounds, participants and groups; called by
views, CLI commands, the demo and the tests."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _

from fieldkit.conferences.models import (
    Conference,
    Group,
    GroupMembership,
    Participant,
    ParticipantCategory,
    Point,
    ProgrammeItem,
    Round,
    Task,
)
from fieldkit.conferences.setup import design as designs
from fieldkit.conferences.setup.links import create_referent_link
from fieldkit.core import audit, uploads
from fieldkit.core import columns as column_limits
from fieldkit.core.models import Project, User
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db

#: Column headings accepted in a participant list, lower-cased, for each field.
PARTICIPANT_COLUMNS = {
    "name": ("name", "navn", "namn"),
    "organisation": ("organisation", "organization", "organisasjon", "virksomhet"),
    "category": ("category", "kategori", "aktør", "aktor"),
    "kommune": ("kommune", "municipality", "by"),
    "email": ("email", "e-mail", "e-post", "epost"),
}


# --- design ---------------------------------------------------------------------------------


def category(project: Project, name: str) -> ParticipantCategory:
    """The project's participant category ``name``, created when new."""
    found = db.session.scalar(
        sa.select(ParticipantCategory).where(
            ParticipantCategory.project_id == project.id, ParticipantCategory.name == name
        )
    )
    if found is None:
        position = db.session.scalar(
            sa.select(sa.func.count(ParticipantCategory.id)).where(
                ParticipantCategory.project_id == project.id
            )
        )
        found = ParticipantCategory(project_id=project.id, name=name, position=position)
        db.session.add(found)
        db.session.flush()
    return found


def categories(project: Project) -> list[ParticipantCategory]:
    """The project's participant categories in their order."""
    return list(
        db.session.scalars(
            sa.select(ParticipantCategory)
            .where(ParticipantCategory.project_id == project.id)
            .order_by(ParticipantCategory.position, ParticipantCategory.id)
        )
    )


def create_conference(
    project: Project, design: designs.Design, *, actor: User | None = None
) -> Conference:
    """Create a conference with the programme, rounds, tasks and rules of ``design``."""
    conference = Conference(
        project_id=project.id,
        title=design.title,
        subtitle=design.subtitle,
        place=design.place,
        date=design.date,
        organiser=design.organiser,
        introduction=design.introduction,
        plenary_rules=list(design.plenary_rules),
    )
    db.session.add(conference)
    for name in design.categories:
        category(project, name)
    rounds = []
    for position, spec in enumerate(design.rounds):
        round_ = Round(
            position=position,
            title=spec.title,
            label=spec.label,
            preamble=spec.preamble,
            group_composition=spec.group_composition,
            rules_title=design.rules_title,
            rules=list(design.rules),
            tasks=[Task(position=i, text=text) for i, text in enumerate(spec.tasks)],
        )
        conference.rounds.append(round_)
        rounds.append(round_)
    for position, item in enumerate(design.programme):
        conference.programme.append(
            ProgrammeItem(
                position=position,
                title=item.title,
                starts_at=item.starts_at,
                round=rounds[item.session - 1] if item.session else None,
            )
        )
    db.session.flush()
    audit.record("conference.created", conference, actor=actor, project=project)
    return conference


def import_conference(
    project: Project, path: str | Path, *, actor: User | None = None
) -> Conference:
    """Create a conference from the design in the YAML file ``path``."""
    try:
        design = designs.load_design_file(path)
    except designs.DesignError as exc:
        raise OperationError(str(exc)) from exc
    return create_conference(project, design, actor=actor)


def design_of(conference: Conference) -> designs.Design:
    """The reusable design of a conference: programme, rounds, tasks, rules (no people)."""
    round_numbers = {r.id: n for n, r in enumerate(conference.rounds, start=1)}
    first = conference.rounds[0] if conference.rounds else None
    return designs.Design(
        title=conference.title,
        subtitle=conference.subtitle,
        place=conference.place,
        date=conference.date,
        organiser=conference.organiser,
        introduction=conference.introduction,
        rounds=[
            designs.RoundDesign(
                title=r.title,
                label=r.label,
                preamble=r.preamble,
                group_composition=r.group_composition,
                tasks=[t.text for t in r.tasks],
            )
            for r in conference.rounds
        ],
        rules_title=first.rules_title if first else "",
        rules=list(first.rules) if first else [],
        plenary_rules=list(conference.plenary_rules),
        programme=[
            designs.ProgrammeDesign(
                title=item.title,
                starts_at=item.starts_at,
                session=round_numbers.get(item.round_id),
            )
            for item in conference.programme
        ],
    )


def copy_conference(
    conference: Conference, *, title: str | None = None, actor: User | None = None
) -> Conference:
    """A new conference with the design of ``conference`` (without participants or points)."""
    design = design_of(conference)
    design.title = title or conference.title
    design.place = ""
    design.date = None
    copy = create_conference(conference.project, design, actor=actor)
    # Rules may have been edited per round; keep each round's own.
    for source, target in zip(conference.rounds, copy.rounds, strict=True):
        target.rules_title = source.rules_title
        target.rules = list(source.rules)
    audit.record("conference.copied", copy, actor=actor, source_id=conference.id)
    return copy


def update_conference(
    conference: Conference,
    *,
    title: str,
    subtitle: str,
    place: str,
    day: date | None,
    organiser: str,
    introduction: str,
    programme: list[designs.ProgrammeDesign],
    actor: User | None = None,
) -> Conference:
    """Change a conference's details and programme."""
    conference.title = title.strip()
    conference.subtitle = subtitle.strip()
    conference.place = place.strip()
    conference.date = day
    conference.organiser = organiser.strip()
    conference.introduction = introduction.strip()
    rounds = {r.position + 1: r for r in conference.rounds}
    conference.programme.clear()
    db.session.flush()
    for position, item in enumerate(programme):
        conference.programme.append(
            ProgrammeItem(
                position=position,
                title=item.title,
                starts_at=item.starts_at,
                round=rounds.get(item.session) if item.session else None,
            )
        )
    db.session.flush()
    audit.record("conference.updated", conference, actor=actor, project=conference.project_id)
    return conference


def update_round(
    round_: Round,
    *,
    title: str,
    label: str,
    preamble: str,
    group_composition: str,
    rules_title: str,
    rules: list[str],
    tasks: list[str],
    actor: User | None = None,
) -> Round:
    """Change a round's texts, rules and tasks. Tasks with points cannot be removed."""
    round_.title = title.strip()
    round_.label = label.strip()
    round_.preamble = preamble.strip()
    round_.group_composition = group_composition.strip()
    round_.rules_title = rules_title.strip()
    round_.rules = [r.strip() for r in rules if r.strip()]
    texts = [t.strip() for t in tasks if t.strip()]
    if not texts:
        raise OperationError(_("A round needs at least one task."))
    existing = list(round_.tasks)
    for task in existing[len(texts) :]:
        used = db.session.scalar(sa.select(sa.func.count(Point.id)).where(Point.task_id == task.id))
        if used:
            raise OperationError(
                _(
                    "Task %(number)d has points written by groups and cannot be removed.",
                    number=task.number,
                )
            )
        round_.tasks.remove(task)
    for position, text in enumerate(texts):
        if position < len(existing):
            existing[position].text = text
        else:
            round_.tasks.append(Task(position=position, text=text))
    db.session.flush()
    audit.record(
        "conference.round_updated", round_, actor=actor, project=round_.conference.project_id
    )
    return round_


# --- participants ---------------------------------------------------------------------------


def add_participant(
    conference: Conference,
    *,
    name: str,
    organisation: str = "",
    category_name: str = "",
    kommune: str = "",
    email: str = "",
    actor: User | None = None,
) -> Participant:
    """Register a participant of a conference."""
    if not name.strip():
        raise OperationError(_("The name is empty."))
    participant = Participant(
        conference_id=conference.id,
        name=name.strip(),
        organisation=organisation.strip(),
        category=category(conference.project, category_name.strip())
        if category_name.strip()
        else None,
        kommune=kommune.strip(),
        email=email.strip().lower(),
    )
    db.session.add(participant)
    db.session.flush()
    audit.record(
        "conference.participant_added", participant, actor=actor, project=conference.project_id
    )
    return participant


#: Rows of a participant list (openpyxl reads some 5 000 rows a second).
MAX_PARTICIPANTS = 5_000

#: The field each column of a participant list fills (its length bounds the cells).
PARTICIPANT_FIELDS = {
    "name": Participant.name,
    "organisation": Participant.organisation,
    "category": ParticipantCategory.name,
    "kommune": Participant.kommune,
    "email": Participant.email,
}


def import_participants(
    conference: Conference, filename: str, content: bytes, *, actor: User | None = None
) -> list[Participant]:
    """Register the participants listed in a CSV or XLSX file; on any error, none are added.

    Read in the request: a conference has hundreds of participants, and ``MAX_PARTICIPANTS``
    rows read in well under two seconds."""
    table = uploads.read_table(filename, content, max_rows=MAX_PARTICIPANTS)
    where = table.where
    columns: dict[str, int] = {}
    for index, heading in enumerate(table.headers):
        for key, names in PARTICIPANT_COLUMNS.items():
            if heading.strip().lower() in names and key not in columns:
                columns[key] = index
    if "name" not in columns:
        raise OperationError(_("%(where)s, row 1: no column called name (navn).", where=where))
    errors = []
    records = []
    for number, row in table.rows:
        record = {key: row[index].strip() for key, index in columns.items()}
        for key, index in columns.items():
            problem = column_limits.too_long(record[key], PARTICIPANT_FIELDS[key])
            if problem:
                errors.append(
                    _(
                        "%(where)s, row %(row)d, %(column)s: %(problem)s.",
                        where=where,
                        row=number,
                        column=table.headers[index].strip(),
                        problem=problem,
                    )
                )
        if not record.get("name"):
            errors.append(_("%(where)s, row %(row)d: the name is empty.", where=where, row=number))
        email = record.get("email", "")
        if email and ("@" not in email or " " in email):
            errors.append(
                _(
                    "%(where)s, row %(row)d, e-mail: %(value)s is not an e-mail address.",
                    where=where,
                    row=number,
                    value=email,
                )
            )
        records.append(record)
    if errors:
        raise OperationError(" ".join(errors[:10]))
    added = [
        add_participant(
            conference,
            name=r["name"],
            organisation=r.get("organisation", ""),
            category_name=r.get("category", ""),
            kommune=r.get("kommune", ""),
            email=r.get("email", ""),
        )
        for r in records
    ]
    audit.record(
        "conference.participants_imported",
        conference,
        actor=actor,
        project=conference.project_id,
        count=len(added),
    )
    return added


def remove_participant(participant: Participant, *, actor: User | None = None) -> None:
    """Remove a participant (and their group places)."""
    conference = participant.conference
    db.session.execute(
        sa.delete(GroupMembership).where(GroupMembership.participant_id == participant.id)
    )
    audit.record(
        "conference.participant_removed", participant, actor=actor, project=conference.project_id
    )
    db.session.delete(participant)
    db.session.flush()


# --- groups -----------------------------------------------------------------------------------


def add_group(round_: Round, name: str | None = None, *, actor: User | None = None) -> Group:
    """Add a group to a round, named "Gruppe N" unless a name is given."""
    position = len(round_.groups)
    group = Group(position=position, name=(name or "").strip() or f"Gruppe {position + 1}")
    round_.groups.append(group)
    db.session.flush()
    create_referent_link(group)
    audit.record("conference.group_added", group, actor=actor, project=round_.conference.project_id)
    return group


def memberships(round_: Round) -> dict[int, int]:
    """Participant id → group id for a round."""
    rows = db.session.execute(
        sa.select(GroupMembership.participant_id, GroupMembership.group_id).where(
            GroupMembership.round_id == round_.id
        )
    )
    return {participant_id: group_id for participant_id, group_id in rows}


def assign(round_: Round, participant: Participant, group: Group | None) -> None:
    """Put a participant in a group of the round (or in none)."""
    if participant.conference_id != round_.conference_id:
        raise OperationError(_("The participant belongs to another conference."))
    if group is not None and group.round_id != round_.id:
        raise OperationError(_("The group belongs to another round."))
    db.session.execute(
        sa.delete(GroupMembership).where(
            GroupMembership.round_id == round_.id,
            GroupMembership.participant_id == participant.id,
        )
    )
    if group is not None:
        db.session.add(
            GroupMembership(round_id=round_.id, group_id=group.id, participant_id=participant.id)
        )
    db.session.flush()


def place_participants(round_: Round, chosen: dict[int, int]) -> None:
    """Put every participant of the conference in the group of the round that ``chosen`` names
    for them (participant id → group id); one it names no group of the round for, in none."""
    by_id = {g.id: g for g in round_.groups}
    for participant in round_.conference.participants:
        assign(round_, participant, by_id.get(chosen.get(participant.id, 0)))


def divide_into_groups(
    participants: list[Participant], count: int, strategy: str, seed: int = 0
) -> list[list[Participant]]:
    """Split participants into groups: ``mix`` spreads categories and kommuner evenly over
    ``count`` groups; ``kommune`` makes groups of one kommune each (split when a kommune has
    more than its share)."""
    if strategy == "kommune":
        by_kommune: dict[str, list[Participant]] = defaultdict(list)
        for p in participants:
            by_kommune[p.kommune or "–"].append(p)
        size = max(1, -(-len(participants) // max(1, count)))
        groups = []
        for kommune in sorted(by_kommune):
            members = by_kommune[kommune]
            parts = max(1, round(len(members) / size))
            for i in range(parts):
                groups.append(members[i::parts])
        return groups
    if count < 1:
        raise OperationError(_("Give at least one group."))
    rng = random.Random(seed)
    # Deal participants round-robin after sorting by category then kommune, so that every
    # group gets its share of each category and kommuner alternate.
    shuffled = list(participants)
    rng.shuffle(shuffled)
    by_category: dict[str, list[Participant]] = defaultdict(list)
    for p in shuffled:
        by_category[p.category.name if p.category else ""].append(p)
    ordered = []
    for name in sorted(by_category):
        ordered.extend(sorted(by_category[name], key=lambda p: p.kommune))
    groups: list[list[Participant]] = [[] for _ in range(count)]
    for index, participant in enumerate(ordered):
        groups[index % count].append(participant)
    return groups


def make_groups(
    round_: Round, count: int, strategy: str, *, actor: User | None = None
) -> list[Group]:
    """Assign all participants of the conference to groups of the round automatically,
    adding groups as needed; groups that have points are kept."""
    participants = list(round_.conference.participants)
    if not participants:
        raise OperationError(_("Register participants first."))
    division = divide_into_groups(participants, count, strategy)
    db.session.execute(sa.delete(GroupMembership).where(GroupMembership.round_id == round_.id))
    groups = list(round_.groups)
    while len(groups) < len(division):
        groups.append(add_group(round_, actor=actor))
    for group, members in zip(groups, division, strict=False):
        if strategy == "kommune" and members and members[0].kommune and not group.points:
            group.name = f"Gruppe {group.position + 1} – {members[0].kommune}"
        for participant in members:
            db.session.add(
                GroupMembership(
                    round_id=round_.id, group_id=group.id, participant_id=participant.id
                )
            )
    db.session.flush()
    audit.record(
        "conference.groups_made",
        round_,
        actor=actor,
        project=round_.conference.project_id,
        strategy=strategy,
        groups=len(division),
    )
    return groups[: len(division)]


def project_conferences(project: Project) -> list[Conference]:
    """The project's conferences, newest first (for the project page)."""
    return list(
        db.session.scalars(
            sa.select(Conference)
            .where(Conference.project_id == project.id)
            .order_by(Conference.date.desc(), Conference.id.desc())
        )
    )
