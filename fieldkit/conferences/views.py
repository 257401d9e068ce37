"""Pages of dialog conferences: set-up and facilitation (members) and the referent's tablet."""

from __future__ import annotations

from datetime import datetime, timedelta

import segno
import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from fieldkit.conferences import cards as card_pdf
from fieldkit.conferences import operations, photos, queries, sync
from fieldkit.conferences.design import DEMO_DESIGN, DesignError, load_design_file, read_design
from fieldkit.conferences.forms import (
    AutoGroupsForm,
    ConferenceForm,
    GroupNameForm,
    ImportDesignForm,
    NoteForm,
    ParticipantForm,
    ParticipantImportForm,
    RoundForm,
)
from fieldkit.conferences.models import Conference, Group, Participant, Photo, ReferentLink, Round
from fieldkit.core import downloads
from fieldkit.core.access import require_project_access
from fieldkit.core.forms import EmptyForm
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db

bp = Blueprint("conferences", __name__)

#: Session key: group id → referent link id, for the links this browser has opened.
REFERENT_SESSION_KEY = "referent_links"


def _actor():
    return current_user._get_current_object()


def _conference(project, conference_id: int) -> Conference:
    conference = db.session.get(Conference, conference_id)
    if conference is None or conference.project_id != project.id:
        abort(404)
    return conference


def _round(conference: Conference, round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.conference_id != conference.id:
        abort(404)
    return round_


def _group(conference: Conference, group_id: int) -> Group:
    group = db.session.get(Group, group_id)
    if group is None or group.round.conference_id != conference.id:
        abort(404)
    return group


def referent_url(link: ReferentLink) -> str:
    """The address a referent's tablet opens (the token in the query, never in logs)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}{url_for('conferences.referent_entry')}?t={operations.token_for(link)}"


def qr_svg(url: str) -> Markup:
    """A QR code as inline SVG."""
    svg = segno.make(url, error="m").svg_inline(
        scale=5, omitsize=True, title=_("QR code to the group's page")
    )
    return Markup(svg)  # noqa: S704 - made by segno from our own URL


# --- set-up ---------------------------------------------------------------------------------


@bp.route("/p/<slug>/conferences/new", methods=["GET", "POST"])
@require_project_access
def new_conference(project):
    """Create a conference from a design file (or from the built-in Storbysatsingen design)."""
    form = ImportDesignForm()
    if request.form.get("action") == "builtin":
        EmptyForm().validate_on_submit() or abort(400)
        conference = operations.create_conference(
            project, load_design_file(DEMO_DESIGN), actor=_actor()
        )
        db.session.commit()
        flash(_("Conference %(title)s created.", title=conference.title), "success")
        return redirect(url_for(".edit_conference", slug=project.slug, conference_id=conference.id))
    if form.validate_on_submit():
        upload = form.design.data
        try:
            design = read_design(upload.read(), upload.filename or "design")
        except DesignError as exc:
            form.design.errors.append(str(exc))
        else:
            conference = operations.create_conference(project, design, actor=_actor())
            db.session.commit()
            flash(_("Conference %(title)s created.", title=conference.title), "success")
            return redirect(url_for(".conference", slug=project.slug, conference_id=conference.id))
    return render_template(
        "conferences/new.html", project=project, form=form, builtin_form=EmptyForm()
    ), (422 if form.errors else 200)


@bp.route("/p/<slug>/conferences/<int:conference_id>/")
@require_project_access
def conference(project, conference_id: int):
    """A conference: its details, programme, rounds and the ways into facilitation."""
    conference = _conference(project, conference_id)
    return render_template(
        "conferences/conference.html",
        project=project,
        conference=conference,
        form=EmptyForm(),
    )


@bp.route("/p/<slug>/conferences/<int:conference_id>/edit", methods=["GET", "POST"])
@require_project_access
def edit_conference(project, conference_id: int):
    """Change the conference's details and programme."""
    conference = _conference(project, conference_id)
    titles = [r.title for r in conference.rounds]
    form = ConferenceForm(obj=conference, round_titles=titles)
    if request.method == "GET":
        form.programme.data = "\n".join(
            (f"{i.starts_at:%H:%M} " if i.starts_at else "") + i.title for i in conference.programme
        )
    if form.validate_on_submit():
        operations.update_conference(
            conference,
            title=form.title.data,
            subtitle=form.subtitle.data or "",
            place=form.place.data or "",
            day=form.date.data,
            organiser=form.organiser.data or "",
            introduction=form.introduction.data or "",
            programme=form.programme_items,
            actor=_actor(),
        )
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".conference", slug=project.slug, conference_id=conference.id))
    return render_template(
        "conferences/edit.html", project=project, conference=conference, form=form
    ), (422 if form.errors else 200)


