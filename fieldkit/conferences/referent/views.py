"""The referent's tablet (no login): the link on the group's card opens the group's page, which
syncs the group's points, minutes and photos through a small JSON API.

The card's address is ``/g?t=TOKEN``: the token is remembered in this browser's session, and the
pages after it (``/g/<group_id>`` and ``/g/<group_id>/api/…``) carry only the group's id.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from fieldkit.conferences.models import Group, Photo, ReferentLink
from fieldkit.conferences.referent import operations, photos, sync
from fieldkit.conferences.setup.links import link_for_token
from fieldkit.core import ratelimit
from fieldkit.core.loaders import owned_or_404
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db

bp = Blueprint("referent", __name__, url_prefix="/g")

#: Session key: group id → referent link id, for the links this browser has opened.
SESSION_KEY = "referent_links"
#: Failed link lookups allowed per client within the window before its failures are refused
#: for a while (a link that works is looked up first and never refused).
FAILED_LINKS = ratelimit.FailureLimit("referent-link", limit=20, window=timedelta(minutes=10))


def _too_many():
    return render_template("conferences/referent/invalid.html", too_many=True), 429


@bp.route("")
def entry():
    """Open a referent link: remember it in this browser's session and go to the group."""
    link = link_for_token(request.args.get("t", ""))
    if link is None:
        return FAILED_LINKS.failure(
            _too_many,
            lambda: (render_template("conferences/referent/invalid.html", too_many=False), 404),
        )
    links = dict(session.get(SESSION_KEY, {}))
    links[str(link.group_id)] = link.id
    session[SESSION_KEY] = links
    session.permanent = True
    return redirect(url_for(".page", group_id=link.group_id))


def _opened_group(group_id: int) -> Group:
    """The group, if this browser opened a link to it that still works; else 403."""
    link_id = session.get(SESSION_KEY, {}).get(str(group_id))
    link = db.session.get(ReferentLink, link_id) if link_id else None
    if link is None or not link.active or link.group_id != group_id:
        abort(403)
    return link.group


@bp.route("/<int:group_id>")
def page(group_id: int):
    """The referent's tablet page: tasks, rules, points, slides, minutes, photos."""
    group = _opened_group(group_id)
    return render_template(
        "conferences/referent/page.html",
        group=group,
        round=group.round,
        conference=group.round.conference,
    )


@bp.route("/<int:group_id>/api/state")
def state(group_id: int):
    """The group's current state."""
    return jsonify(sync.group_state(_opened_group(group_id)))


@bp.route("/<int:group_id>/api/ops", methods=["POST"])
def ops(group_id: int):
    """Apply the tablet's queued changes and answer with the results and the state."""
    group = _opened_group(group_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="invalid", message="expected a JSON object"), 400
    try:
        results = sync.apply_ops(group, body.get("ops"))
    except sync.OpError as exc:
        return jsonify(error=exc.code, message=str(exc)), 400
    db.session.commit()
    return jsonify(results=results, state=sync.group_state(group))


@bp.route("/<int:group_id>/api/hand-in", methods=["POST"])
def hand_in(group_id: int):
    """ "Lever til plenum": lock the group's slides."""
    group = _opened_group(group_id)
    try:
        operations.hand_in_group(group)
    except OperationError as exc:
        return jsonify(ok=False, message=str(exc), state=sync.group_state(group)), 409
    db.session.commit()
    return jsonify(ok=True, state=sync.group_state(group))


@bp.route("/<int:group_id>/api/photos", methods=["POST"])
def photo_upload(group_id: int):
    """Upload a photo of a flip chart or paper slide."""
    group = _opened_group(group_id)
    upload = request.files.get("photo")
    if upload is None:
        return jsonify(ok=False, message=_("Choose a photo.")), 400
    try:
        saved = photos.save_photo(group, upload.read(photos.MAX_BYTES + 1))
    except OperationError as exc:
        return jsonify(ok=False, message=str(exc)), 422
    db.session.commit()
    return jsonify(ok=True, id=saved.id, state=sync.group_state(group))


@bp.route("/<int:group_id>/photos/<int:photo_id>/<size>")
def photo(group_id: int, photo_id: int, size: str):
    """A photo of the referent's own group."""
    group = _opened_group(group_id)
    found = owned_or_404(Photo, photo_id, group, by="group_id")
    return photos.send(found, size) or abort(404)
