"""Changes sent from a referent's tablet, applied in order with versioned updates.

A tablet sends a batch of operations (queued while offline). Each point carries a ``key`` made
by the tablet, so a create that is sent twice is applied once. An update names the version it
was made against; when the point has moved on, the update is not applied but kept as a
conflict that both tablets show. The server is the authority: every answer carries the state.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from fieldkit.conferences.models import Group, GroupPhase, Point, PointConflict
from fieldkit.core.models import utcnow
from fieldkit.core.text import normalise
from fieldkit.extensions import db

MAX_TEXT = 2000
MAX_MINUTES = 50_000
#: Operations in one batch (the tablet sends at most 200); a longer one is refused whole.
MAX_OPS = 500
#: Versions and ids are whole numbers that a database integer column holds.
MAX_INTEGER = 2**31 - 1
POINT_OPS = {"create", "update", "delete", "restore", "move", "merge", "resolve"}
GROUP_OPS = {"phase", "minutes", "resolve_minutes", "roles"}


class OpError(ValueError):
    """An operation that cannot be applied; ``code`` tells the tablet why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _text(op: dict[str, Any], name: str, limit: int = MAX_TEXT, required: bool = False) -> str:
    value = op.get(name, "")
    if not isinstance(value, str):
        raise OpError("invalid", f"{name} must be text")
    # Pasted control characters are cleaned, never refused: the referent's text is kept.
    value = normalise(value).strip()
    if len(value) > limit:
        raise OpError("invalid", f"{name} is longer than {limit} characters")
    if required and not value:
        raise OpError("invalid", f"{name} is empty")
    return value


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INTEGER


def _version(op: dict[str, Any], name: str = "base_version") -> int:
    value = op.get(name)
    if not _whole(value):
        raise OpError("invalid", f"{name} must be a whole number")
    return value


def _point(group: Group, key: Any) -> Point:
    if not isinstance(key, str) or not key:
        raise OpError("invalid", "key missing")
    point = db.session.scalar(sa.select(Point).where(Point.group_id == group.id, Point.key == key))
    if point is None:
        raise OpError("not_found", "no such point")
    return point


def point_data(point: Point) -> dict[str, Any]:
    """A point as the tablet sees it."""
    return {
        "key": point.key,
        "task_id": point.task_id,
        "position": point.position,
        "text": point.text,
        "original_text": point.original_text,
        "justification": point.justification,
        "for_plenum": point.for_plenum,
        "version": point.version,
        "deleted": point.deleted_at is not None,
        "merged_into": point.merged_into_id is not None,
        "conflicts": [
            {"id": c.id, "text": c.text, "justification": c.justification}
            for c in point.conflicts
            if c.resolved_at is None
        ],
    }


def _live_points(group: Group, task_id: int) -> list[Point]:
    return list(
        db.session.scalars(
            sa.select(Point)
            .where(Point.group_id == group.id, Point.task_id == task_id, Point.deleted_at.is_(None))
            .order_by(Point.position, Point.id)
        )
    )


def _bump(point: Point, base_version: int | None, **values: Any) -> bool:
    """Apply ``values`` to ``point`` if it is still at ``base_version`` (atomically)."""
    query = sa.update(Point).where(Point.id == point.id)
    if base_version is not None:
        query = query.where(Point.version == base_version)
    result = db.session.execute(
        query.values(version=Point.version + 1, updated_at=utcnow(), **values),
        execution_options={"synchronize_session": False},
    )
    db.session.refresh(point)
    return result.rowcount == 1


def _create(group: Group, op: dict[str, Any]) -> Point:
    key = op.get("key")
    if not isinstance(key, str) or not 8 <= len(key) <= 64:
        raise OpError("invalid", "key must be 8–64 characters")
    text = _text(op, "text", required=True)
    existing = db.session.scalar(
        sa.select(Point).where(Point.group_id == group.id, Point.key == key)
    )
    if existing is not None:  # sent again after a lost answer
        return existing
    task_ids = {t.id for t in group.round.tasks}
    if not _whole(op.get("task_id")) or op["task_id"] not in task_ids:
        raise OpError("invalid", "task_id is not a task of this round")
    position = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(Point.position), -1) + 1).where(
            Point.group_id == group.id, Point.task_id == op["task_id"]
        )
    )
    point = Point(
        group_id=group.id,
        task_id=op["task_id"],
        key=key,
        text=text,
        original_text=text,
        position=position,
        for_plenum=bool(op.get("for_plenum", False)),
    )
    db.session.add(point)
    db.session.flush()
    return point