@bp.route(
    "/p/<slug>/conferences/<int:conference_id>/rounds/<int:round_id>/edit",
    methods=["GET", "POST"],
)
@require_project_access
def edit_round(project, conference_id: int, round_id: int):
    """Change a round's tasks and rules."""
    conference = _conference(project, conference_id)
    round_ = _round(conference, round_id)
    form = RoundForm(obj=round_)
    if request.method == "GET":
        form.tasks.data = "\n".join(t.text for t in round_.tasks)
        form.rules.data = "\n".join(round_.rules)
    if form.validate_on_submit():
        try:
            operations.update_round(
                round_,
                title=form.title.data,
                label=form.label.data or "",
                preamble=form.preamble.data or "",
                group_composition=form.group_composition.data or "",
                rules_title=form.rules_title.data or "",
                rules=(form.rules.data or "").splitlines(),
                tasks=form.tasks.data.splitlines(),
                actor=_actor(),
            )
        except OperationError as exc:
            form.tasks.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".conference", slug=project.slug, conference_id=conference.id))
    return render_template(
        "conferences/round_edit.html",
        project=project,
        conference=conference,
        round=round_,
        form=form,
    ), (422 if form.errors else 200)


@bp.route("/p/<slug>/conferences/<int:conference_id>/copy", methods=["POST"])
@require_project_access
def copy_conference(project, conference_id: int):
    """A new conference with this one's design, without participants and points."""
    conference = _conference(project, conference_id)
    EmptyForm().validate_on_submit() or abort(400)
    copy = operations.copy_conference(conference, actor=_actor())
    db.session.commit()
    flash(_("Copied. Give the new conference its place and date."), "success")
    return redirect(url_for(".edit_conference", slug=project.slug, conference_id=copy.id))


# --- participants and groups ------------------------------------------------------------------


@bp.route("/p/<slug>/conferences/<int:conference_id>/participants", methods=["GET", "POST"])
@require_project_access
def participants(project, conference_id: int):
    """The participants: list, add one, import a list."""
    conference = _conference(project, conference_id)
    form = ParticipantForm(prefix="one")
    import_form = ParticipantImportForm(prefix="file")
    status = 200
    if request.method == "POST" and "one-name" in request.form:
        if form.validate_on_submit():
            operations.add_participant(
                conference,
                name=form.name.data,
                organisation=form.organisation.data or "",
                category_name=form.category.data or "",
                kommune=form.kommune.data or "",
                email=form.email.data or "",
                actor=_actor(),
            )
            db.session.commit()
            flash(_("%(name)s is registered.", name=form.name.data), "success")
            return redirect(request.path)
        status = 422
    elif request.method == "POST":
        if import_form.validate_on_submit():
            upload = import_form.file.data
            try:
                added = operations.import_participants(
                    conference, upload.filename or "", upload.read(), actor=_actor()
                )
            except OperationError as exc:
                db.session.rollback()
                import_form.file.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("%(count)d participants imported.", count=len(added)), "success")
                return redirect(request.path)
        status = 422
    return render_template(
        "conferences/participants.html",
        project=project,
        conference=conference,
        form=form,
        import_form=import_form,
        categories=operations.categories(project),
        remove_form=EmptyForm(),
    ), status


@bp.route(
    "/p/<slug>/conferences/<int:conference_id>/participants/<int:participant_id>/remove",
    methods=["POST"],
)
@require_project_access
def remove_participant(project, conference_id: int, participant_id: int):
    """Remove a participant."""
    conference = _conference(project, conference_id)
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.conference_id != conference.id:
        abort(404)
    EmptyForm().validate_on_submit() or abort(400)
    operations.remove_participant(participant, actor=_actor())
    db.session.commit()
    return redirect(url_for(".participants", slug=project.slug, conference_id=conference.id))


