"""Facilitation (members of the project): the live overview of the groups, a group's page with
its photos and notes, the plenary view for the projector, and the moderation of points before
the summary is compiled."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _

from fieldkit.conferences.facilitation import operations, queries
from fieldkit.conferences.facilitation.forms import NoteForm, PointEditForm
from fieldkit.conferences.models import Conference, Group, Photo, Point
from fieldkit.conferences.referent import photos, sync
from fieldkit.conferences.synthesis.tags import project_tags
from fieldkit.core.access import require_project_access
from fieldkit.core.forms import EmptyForm
from fieldkit.core.loaders import acting_user, owned_or_404
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db

bp = Blueprint("facilitation", __name__)


@bp.route("/<int:conference_id>/live")
@require_project_access
def live(project, conference_id: int):
    """The live overview of all groups (the page polls ``live.json``)."""
    conference = owned_or_404(Conference, conference_id, project)
    overview = queries.live_overview(conference)
    for round_ in overview:
        for group in round_["groups"]:
            saved_at = group["updated_at"]
            group["updated_label"] = (
                format_time(datetime.fromisoformat(saved_at), "HH:mm:ss") if saved_at else "–"
            )
    return render_template(
        "conferences/facilitation/live.html",
        project=project,
        conference=conference,
        overview=overview,
        form=EmptyForm(),
    )


@bp.route("/<int:conference_id>/live.json")
@require_project_access
def live_json(project, conference_id: int):
    """The live overview as JSON."""
    conference = owned_or_404(Conference, conference_id, project)
    return jsonify(rounds=queries.live_overview(conference))


@bp.route("/<int:conference_id>/groups/<int:group_id>/")
@require_project_access
def group(project, conference_id: int, group_id: int):
    """A group as the facilitators see it: points, minutes, photos, notes."""
    conference = owned_or_404(Conference, conference_id, project)
    group = owned_or_404(Group, group_id, conference, by="conference_id")
    return render_template(
        "conferences/facilitation/group.html",
        project=project,
        conference=conference,
        group=group,
        state=sync.group_state(group),
        slides=queries.slides(group),
        form=EmptyForm(),
    )


@bp.route("/<int:conference_id>/groups/<int:group_id>/reopen", methods=["POST"])
@require_project_access
def reopen_group(project, conference_id: int, group_id: int):
    """Unlock a group's handed-in slides."""
    conference = owned_or_404(Conference, conference_id, project)
    group = owned_or_404(Group, group_id, conference, by="conference_id")
    EmptyForm().validate_on_submit() or abort(400)
    try:
        operations.reopen_group(group, actor=acting_user())
    except OperationError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("%(group)s can edit its slides again.", group=group.name), "success")
    return redirect(url_for(".live", slug=project.slug, conference_id=conference.id))


@bp.route("/<int:conference_id>/plenary")
@require_project_access
def plenary(project, conference_id: int):
    """The plenary view for the projector (the page polls ``plenary.json``)."""
    conference = owned_or_404(Conference, conference_id, project)
    return render_template(
        "conferences/facilitation/plenary.html",
        project=project,
        conference=conference,
        note_form=NoteForm(),
    )


@bp.route("/<int:conference_id>/plenary.json")
@require_project_access
def plenary_json(project, conference_id: int):
    """The handed-in groups' slides in programme order."""
    conference = owned_or_404(Conference, conference_id, project)
    return jsonify(groups=queries.plenary(conference))


@bp.route("/<int:conference_id>/groups/<int:group_id>/notes", methods=["POST"])
@require_project_access
def add_note(project, conference_id: int, group_id: int):
    """Add a note to a group from the plenum (JSON from the plenary view, or a form)."""
    conference = owned_or_404(Conference, conference_id, project)
    group = owned_or_404(Group, group_id, conference, by="conference_id")
    text = (request.get_json(silent=True) or {}).get("text") if request.is_json else None
    if text is None:
        form = NoteForm()
        text = form.text.data if form.validate_on_submit() else ""
    try:
        operations.add_group_note(group, str(text), actor=acting_user())
    except OperationError as exc:
        if request.is_json:
            return jsonify(ok=False, message=str(exc)), 422
        flash(str(exc), "error")
    else:
        db.session.commit()
        if request.is_json:
            return jsonify(ok=True, notes=[n.text for n in group.notes])
    return redirect(
        url_for(".group", slug=project.slug, conference_id=conference.id, group_id=group.id)
    )


@bp.route("/<int:conference_id>/photos/<int:photo_id>/<size>")
@require_project_access
def photo(project, conference_id: int, photo_id: int, size: str):
    """A group's photo, for members of the project."""
    conference = owned_or_404(Conference, conference_id, project)
    found = owned_or_404(Photo, photo_id, conference, by="conference_id")
    return photos.send(found, size) or abort(404)


# --- before compiling: corrections, hiding, tags ------------------------------------------


@bp.route("/<int:conference_id>/points", methods=["GET", "POST"])
@require_project_access
def points(project, conference_id: int):
    """All points of the conference: tag them (in bulk), hide or show them."""
    conference = owned_or_404(Conference, conference_id, project)
    form = EmptyForm()
    if request.method == "POST":
        form.validate_on_submit() or abort(400)
        ids = {int(x) for x in request.form.getlist("point") if x.isdigit()}
        try:
            count = operations.moderate_points(
                conference, ids, request.form.get("action", ""), actor=acting_user()
            )
        except operations.UnknownAction:
            abort(400)
        except OperationError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("%(count)d points changed.", count=count), "success")
        return redirect(url_for(".points", slug=project.slug, conference_id=conference.id))
    return render_template(
        "conferences/facilitation/points.html",
        project=project,
        conference=conference,
        rows=queries.points_by_group(conference),
        tags=project_tags(project),
        form=form,
    )


@bp.route("/<int:conference_id>/points/<int:point_id>", methods=["GET", "POST"])
@require_project_access
def edit_point(project, conference_id: int, point_id: int):
    """Correct a point's wording for the summary (the original is kept) or hide it."""
    conference = owned_or_404(Conference, conference_id, project)
    point = owned_or_404(Point, point_id, conference, by="conference_id")
    form = PointEditForm()
    if request.method == "GET":
        form.corrected_text.data = point.edit.corrected_text if point.edit else ""
        form.hidden.data = bool(point.edit and point.edit.hidden)
    if form.validate_on_submit():
        operations.edit_point(
            point, form.corrected_text.data, form.hidden.data, actor=acting_user()
        )
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".points", slug=project.slug, conference_id=conference.id))
    return render_template(
        "conferences/facilitation/point_edit.html",
        project=project,
        conference=conference,
        point=point,
        form=form,
    ), (422 if form.errors else 200)