def _update(group: Group, op: dict[str, Any]) -> Point:
    point = _point(group, op.get("key"))
    base = _version(op)
    values: dict[str, Any] = {}
    if "text" in op:
        values["text"] = _text(op, "text", required=True)
    if "justification" in op:
        values["justification"] = _text(op, "justification")
    if "for_plenum" in op:
        values["for_plenum"] = bool(op["for_plenum"])
    if not values:
        raise OpError("invalid", "nothing to change")
    if all(getattr(point, name) == value for name, value in values.items()):
        return point  # already so (e.g. sent twice)
    if _bump(point, base, **values):
        return point
    if set(values) == {"for_plenum"}:
        # Marking for the plenum is not content: the newest mark wins.
        _bump(point, None, **values)
        return point
    db.session.add(
        PointConflict(
            point_id=point.id,
            base_version=base,
            text=values.get("text", point.text),
            justification=values.get("justification", point.justification),
        )
    )
    db.session.flush()
    db.session.refresh(point)
    raise OpError("conflict", "the point was changed on another tablet")


def _delete(group: Group, op: dict[str, Any]) -> Point:
    point = _point(group, op.get("key"))
    if point.deleted_at is None:
        _bump(point, None, deleted_at=utcnow())
    return point


def _restore(group: Group, op: dict[str, Any]) -> Point:
    point = _point(group, op.get("key"))
    if point.deleted_at is not None and point.merged_into_id is None:
        _bump(point, None, deleted_at=None)
    return point


def _move(group: Group, op: dict[str, Any]) -> Point:
    point = _point(group, op.get("key"))
    index = op.get("index")
    if not isinstance(index, int) or isinstance(index, bool):
        raise OpError("invalid", "index must be a whole number")
    points = [p for p in _live_points(group, point.task_id) if p.id != point.id]
    index = max(0, min(index, len(points)))
    points.insert(index, point)
    for position, p in enumerate(points):
        p.position = position
    db.session.flush()
    return point


def _merge(group: Group, op: dict[str, Any]) -> Point:
    target = _point(group, op.get("key"))
    source = _point(group, op.get("source"))
    if source.id == target.id or source.task_id != target.task_id:
        raise OpError("invalid", "merge two different points of one task")
    if source.deleted_at is not None or target.deleted_at is not None:
        raise OpError("invalid", "a deleted point cannot be merged")
    if (op.get("base_version"), op.get("source_version")) != (target.version, source.version):
        raise OpError("conflict", "the points were changed on another tablet")
    text = f"{target.text} / {source.text}"[:MAX_TEXT]
    justification = " / ".join(x for x in (target.justification, source.justification) if x)
    _bump(
        target,
        target.version,
        text=text,
        justification=justification,
        for_plenum=target.for_plenum or source.for_plenum,
    )
    _bump(source, None, deleted_at=utcnow(), merged_into_id=target.id)
    return target


def _resolve(group: Group, op: dict[str, Any]) -> Point:
    point = _point(group, op.get("key"))
    conflict_id = op.get("conflict_id")
    conflict = db.session.get(PointConflict, conflict_id) if _whole(conflict_id) else None
    if conflict is None or conflict.point_id != point.id:
        raise OpError("not_found", "no such conflict")
    if conflict.resolved_at is None:
        if op.get("use"):
            _bump(point, None, text=conflict.text, justification=conflict.justification)
        conflict.resolved_at = utcnow()
        db.session.flush()
        db.session.refresh(point)
    return point


def _minutes(group: Group, op: dict[str, Any]) -> dict[str, Any]:
    text = _text(op, "text", limit=MAX_MINUTES)
    base = _version(op)
    if text != group.minutes:
        result = db.session.execute(
            sa.update(Group)
            .where(Group.id == group.id, Group.minutes_version == base)
            .values(minutes=text, minutes_version=Group.minutes_version + 1),
            execution_options={"synchronize_session": False},
        )
        db.session.refresh(group)
        if result.rowcount != 1:
            group.minutes_conflict = text
            db.session.flush()
            raise OpError("conflict", "the minutes were changed on another tablet")
    return {"minutes": group.minutes, "minutes_version": group.minutes_version}