@bp.route(
    "/p/<slug>/conferences/<int:conference_id>/rounds/<int:round_id>/groups",
    methods=["GET", "POST"],
)
@require_project_access
def groups(project, conference_id: int, round_id: int):
    """The groups of a round: make them automatically, then adjust who is in which."""
    conference = _conference(project, conference_id)
    round_ = _round(conference, round_id)
    auto_form = AutoGroupsForm(prefix="auto", count=len(round_.groups) or 4)
    name_form = GroupNameForm(prefix="new")
    assign_form = EmptyForm(prefix="assign")
    status = 200
    if request.method == "POST":
        action = request.form.get("action")
        if action == "auto" and auto_form.validate_on_submit():
            try:
                made = operations.make_groups(
                    round_, auto_form.count.data, auto_form.strategy.data, actor=_actor()
                )
            except OperationError as exc:
                auto_form.count.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("%(count)d groups made.", count=len(made)), "success")
                return redirect(request.path)
        elif action == "add" and name_form.validate_on_submit():
            operations.add_group(round_, name_form.name.data, actor=_actor())
            db.session.commit()
            return redirect(request.path)
        elif action == "assign" and assign_form.validate_on_submit():
            by_id = {g.id: g for g in round_.groups}
            for participant in conference.participants:
                raw = request.form.get(f"p{participant.id}", "")
                group = by_id.get(int(raw)) if raw.isdigit() else None
                operations.assign(round_, participant, group, actor=_actor())
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(request.path)
        status = 422
    placed = operations.memberships(round_)
    return render_template(
        "conferences/groups.html",
        project=project,
        conference=conference,
        round=round_,
        auto_form=auto_form,
        name_form=name_form,
        assign_form=assign_form,
        placed=placed,
        form=EmptyForm(),
    ), status


@bp.route("/p/<slug>/conferences/<int:conference_id>/rounds/<int:round_id>/cards")
@require_project_access
def cards(project, conference_id: int, round_id: int):
    """Printable referent cards: group name, tasks and a QR code to the group's page."""
    conference = _conference(project, conference_id)
    round_ = _round(conference, round_id)
    items = []
    for group in round_.groups:
        link = operations.active_link(group)
        if link is None:
            link = operations.create_referent_link(group, actor=_actor())
        url = referent_url(link)
        items.append({"group": group, "url": url, "qr": qr_svg(url)})
    db.session.commit()
    return render_template(
        "conferences/cards.html", project=project, conference=conference, round=round_, cards=items
    )


@bp.route("/p/<slug>/conferences/<int:conference_id>/rounds/<int:round_id>/cards.pdf")
@require_project_access
def cards_pdf(project, conference_id: int, round_id: int):
    """The referent cards as a PDF, one A5 page per group."""
    conference = _conference(project, conference_id)
    round_ = _round(conference, round_id)
    items = []
    for group in round_.groups:
        link = operations.active_link(group) or operations.create_referent_link(
            group, actor=_actor()
        )
        url = referent_url(link)
        items.append({"name": group.name, "url": url, "qr": qr_svg(url)})
    db.session.commit()
    html = render_template(
        "pdf/conferences/cards.html", conference=conference, round=round_, cards=items
    )
    response = current_app.response_class(card_pdf.cards_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="referentkort-{round_.id}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route(
    "/p/<slug>/conferences/<int:conference_id>/groups/<int:group_id>/renew-link",
    methods=["POST"],
)
@require_project_access
def renew_link(project, conference_id: int, group_id: int):
    """Revoke the group's referent link and make a new one (print its card again)."""
    conference = _conference(project, conference_id)
    group = _group(conference, group_id)
    EmptyForm().validate_on_submit() or abort(400)
    operations.renew_link(group, actor=_actor())
    db.session.commit()
    flash(
        _("The old link of %(group)s no longer works. Print its new card.", group=group.name),
        "success",
    )
    return redirect(
        url_for(".groups", slug=project.slug, conference_id=conference.id, round_id=group.round_id)
    )


@bp.route(
    "/p/<slug>/conferences/<int:conference_id>/groups/<int:group_id>/reopen", methods=["POST"]
)
@require_project_access
def reopen_group(project, conference_id: int, group_id: int):
    """Unlock a group's handed-in slides."""
    conference = _conference(project, conference_id)
    group = _group(conference, group_id)
    EmptyForm().validate_on_submit() or abort(400)
    try:
        operations.reopen_group(group, actor=_actor())
    except OperationError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("%(group)s can edit its slides again.", group=group.name), "success")
    return redirect(url_for(".live", slug=project.slug, conference_id=conference.id))


# --- during the conference ------------------------------------------------------------------


@bp.route("/p/<slug>/conferences/<int:conference_id>/live")
@require_project_access
def live(project, conference_id: int):
    """The live overview of all groups (the page polls ``live.json``)."""
    conference = _conference(project, conference_id)
    overview = queries.live_overview(conference)
    for round_ in overview:
        for group in round_["groups"]:
            saved_at = group["updated_at"]
            group["updated_label"] = (
                format_time(datetime.fromisoformat(saved_at), "HH:mm:ss") if saved_at else "–"
            )
    return render_template(
        "conferences/live.html",
        project=project,
        conference=conference,
        overview=overview,
        form=EmptyForm(),
    )


