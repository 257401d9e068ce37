"""The project's themes and actors (tags) and the points that carry them."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from fieldkit.conferences.models import Point, Tag, TagKind, point_tags
from fieldkit.core import audit
from fieldkit.core.models import Project, User
from fieldkit.extensions import db

#: Themes and actors the researchers used ("Utfordringer og endringsforslag", per city).
SUGGESTED_TAGS: list[tuple[str, TagKind]] = [
    ("Aetat", TagKind.ACTOR),
    ("Tiltak og metoder", TagKind.THEME),
    ("Hjelpeapparatet og samarbeid", TagKind.ACTOR),
    ("Arbeidslivet", TagKind.ACTOR),
    ("Behov for endringer i tiltaksregelverket", TagKind.THEME),
    ("Informasjon og kunnskap", TagKind.THEME),
    ("Samarbeid", TagKind.THEME),
    ("Tiltaksutvikling", TagKind.THEME),
    ("Individuell plan", TagKind.THEME),
]


def project_tags(project: Project) -> list[Tag]:
    """The project's tags in their order."""
    return list(
        db.session.scalars(
            sa.select(Tag).where(Tag.project_id == project.id).order_by(Tag.position, Tag.id)
        )
    )


class TagError(ValueError):
    """A tag that cannot be made (empty or already there)."""


def _clean_tag_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise TagError(_("Give the tag a name."))
    if len(name) > 200:
        raise TagError(_("A tag's name can have at most 200 characters."))
    return name


def add_tag(project: Project, name: str, kind: TagKind = TagKind.THEME) -> Tag:
    """A new tag of the project, after the others; its name must be new (in any case)."""
    name = _clean_tag_name(name)
    existing = {t.name.casefold() for t in project_tags(project)}
    if name.casefold() in existing:
        raise TagError(_("The project already has the tag “%(name)s”.", name=name))
    position = len(existing)
    tag = Tag(project_id=project.id, name=name, kind=kind, position=position)
    db.session.add(tag)
    db.session.flush()
    return tag


def rename_tag(
    tag: Tag, name: str, kind: TagKind | None = None, *, actor: User | None = None
) -> Tag:
    """Give ``tag`` a new name (and kind); the points keep it."""
    name = _clean_tag_name(name)
    others = {
        t.name.casefold()
        for t in project_tags(db.session.get(Project, tag.project_id))
        if t.id != tag.id
    }
    if name.casefold() in others:
        raise TagError(_("The project already has the tag “%(name)s”.", name=name))
    before = {"name": tag.name, "kind": tag.kind.value}
    tag.name = name
    if kind is not None:
        tag.kind = kind
    db.session.flush()
    audit.record(
        "conference.tag_changed",
        tag,
        actor=actor,
        project=tag.project_id,
        before=before,
        after={"name": tag.name, "kind": tag.kind.value},
    )
    return tag


def delete_tag(tag: Tag, *, actor: User | None = None) -> int:
    """Delete ``tag`` and take it off every point; returns how many points had it."""
    count = len(tagged_point_ids(tag))
    audit.record(
        "conference.tag_deleted",
        tag,
        actor=actor,
        project=tag.project_id,
        name=tag.name,
        kind=tag.kind.value,
        points=count,
    )
    db.session.delete(tag)  # the ORM removes its rows in conference_point_tags
    db.session.flush()
    return count


def add_suggested_tags(project: Project) -> int:
    """Add the suggested themes and actors the project does not have; returns how many."""
    existing = {t.name.casefold() for t in project_tags(project)}
    added = 0
    for name, kind in SUGGESTED_TAGS:
        if name.casefold() not in existing:
            add_tag(project, name, kind)
            added += 1
    return added


def set_tag(points: list[Point], tag: Tag, on: bool) -> int:
    """Put ``tag`` on (or take it off) every point; returns how many changed."""
    changed = 0
    for point in points:
        if on and tag not in point.tags:
            point.tags.append(tag)
            changed += 1
        elif not on and tag in point.tags:
            point.tags.remove(tag)
            changed += 1
    db.session.flush()
    return changed


def tagged_point_ids(tag: Tag) -> list[int]:
    """The ids of the points carrying ``tag``, in order."""
    return list(
        db.session.scalars(
            sa.select(point_tags.c.point_id)
            .where(point_tags.c.tag_id == tag.id)
            .order_by(point_tags.c.point_id)
        )
    )