def _resolve_minutes(group: Group, op: dict[str, Any]) -> dict[str, Any]:
    if group.minutes_conflict is not None:
        if op.get("use"):
            group.minutes = group.minutes_conflict
            group.minutes_version += 1
        group.minutes_conflict = None
        db.session.flush()
    return {"minutes": group.minutes, "minutes_version": group.minutes_version}


_POINT_HANDLERS = {
    "create": _create,
    "update": _update,
    "delete": _delete,
    "restore": _restore,
    "move": _move,
    "merge": _merge,
    "resolve": _resolve,
}


def apply_op(group: Group, op: Any) -> dict[str, Any]:
    """Apply one operation; the answer says whether it was applied and why not."""
    if not isinstance(op, dict) or not isinstance(op.get("op"), str):
        op_id = op.get("id") if isinstance(op, dict) else None
        return {"ok": False, "error": "invalid", "message": "unknown operation", "id": op_id}
    if op["op"] not in POINT_OPS | GROUP_OPS:
        return {"ok": False, "error": "invalid", "message": "unknown operation", "id": op.get("id")}
    kind = op["op"]
    try:
        if (kind in POINT_OPS or kind == "phase") and group.is_handed_in:
            raise OpError("locked", "the group has handed in its slides")
        if kind in POINT_OPS:
            point = _POINT_HANDLERS[kind](group, op)
            answer = {"ok": True, "point": point_data(point)}
        elif kind == "phase":
            try:
                group.phase = GroupPhase(op.get("phase"))
            except ValueError:
                raise OpError("invalid", "unknown phase") from None
            answer = {"ok": True}
        elif kind == "minutes":
            answer = {"ok": True, **_minutes(group, op)}
        elif kind == "resolve_minutes":
            answer = {"ok": True, **_resolve_minutes(group, op)}
        else:
            group.referent_label = _text(op, "referent", limit=200)
            group.chair_label = _text(op, "chair", limit=200)
            answer = {"ok": True}
    except OpError as exc:
        answer = {"ok": False, "error": exc.code, "message": str(exc)}
        if exc.code == "conflict" and kind in POINT_OPS:
            point = db.session.scalar(
                sa.select(Point).where(Point.group_id == group.id, Point.key == op.get("key"))
            )
            if point is not None:
                answer["point"] = point_data(point)
        if exc.code == "conflict" and kind == "minutes":
            answer.update(minutes=group.minutes, minutes_version=group.minutes_version)
    answer["id"] = op.get("id")
    return answer


def apply_ops(group: Group, ops: Any) -> list[dict[str, Any]]:
    """Apply a tablet's batch of operations in order."""
    if not isinstance(ops, list):
        raise OpError("invalid", "ops must be a list")
    if len(ops) > MAX_OPS:
        raise OpError("invalid", f"at most {MAX_OPS} operations at a time")
    answers = [apply_op(group, op) for op in ops]
    group.updated_at = utcnow()
    db.session.flush()
    return answers


def group_state(group: Group) -> dict[str, Any]:
    """Everything the tablet shows, without any participant's name."""
    return {
        "group": {
            "id": group.id,
            "name": group.name,
            "state": group.state.value,
            "phase": group.phase.value,
            "minutes": group.minutes,
            "minutes_version": group.minutes_version,
            "minutes_conflict": group.minutes_conflict,
            "referent": group.referent_label,
            "chair": group.chair_label,
        },
        "tasks": [{"id": t.id, "number": t.number, "text": t.text} for t in group.round.tasks],
        "points": [
            point_data(p)
            for p in db.session.scalars(
                sa.select(Point)
                .options(so.selectinload(Point.conflicts))
                .where(Point.group_id == group.id, Point.merged_into_id.is_(None))
                .order_by(Point.task_id, Point.position, Point.id)
            )
        ],
        "photos": [{"id": p.id} for p in group.photos],
    }