@bp.route("/p/<slug>/conferences/<int:conference_id>/live.json")
@require_project_access
def live_json(project, conference_id: int):
    """The live overview as JSON."""
    conference = _conference(project, conference_id)
    return jsonify(rounds=queries.live_overview(conference))


@bp.route("/p/<slug>/conferences/<int:conference_id>/groups/<int:group_id>/")
@require_project_access
def group(project, conference_id: int, group_id: int):
    """A group as the facilitators see it: points, minutes, photos, notes."""
    conference = _conference(project, conference_id)
    group = _group(conference, group_id)
    return render_template(
        "conferences/group.html",
        project=project,
        conference=conference,
        group=group,
        state=sync.group_state(group),
        slides=queries.slides(group),
        form=EmptyForm(),
    )


@bp.route("/p/<slug>/conferences/<int:conference_id>/plenary")
@require_project_access
def plenary(project, conference_id: int):
    """The plenary view for the projector (the page polls ``plenary.json``)."""
    conference = _conference(project, conference_id)
    return render_template(
        "conferences/plenary.html",
        project=project,
        conference=conference,
        note_form=NoteForm(),
    )


@bp.route("/p/<slug>/conferences/<int:conference_id>/plenary.json")
@require_project_access
def plenary_json(project, conference_id: int):
    """The handed-in groups' slides in programme order."""
    conference = _conference(project, conference_id)
    return jsonify(groups=queries.plenary(conference))


@bp.route("/p/<slug>/conferences/<int:conference_id>/groups/<int:group_id>/notes", methods=["POST"])
@require_project_access
def add_note(project, conference_id: int, group_id: int):
    """Add a note to a group from the plenum (JSON from the plenary view, or a form)."""
    conference = _conference(project, conference_id)
    group = _group(conference, group_id)
    text = (request.get_json(silent=True) or {}).get("text") if request.is_json else None
    if text is None:
        form = NoteForm()
        text = form.text.data if form.validate_on_submit() else ""
    try:
        operations.add_group_note(group, str(text), actor=_actor())
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


@bp.route("/p/<slug>/conferences/<int:conference_id>/photos/<int:photo_id>/<size>")
@require_project_access
def photo(project, conference_id: int, photo_id: int, size: str):
    """A group's photo, for members of the project."""
    conference = _conference(project, conference_id)
    found = db.session.get(Photo, photo_id)
    if found is None or found.group.round.conference_id != conference.id:
        abort(404)
    return _send_photo(found, size)


def _send_photo(found: Photo, size: str):
    if size not in ("print", "thumb"):
        abort(404)
    path = photos.rendition_path(found, size)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the referent's tablet ------------------------------------------------------------------


@bp.route("/r")
def referent_entry():
    """Open a referent link: remember it in this browser's session and go to the group."""
    link = operations.link_for_token(request.args.get("t", ""))
    if link is None:
        return render_template("conferences/referent_invalid.html"), 404
    links = dict(session.get(REFERENT_SESSION_KEY, {}))
    links[str(link.group_id)] = link.id
    session[REFERENT_SESSION_KEY] = links
    session.permanent = True
    return redirect(url_for(".referent", group_id=link.group_id))


def _referent_group(group_id: int) -> Group:
    """The group, if this browser opened a link to it that still works; else 403."""
    link_id = session.get(REFERENT_SESSION_KEY, {}).get(str(group_id))
    link = db.session.get(ReferentLink, link_id) if link_id else None
    if link is None or not link.active or link.group_id != group_id:
        abort(403)
    return link.group


@bp.route("/r/<int:group_id>")
def referent(group_id: int):
    """The referent's tablet page: tasks, rules, points, slides, minutes, photos."""
    group = _referent_group(group_id)
    return render_template(
        "conferences/referent.html",
        group=group,
        round=group.round,
        conference=group.round.conference,
    )


@bp.route("/r/<int:group_id>/api/state")
def referent_state(group_id: int):
    """The group's current state."""
    group = _referent_group(group_id)
    return jsonify(sync.group_state(group))


@bp.route("/r/<int:group_id>/api/ops", methods=["POST"])
def referent_ops(group_id: int):
    """Apply the tablet's queued changes and answer with the results and the state."""
    group = _referent_group(group_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="invalid", message="expected a JSON object"), 400
    try:
        results = sync.apply_ops(group, body.get("ops"))
    except sync.OpError as exc:
        return jsonify(error=exc.code, message=str(exc)), 400
    db.session.commit()
    return jsonify(results=results, state=sync.group_state(group))


