"""Setting up a conference (members of the project): create, edit and copy it, its rounds, the
participants, the groups of each round and the referents' cards."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from fieldkit.conferences.models import Conference, Group, Participant, Round
from fieldkit.conferences.setup import cards as referent_cards
from fieldkit.conferences.setup import erasure, links, operations
from fieldkit.conferences.setup.design import (
    DEMO_DESIGN,
    DesignError,
    load_design_file,
    read_design,
)
from fieldkit.conferences.setup.forms import (
    AutoGroupsForm,
    ConferenceForm,
    GroupNameForm,
    ImportDesignForm,
    ParticipantForm,
    ParticipantImportForm,
    RoundForm,
)
from fieldkit.core.access import require_project_access, roles_required
from fieldkit.core.confirm import erase_after_confirmation
from fieldkit.core.forms import EmptyForm
from fieldkit.core.loaders import acting_user, owned_or_404
from fieldkit.core.models import Role
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db

bp = Blueprint("setup", __name__)


@bp.route("/new", methods=["GET", "POST"])
@require_project_access
def new_conference(project):
    """Create a conference from a design file (or from the built-in Storbysatsingen design)."""
    form = ImportDesignForm()
    if request.form.get("action") == "builtin":
        EmptyForm().validate_on_submit() or abort(400)
        conference = operations.create_conference(
            project, load_design_file(DEMO_DESIGN), actor=acting_user()
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
            conference = operations.create_conference(project, design, actor=acting_user())
            db.session.commit()
            flash(_("Conference %(title)s created.", title=conference.title), "success")
            return redirect(url_for(".conference", slug=project.slug, conference_id=conference.id))
    return render_template(
        "conferences/setup/new.html", project=project, form=form, builtin_form=EmptyForm()
    ), (422 if form.errors else 200)


@bp.route("/<int:conference_id>/")
@require_project_access
def conference(project, conference_id: int):
    """A conference: its details, programme, rounds and the ways into facilitation."""
    conference = owned_or_404(Conference, conference_id, project)
    return render_template(
        "conferences/setup/conference.html",
        project=project,
        conference=conference,
        form=EmptyForm(),
    )


@bp.route("/<int:conference_id>/edit", methods=["GET", "POST"])
@require_project_access
def edit_conference(project, conference_id: int):
    """Change the conference's details and programme."""
    conference = owned_or_404(Conference, conference_id, project)
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
            actor=acting_user(),
        )
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".conference", slug=project.slug, conference_id=conference.id))
    return render_template(
        "conferences/setup/edit.html", project=project, conference=conference, form=form
    ), (422 if form.errors else 200)


@bp.route("/<int:conference_id>/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@require_project_access
def edit_round(project, conference_id: int, round_id: int):
    """Change a round's tasks and rules."""
    conference = owned_or_404(Conference, conference_id, project)
    round_ = owned_or_404(Round, round_id, conference, by="conference_id")
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
                actor=acting_user(),
            )
        except OperationError as exc:
            form.tasks.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".conference", slug=project.slug, conference_id=conference.id))
    return render_template(
        "conferences/setup/round_edit.html",
        project=project,
        conference=conference,
        round=round_,
        form=form,
    ), (422 if form.errors else 200)


@bp.route("/<int:conference_id>/copy", methods=["POST"])
@require_project_access
def copy_conference(project, conference_id: int):
    """A new conference with this one's design, without participants and points."""
    conference = owned_or_404(Conference, conference_id, project)
    EmptyForm().validate_on_submit() or abort(400)
    copy = operations.copy_conference(conference, actor=acting_user())
    db.session.commit()
    flash(_("Copied. Give the new conference its place and date."), "success")
    return redirect(url_for(".edit_conference", slug=project.slug, conference_id=copy.id))


# --- participants and groups ------------------------------------------------------------------


@bp.route("/<int:conference_id>/participants", methods=["GET", "POST"])
@require_project_access
def participants(project, conference_id: int):
    """The participants: list, add one, import a list."""
    conference = owned_or_404(Conference, conference_id, project)
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
                actor=acting_user(),
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
                    conference, upload.filename or "", upload.read(), actor=acting_user()
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
        "conferences/setup/participants.html",
        project=project,
        conference=conference,
        form=form,
        import_form=import_form,
        categories=operations.categories(project),
        remove_form=EmptyForm(),
    ), status


@bp.route("/<int:conference_id>/participants/<int:participant_id>/remove", methods=["POST"])
@require_project_access
def remove_participant(project, conference_id: int, participant_id: int):
    """Remove a participant."""
    conference = owned_or_404(Conference, conference_id, project)
    participant = owned_or_404(Participant, participant_id, conference, by="conference_id")
    EmptyForm().validate_on_submit() or abort(400)
    operations.remove_participant(participant, actor=acting_user())
    db.session.commit()
    return redirect(url_for(".participants", slug=project.slug, conference_id=conference.id))