@bp.route("/r/<int:group_id>/api/hand-in", methods=["POST"])
def referent_hand_in(group_id: int):
    """ "Lever til plenum": lock the group's slides."""
    group = _referent_group(group_id)
    try:
        operations.hand_in_group(group)
    except OperationError as exc:
        return jsonify(ok=False, message=str(exc), state=sync.group_state(group)), 409
    db.session.commit()
    return jsonify(ok=True, state=sync.group_state(group))


@bp.route("/r/<int:group_id>/api/photos", methods=["POST"])
def referent_photo_upload(group_id: int):
    """Upload a photo of a flip chart or paper slide."""
    group = _referent_group(group_id)
    upload = request.files.get("photo")
    if upload is None:
        return jsonify(ok=False, message=_("Choose a photo.")), 400
    try:
        saved = photos.save_photo(group, upload.read(photos.MAX_BYTES + 1))
    except OperationError as exc:
        return jsonify(ok=False, message=str(exc)), 422
    db.session.commit()
    return jsonify(ok=True, id=saved.id, state=sync.group_state(group))


@bp.route("/r/<int:group_id>/photos/<int:photo_id>/<size>")
def referent_photo(group_id: int, photo_id: int, size: str):
    """A photo of the referent's own group."""
    group = _referent_group(group_id)
    found = db.session.get(Photo, photo_id)
    if found is None or found.group_id != group.id:
        abort(404)
    return _send_photo(found, size)


def project_conferences(project) -> list[Conference]:
    """The project's conferences, newest first (for the project page)."""
    return list(
        db.session.scalars(
            sa.select(Conference)
            .where(Conference.project_id == project.id)
            .order_by(Conference.date.desc(), Conference.id.desc())
        )
    )


# --- the summary document, corrections, tags and synthesis (issue 8) ----------------------


def _document(conference: Conference, document_id: int):
    from fieldkit.conferences.models import SummaryDocument

    document = db.session.get(SummaryDocument, document_id)
    if document is None or document.conference_id != conference.id:
        abort(404)
    return document


def _summary_page(project, conference, form, job=None, status=200):
    from fieldkit.conferences import summary_mail
    from fieldkit.conferences.models import SummaryDocument

    documents = db.session.scalars(
        sa.select(SummaryDocument)
        .where(SummaryDocument.conference_id == conference.id)
        .order_by(SummaryDocument.id.desc())
    ).all()
    logs = {d.id: summary_mail.send_log(d) for d in documents}
    return render_template(
        "conferences/summary.html",
        project=project,
        conference=conference,
        form=form,
        documents=documents,
        logs=logs,
        job=job,
    ), status


@bp.route("/p/<slug>/conferences/<int:conference_id>/summary", methods=["GET", "POST"])
@require_project_access
def summary(project, conference_id: int):
    """Choose what goes in and compile the summary document (a background job)."""
    from fieldkit.conferences import compile as compiler
    from fieldkit.conferences.forms import SummaryForm
    from fieldkit.core.jobs import enqueue
    from fieldkit.core.models import Job

    conference = _conference(project, conference_id)
    form = SummaryForm()
    if form.validate_on_submit():
        options = {
            "points": form.points.data,
            "photos": form.photos.data,
            "notes": form.notes.data,
            "synthesis": form.synthesis.data,
            "minutes": form.minutes.data,
            "language": _current_language(),
        }
        job = enqueue(
            compiler.compile_job,
            conference.id,
            form.format.data,
            options,
            current_user.id,
            created_by=_actor(),
            project=project,
        )
        return redirect(
            url_for(".summary", slug=project.slug, conference_id=conference.id, job=job.id)
        )
    job = None
    if request.args.get("job"):
        job = db.session.get(Job, request.args["job"])
        if job is None or job.project_id != project.id:
            job = None
    return _summary_page(project, conference, form, job, 422 if form.errors else 200)


def _current_language() -> str:
    from flask_babel import get_locale

    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def _document_response(document):
    """The stored file of a summary document, never cached."""
    from fieldkit.conferences import compile as compiler

    path = compiler.document_path(document)
    if not path.exists():
        abort(404)
    response = send_file(
        path,
        mimetype=compiler.MIMETYPES[document.format],
        as_attachment=document.format != "html",
        download_name=compiler.download_name(document),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    if document.format == "html":
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
        )
    return response


@bp.route("/p/<slug>/conferences/<int:conference_id>/summary/<int:document_id>")
@require_project_access
def summary_download(project, conference_id: int, document_id: int):
    """A compiled summary document, for members of the project."""
    conference = _conference(project, conference_id)
    return _document_response(_document(conference, document_id))


@bp.route(
    "/p/<slug>/conferences/<int:conference_id>/summary/<int:document_id>/send",
    methods=["GET", "POST"],
)
@require_project_access
def summary_send(project, conference_id: int, document_id: int):
    """E-mail a compiled document to every participant, attached or as a download link (a
    background job with a send log); the document's links and log."""
    from fieldkit.conferences import summary_links, summary_mail
    from fieldkit.conferences.forms import SendSummaryForm
    from fieldkit.core.jobs import enqueue
    from fieldkit.core.models import Job

    conference = _conference(project, conference_id)
    document = _document(conference, document_id)
    form = SendSummaryForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        job = enqueue(
            summary_mail.send_summary_job,
            document.id,
            current_user.id,
            form.method.data,
            form.days,
            created_by=_actor(),
            project=project,
        )
        if job.status.value == "failed":
            flash(_("Sending stopped: %(error)s", error=job.error or ""), "error")
        else:
            flash(_("The document is being sent to the participants."), "success")
        return redirect(
            url_for(
                ".summary_send",
                slug=project.slug,
                conference_id=conference.id,
                document_id=document.id,
                job=job.id,
            )
        )
    job = None
    if request.args.get("job"):
        job = db.session.get(Job, request.args["job"])
        if job is None or job.project_id != project.id:
            job = None
    log = summary_mail.send_log(document)
    links = summary_links.document_links(document)
    done = summary_mail.already_sent(document)
    return render_template(
        "conferences/summary_send.html",
        project=project,
        conference=conference,
        document=document,
        form=form,
        job=job,
        log=log,
        links=[
            {
                "link": link,
                "url": summary_links.url_for_link(link),
                "sent": sum(1 for e in log if e.link_id == link.id and e.status == "sent"),
            }
            for link in links
        ],
        revoke_form=EmptyForm(prefix="revoke"),
        # Those a sending now reaches: with an address, and not sent this document yet.
        with_address=sum(1 for p in conference.participants if p.email and p.id not in done),
        already=len(done),
    )


@bp.route(
    "/p/<slug>/conferences/<int:conference_id>/summary/<int:document_id>/links/<int:link_id>"
    "/revoke",
    methods=["POST"],
)
@require_project_access
def summary_link_revoke(project, conference_id: int, document_id: int, link_id: int):
    """Stop a download link from working."""
    from fieldkit.conferences import summary_links
    from fieldkit.conferences.models import SummaryLink

    conference = _conference(project, conference_id)
    document = _document(conference, document_id)
    link = db.session.get(SummaryLink, link_id)
    if link is None or link.document_id != document.id:
        abort(404)
    EmptyForm(prefix="revoke").validate_on_submit() or abort(400)
    try:
        summary_links.revoke_link(link, actor=_actor())
    except OperationError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The link no longer works."), "success")
    return redirect(
        url_for(
            ".summary_send", slug=project.slug, conference_id=conference.id, document_id=document.id
        )
    )


#: Failed download-link lookups allowed per client within the window.
FAILED_LINK_LIMIT = 20
FAILED_LINK_WINDOW = timedelta(minutes=10)


@bp.route("/d/<token>")
def summary_link_download(token: str):
    """The document behind a download link sent to the participants (no login)."""
    from fieldkit.conferences import summary_links
    from fieldkit.core import ratelimit

    client = request.remote_addr or "unknown"
    if ratelimit.too_many("summary-link", client, FAILED_LINK_LIMIT, FAILED_LINK_WINDOW):
        return render_template("conferences/summary_link_invalid.html", too_many=True), 429
    link = summary_links.link_for_token(token)
    if link is None or not _stored(link.document):
        # The same answer for unknown, revoked and expired links.
        ratelimit.hit("summary-link", client, FAILED_LINK_WINDOW)
        return render_template("conferences/summary_link_invalid.html", too_many=False), 404
    response = _document_response(link.document)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _stored(document) -> bool:
    """Whether the document's file is still there."""
    from fieldkit.conferences import compile as compiler

    return compiler.document_path(document).exists()