@bp.route("/<int:conference_id>/participants/<int:participant_id>/erase", methods=["GET", "POST"])
@require_project_access
@roles_required(Role.RESEARCHER)
def erase_participant(project, conference_id: int, participant_id: int):
    """Erase a participant for good (GDPR), after a confirmation; researchers and admins only."""
    conference = owned_or_404(Conference, conference_id, project)
    participant = owned_or_404(Participant, participant_id, conference, by="conference_id")
    participants_page = url_for(".participants", slug=project.slug, conference_id=conference.id)
    return erase_after_confirmation(
        lambda: erasure.erase_participant(participant, actor=acting_user()),
        done=_("The participant is erased for good."),
        then=participants_page,
        heading=_("Erase participant %(name)s for good", name=participant.name),
        back=participants_page,
        what=_(
            "The participant, their places in groups and the messages to them in the outbox "
            "are deleted; their name and e-mail address are removed from the audit log, the "
            "job records, the send log of summaries and what the groups wrote (role labels, "
            "minutes, points, notes). Backups already made are not changed."
        ),
    )


@bp.route("/<int:conference_id>/rounds/<int:round_id>/groups", methods=["GET", "POST"])
@require_project_access
def groups(project, conference_id: int, round_id: int):
    """The groups of a round: make them automatically, then adjust who is in which."""
    conference = owned_or_404(Conference, conference_id, project)
    round_ = owned_or_404(Round, round_id, conference, by="conference_id")
    auto_form = AutoGroupsForm(prefix="auto", count=len(round_.groups) or 4)
    name_form = GroupNameForm(prefix="new")
    assign_form = EmptyForm(prefix="assign")
    status = 200
    if request.method == "POST":
        action = request.form.get("action")
        if action == "auto" and auto_form.validate_on_submit():
            try:
                made = operations.make_groups(
                    round_, auto_form.count.data, auto_form.strategy.data, actor=acting_user()
                )
            except OperationError as exc:
                auto_form.count.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("%(count)d groups made.", count=len(made)), "success")
                return redirect(request.path)
        elif action == "add" and name_form.validate_on_submit():
            operations.add_group(round_, name_form.name.data, actor=acting_user())
            db.session.commit()
            return redirect(request.path)
        elif action == "assign" and assign_form.validate_on_submit():
            chosen = {
                participant.id: int(raw)
                for participant in conference.participants
                if (raw := request.form.get(f"p{participant.id}", "")).isdigit()
            }
            operations.place_participants(round_, chosen)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(request.path)
        status = 422
    return render_template(
        "conferences/setup/groups.html",
        project=project,
        conference=conference,
        round=round_,
        auto_form=auto_form,
        name_form=name_form,
        assign_form=assign_form,
        placed=operations.memberships(round_),
        form=EmptyForm(),
    ), status


@bp.route("/<int:conference_id>/rounds/<int:round_id>/cards")
@require_project_access
def cards(project, conference_id: int, round_id: int):
    """Printable referent cards: group name, tasks and a QR code to the group's page."""
    conference = owned_or_404(Conference, conference_id, project)
    round_ = owned_or_404(Round, round_id, conference, by="conference_id")
    items = referent_cards.round_cards(round_)
    db.session.commit()  # the links made for groups that had none
    return render_template(
        "conferences/setup/cards.html",
        project=project,
        conference=conference,
        round=round_,
        cards=items,
    )


@bp.route("/<int:conference_id>/rounds/<int:round_id>/cards.pdf")
@require_project_access
def cards_pdf(project, conference_id: int, round_id: int):
    """The referent cards as a PDF, one A5 page per group."""
    conference = owned_or_404(Conference, conference_id, project)
    round_ = owned_or_404(Round, round_id, conference, by="conference_id")
    items = referent_cards.round_cards(round_)
    db.session.commit()  # the links made for groups that had none
    html = render_template(
        "pdf/conferences/cards.html", conference=conference, round=round_, cards=items
    )
    response = current_app.response_class(
        referent_cards.cards_pdf(html), mimetype="application/pdf"
    )
    response.headers["Content-Disposition"] = f'inline; filename="referentkort-{round_.id}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:conference_id>/groups/<int:group_id>/renew-link", methods=["POST"])
@require_project_access
def renew_link(project, conference_id: int, group_id: int):
    """Revoke the group's referent link and make a new one (print its card again)."""
    conference = owned_or_404(Conference, conference_id, project)
    group = owned_or_404(Group, group_id, conference, by="conference_id")
    EmptyForm().validate_on_submit() or abort(400)
    links.renew_link(group, actor=acting_user())
    db.session.commit()
    flash(
        _("The old link of %(group)s no longer works. Print its new card.", group=group.name),
        "success",
    )
    return redirect(
        url_for(".groups", slug=project.slug, conference_id=conference.id, round_id=group.round_id)
    )