@bp.route("/p/<slug>/conferences/<int:conference_id>/points", methods=["GET", "POST"])
@require_project_access
def points(project, conference_id: int):
    """All points of the conference: tag them (in bulk), hide or show them."""
    from fieldkit.conferences import synthesis

    conference = _conference(project, conference_id)
    form = EmptyForm()
    tags = synthesis.project_tags(project)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        ids = {int(x) for x in request.form.getlist("point") if x.isdigit()}
        chosen = [p for p in synthesis.conference_points(conference) if p.id in ids]
        action = request.form.get("action", "")
        if not chosen:
            flash(_("Tick at least one point."), "error")
        elif action in ("hide", "show"):
            count = operations.hide_points(chosen, action == "hide", actor=_actor())
            db.session.commit()
            flash(_("%(count)d points changed.", count=count), "success")
        elif action.startswith(("tag:", "untag:")):
            verb, _sep, tag_id = action.partition(":")
            tag = next((t for t in tags if str(t.id) == tag_id), None)
            if tag is None:
                abort(400)
            count = synthesis.set_tag(chosen, tag, verb == "tag")
            db.session.commit()
            flash(_("%(count)d points changed.", count=count), "success")
        else:
            abort(400)
        return redirect(url_for(".points", slug=project.slug, conference_id=conference.id))
    all_points = synthesis.conference_points(conference)
    rows = []
    for round_ in conference.rounds:
        for group in round_.groups:
            rows.append(
                {
                    "round": round_,
                    "group": group,
                    "points": [p for p in all_points if p.group_id == group.id],
                }
            )
    return render_template(
        "conferences/points.html",
        project=project,
        conference=conference,
        rows=rows,
        tags=tags,
        form=form,
    )


@bp.route(
    "/p/<slug>/conferences/<int:conference_id>/points/<int:point_id>", methods=["GET", "POST"]
)
@require_project_access
def edit_point(project, conference_id: int, point_id: int):
    """Correct a point's wording for the summary (the original is kept) or hide it."""
    from fieldkit.conferences.forms import PointEditForm
    from fieldkit.conferences.models import Point

    conference = _conference(project, conference_id)
    point = db.session.get(Point, point_id)
    if point is None or point.group.round.conference_id != conference.id:
        abort(404)
    form = PointEditForm()
    if request.method == "GET":
        form.corrected_text.data = point.edit.corrected_text if point.edit else ""
        form.hidden.data = bool(point.edit and point.edit.hidden)
    if form.validate_on_submit():
        operations.edit_point(point, form.corrected_text.data, form.hidden.data, actor=_actor())
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".points", slug=project.slug, conference_id=conference.id))
    return render_template(
        "conferences/point_edit.html",
        project=project,
        conference=conference,
        point=point,
        form=form,
    ), (422 if form.errors else 200)


def _project_job(project, job_id: str | None):
    """A job of this project, or None."""
    from fieldkit.core.models import Job

    job = db.session.get(Job, job_id) if job_id else None
    return job if job is not None and job.project_id == project.id else None


#: The jobs whose files the synthesis page offers for download.
SYNTHESIS_JOBS = (
    "fieldkit.conferences.combined:combined_job",
    "fieldkit.conferences.synthesis:export_job",
)


@bp.route("/p/<slug>/conferences/synthesis", methods=["GET", "POST"])
@require_project_access
def synthesis_overview(project):
    """Themes × conferences for the project, the tags, the combined document and exports."""
    from fieldkit.conferences import synthesis
    from fieldkit.conferences.forms import TagForm
    from fieldkit.conferences.models import TagKind

    form = TagForm()
    suggest_form = EmptyForm(prefix="suggest")
    if request.method == "POST":
        if request.form.get("action") == "suggested":
            if not suggest_form.validate_on_submit():
                abort(400)
            count = synthesis.add_suggested_tags(project)
            db.session.commit()
            flash(_("%(count)d suggested tags added.", count=count), "success")
            return redirect(url_for(".synthesis_overview", slug=project.slug))
        if form.validate_on_submit():
            try:
                synthesis.add_tag(project, form.name.data, TagKind(form.kind.data))
            except synthesis.TagError as exc:
                form.name.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("Tag added."), "success")
                return redirect(url_for(".synthesis_overview", slug=project.slug))
    job = _project_job(project, request.args.get("job"))
    if job is not None and job.func not in SYNTHESIS_JOBS:
        job = None
    job_download = None
    if job is not None and job.status.value == "done":
        job_download = url_for(".synthesis_download", slug=project.slug, job_id=job.id)
    return render_template(
        "conferences/synthesis.html",
        project=project,
        overview=synthesis.project_overview(project),
        tags=synthesis.project_tags(project),
        form=form,
        suggest_form=suggest_form,
        job_form=EmptyForm(prefix="job"),
        job=job,
        job_download=job_download,
    ), (422 if form.errors else 200)


@bp.route("/p/<slug>/conferences/synthesis/points.<fmt>", methods=["POST"])
@require_project_access
def synthesis_export(project, fmt: str):
    """Export all points with group, round, task, tags and conference, as CSV or XLSX (a
    background job; the file is offered on the synthesis page when it is ready)."""
    from fieldkit.conferences import synthesis
    from fieldkit.core.jobs import enqueue

    if fmt not in synthesis.EXPORT_MIMETYPES:
        abort(404)
    EmptyForm(prefix="job").validate_on_submit() or abort(400)
    job = enqueue(
        synthesis.export_job, project.id, fmt, current_user.id, created_by=_actor(), project=project
    )
    return redirect(url_for(".synthesis_overview", slug=project.slug, job=job.id))


@bp.route("/p/<slug>/conferences/synthesis/combined.<fmt>", methods=["GET", "POST"])
@require_project_access
def synthesis_combined(project, fmt: str):
    """The combined synthesis document of all the project's conferences: PDF or DOCX made by a
    background job (POST), or HTML to read at once (GET)."""
    from fieldkit.conferences import combined
    from fieldkit.core.jobs import enqueue

    if request.method == "POST":
        if fmt not in ("pdf", "docx"):
            abort(404)
        EmptyForm(prefix="job").validate_on_submit() or abort(400)
        job = enqueue(
            combined.combined_job,
            project.id,
            fmt,
            _current_language(),
            current_user.id,
            created_by=_actor(),
            project=project,
        )
        return redirect(url_for(".synthesis_overview", slug=project.slug, job=job.id))
    if fmt != "html":
        abort(405 if fmt in ("pdf", "docx") else 404)
    content, mimetype = combined.render(project, fmt, _current_language())
    response = current_app.response_class(content, mimetype=mimetype)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/p/<slug>/conferences/synthesis/jobs/<job_id>/download")
@require_project_access
def synthesis_download(project, job_id: str):
    """The file a combined-document or export job of this project made."""

    job = _project_job(project, job_id)
    if job is None or job.func not in SYNTHESIS_JOBS or job.status.value != "done":
        abort(404)
    response = downloads.send("conference-exports", job.result)
    if response is None:
        flash(downloads.gone_message(), "error")
        return redirect(url_for(".synthesis_overview", slug=project.slug))
    return response


# --- tags -------------------------------------------------------------------------------------


def _tag(project, tag_id: int):
    from fieldkit.conferences.models import Tag

    tag = db.session.get(Tag, tag_id)
    if tag is None or tag.project_id != project.id:
        abort(404)
    return tag


@bp.route("/p/<slug>/conferences/synthesis/tags/<int:tag_id>/edit", methods=["GET", "POST"])
@require_project_access
def edit_tag(project, tag_id: int):
    """Rename a tag or change its kind; the points keep it."""
    from fieldkit.conferences import synthesis
    from fieldkit.conferences.forms import TagForm
    from fieldkit.conferences.models import TagKind

    tag = _tag(project, tag_id)
    form = TagForm(obj=tag)
    if request.method == "GET":
        form.kind.data = tag.kind.value
    if form.validate_on_submit():
        try:
            synthesis.rename_tag(tag, form.name.data, TagKind(form.kind.data), actor=_actor())
        except synthesis.TagError as exc:
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".synthesis_overview", slug=project.slug))
    return render_template(
        "conferences/tag_edit.html",
        project=project,
        tag=tag,
        form=form,
        points=len(synthesis.tagged_point_ids(tag)),
    ), (422 if form.errors else 200)


@bp.route("/p/<slug>/conferences/synthesis/tags/<int:tag_id>/delete", methods=["GET", "POST"])
@require_project_access
def delete_tag(project, tag_id: int):
    """Delete a tag after a confirmation page; the points lose it."""
    from fieldkit.conferences import synthesis

    tag = _tag(project, tag_id)
    form = EmptyForm()
    if request.method == "POST":
        form.validate_on_submit() or abort(400)
        name = tag.name
        count = synthesis.delete_tag(tag, actor=_actor())
        db.session.commit()
        flash(
            _(
                "The tag %(name)s is deleted and taken off %(count)d points.",
                name=name,
                count=count,
            ),
            "success",
        )
        return redirect(url_for(".synthesis_overview", slug=project.slug))
    return render_template(
        "conferences/tag_delete.html",
        project=project,
        tag=tag,
        form=form,
        points=len(synthesis.tagged_point_ids(tag)),
    )
