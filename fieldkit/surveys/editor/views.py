"""The questionnaire editor: create a questionnaire and edit its sections, items and lists.

Plain forms that work without JavaScript. Every change is made by a function of
``fieldkit.surveys.editor.edits`` and saved by ``editor.operations.save_edit`` (which applies
the versioning rules); a change that does not validate saves nothing and says why.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from fieldkit.core import access
from fieldkit.core.loaders import acting_user, owned_or_404
from fieldkit.extensions import db
from fieldkit.surveys.editor import edits, forms, operations
from fieldkit.surveys.models import Questionnaire
from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.questionnaires.definition import DefinitionError

bp = Blueprint("editor", __name__)

#: Loader keys (and form-reading places) -> the item form's field showing the message.
ITEM_FIELDS = {
    "relevant": "relevant",
    "constraint": "constraint",
    "options": "choices",
    "choices": "choices",
    "scale": "scale_from",
    "rows": "rows",
    "row_count": "row_count",
    "name": "name",
    "min": "minimum",
    "max": "maximum",
    "minimum": "minimum",
    "maximum": "maximum",
    "denominator": "denominator",
    "required": "required",
    "choice_list": "choice_list",
}


def _editor_url(project, record, anchor: str | None = None) -> str:
    return url_for(
        ".questionnaire_editor", slug=project.slug, qid=record.id, _anchor=anchor or None
    )


def _save(record, changed) -> operations.SaveOutcome:
    """Save and commit, and tell the researcher which versioning rule applied."""
    outcome = operations.save_edit(record, changed, actor=acting_user())
    db.session.commit()
    number = outcome.version.number
    if outcome.kind == operations.NEW_VERSION:
        flash(
            _(
                "The questionnaire has answers and this change alters its structure, so it was "
                "saved as a new version %(number)d.",
                number=number,
            ),
            "warning",
        )
    elif outcome.kind == operations.WORDING_FIXED:
        flash(
            _(
                "Wording fix saved in version %(number)d, which has answers; the change is "
                "recorded in the audit log.",
                number=number,
            ),
            "success",
        )
    else:
        flash(_("Saved in version %(number)d.", number=number), "success")
    return outcome


def _refusal(exc: DefinitionError) -> str:
    return _("Not saved: %(reason)s", reason=str(exc))


def _text_languages(q: definition.Questionnaire) -> list[tuple[str, str]]:
    return [(code, str(forms.LANGUAGE_NAMES[code])) for code in q.languages]


def _all_languages() -> list[tuple[str, str]]:
    return [(code, str(forms.LANGUAGE_NAMES[code])) for code in definition.LANGUAGES]


@bp.route("/questionnaires/new", methods=["GET", "POST"])
@access.require_project_access
def questionnaire_new(project):
    """Create a questionnaire from scratch: title, introduction and languages."""
    form = forms.SettingsForm(data={"languages": ["nb"]} if request.method == "GET" else None)
    problem = None
    if forms.validate_settings(form):
        languages = forms.ordered_languages(form)
        try:
            record = operations.create_blank(
                project,
                title=forms.read_text(form, "title", languages),
                intro=forms.read_text(form, "intro", languages),
                languages=languages,
                actor=acting_user(),
            )
        except DefinitionError as exc:
            db.session.rollback()
            problem = _refusal(exc)
        else:
            db.session.commit()
            flash(_("Questionnaire %(title)s created.", title=record.title), "success")
            return redirect(_editor_url(project, record))
    status = 422 if form.errors or problem else 200
    return render_template(
        "surveys/editor/new.html",
        project=project,
        form=form,
        problem=problem,
        all_languages=_all_languages(),
    ), status


@bp.route("/questionnaires/<int:qid>/edit/")
@access.require_project_access
def questionnaire_editor(project, qid: int):
    """The editor: sections and items with their actions, shared choice lists, add forms."""
    record = owned_or_404(Questionnaire, qid, project)
    q = record.current.definition
    add_item = forms.AddItemForm(request.args)
    add_item.section.choices = [
        (s.name, definition.text_in(s.title, "nb") or s.name) for s in q.sections
    ]
    return render_template(
        "surveys/editor/editor.html",
        project=project,
        record=record,
        version=record.current,
        q=q,
        add_item=add_item,
        add_section=forms.AddSectionForm(),
        type_names=forms.TYPE_NAMES,
        list_users={name: edits.list_users(q, name) for name in q.choice_lists},
    )


@bp.route("/questionnaires/<int:qid>/edit/settings", methods=["GET", "POST"])
@access.require_project_access
def editor_settings(project, qid: int):
    """Title, introduction, languages and mode of a questionnaire."""
    record = owned_or_404(Questionnaire, qid, project)
    q = record.current.definition
    form = forms.SettingsForm(data=forms.settings_data(q) if request.method == "GET" else None)
    problem = None
    if forms.validate_settings(form):
        languages = forms.ordered_languages(form)
        try:
            changed = edits.set_settings(
                q,
                title=forms.read_text(form, "title", languages, q.title),
                intro=forms.read_text(form, "intro", languages, q.intro),
                languages=languages,
                anonymous=form.anonymous.data,
                interviewer_assisted_allowed=form.interviewer_assisted_allowed.data,
            )
            _save(record, changed)
        except DefinitionError as exc:
            db.session.rollback()
            problem = _refusal(exc)
        else:
            return redirect(_editor_url(project, record))
    status = 422 if form.errors or problem else 200
    return render_template(
        "surveys/editor/settings.html",
        project=project,
        record=record,
        form=form,
        problem=problem,
        all_languages=_all_languages(),
    ), status


@bp.route("/questionnaires/<int:qid>/edit/new-section", methods=["POST"])
@access.require_project_access
def editor_section_add(project, qid: int):
    """Append a section."""
    record = owned_or_404(Questionnaire, qid, project)
    q = record.current.definition
    form = forms.AddSectionForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please submit it again."), "error")
        return redirect(_editor_url(project, record))
    title = (form.title.data or "").strip()
    try:
        changed = edits.add_section(q, title={q.languages[0]: title} if title else {})
        _save(record, changed)
    except DefinitionError as exc:
        db.session.rollback()
        flash(_refusal(exc), "error")
        return redirect(_editor_url(project, record))
    return redirect(_editor_url(project, record, f"section-{changed.sections[-1].name}"))


@bp.route("/questionnaires/<int:qid>/edit/sections/<name>", methods=["GET", "POST"])
@access.require_project_access
def editor_section(project, qid: int, name: str):
    """A section's name, title per language and condition."""
    record = owned_or_404(Questionnaire, qid, project)
    q = record.current.definition
    section = next((s for s in q.sections if s.name == name), None)
    if section is None:
        abort(404)
    data = None
    if request.method == "GET":
        data = {
            "name": section.name,
            **forms.text_data("title", section.title),
            "relevant": section.relevant or "",
        }
    form = forms.SectionForm(data=data)
    problem = None
    if form.validate_on_submit():
        try:
            changed = edits.update_section(
                q,
                name,
                new_name=form.name.data.strip(),
                title=forms.read_text(form, "title", q.languages, section.title),
                relevant=(form.relevant.data or "").strip() or None,
            )
            _save(record, changed)
        except DefinitionError as exc:
            db.session.rollback()
            new_name = form.name.data.strip()
            place = tuple(getattr(exc, key, None) for key in ("section", "item", "field"))
            if place == (new_name, None, "relevant"):
                form.relevant.errors = [*form.relevant.errors, exc.message]
            else:
                problem = _refusal(exc)
        else:
            return redirect(_editor_url(project, record, f"section-{form.name.data.strip()}"))
    status = 422 if form.errors or problem else 200
    return render_template(
        "surveys/editor/section.html",
        project=project,
        record=record,
        section=section,
        form=form,
        problem=problem,
        text_languages=_text_languages(q),
    ), status


@bp.route("/questionnaires/<int:qid>/edit/sections/<name>/delete", methods=["GET", "POST"])
@access.require_project_access
def editor_section_delete(project, qid: int, name: str):
    """Confirm, then delete a section with its items."""
    record = owned_or_404(Questionnaire, qid, project)
    q = record.current.definition
    section = next((s for s in q.sections if s.name == name), None)
    if section is None:
        abort(404)
    form = forms.ConfirmForm()
    problem = None
    if form.validate_on_submit():
        try:
            _save(record, edits.delete_section(q, name))
        except DefinitionError as exc:
            db.session.rollback()
            problem = _refusal(exc)
        else:
            return redirect(_editor_url(project, record))
    return render_template(
        "surveys/editor/delete.html",
        project=project,
        record=record,
        form=form,
        problem=problem,
        heading=_("Delete section %(name)s?", name=name),
        consequence=_(
            "The section and its %(count)d questions are removed from the questionnaire.",
            count=len(section.items),
        ),
    ), (422 if problem else 200)


@bp.route("/questionnaires/<int:qid>/edit/move", methods=["POST"])
@access.require_project_access
def editor_move(project, qid: int):
    """Move a section or an item one place up or down."""
    record = owned_or_404(Questionnaire, qid, project)
    q = record.current.definition
    form = forms.MoveForm()
    if not form.validate_on_submit() or form.kind.data not in ("item", "section"):
        abort(400)
    direction = {"up": edits.UP, "down": edits.DOWN}.get(form.direction.data)
    if direction is None:
        abort(400)
    move = edits.move_item if form.kind.data == "item" else edits.move_section
    anchor = f"{form.kind.data}-{form.name.data}"
    try:
        _save(record, move(q, form.name.data, direction))
    except DefinitionError as exc:
        db.session.rollback()
        flash(_refusal(exc), "error")
    return redirect(_editor_url(project, record, anchor))


def _item_page(project, record, q, form, item, section_name, problem):
    status = 422 if form.errors or problem else 200
    return render_template(
        "surveys/editor/item.html",
        project=project,
        record=record,
        q=q,
        form=form,
        item=item,
        section_name=section_name,
        item_type=form.type.data,
        problem=problem,
        text_languages=_text_languages(q),
        type_names=forms.TYPE_NAMES,
        choice_types=definition.CHOICE_TYPES,
        grid_types=definition.GRID_TYPES,
        number_types=definition.NUMBER_TYPES,
    ), status


def _prepare_item_form(form, q) -> None:
    form.choice_list.choices = [(forms.OWN_CHOICES, _("Own choices (below)"))] + [
        (name, _("Shared list %(name)s", name=name)) for name in q.choice_lists
    ]


def _attach_error(form, exc: DefinitionError, item_name: str) -> bool:
    """Show the message at the field it concerns, when it concerns this item; say if it did."""
    if hasattr(exc, "item") and exc.item != item_name:
        return False
    key = getattr(exc, "field", None) or exc.path
    field_name = ITEM_FIELDS.get(key)
    if field_name == "choices" and form.type.data == definition.TABLE:
        field_name = None
    if field_name and field_name in form:
        form[field_name].errors = [*form[field_name].errors, exc.message]
        return True
    return False


@bp.route("/questionnaires/<int:qid>/edit/new-item", methods=["GET", "POST"])
@access.require_project_access
def editor_item_new(project, qid: int):
    """A new item of the chosen type at the end of the chosen section."""
    record = owned_or_404(Questionnaire, qid, project)
    q = record.current.definition
    section_name = request.values.get("section", "")
    item_type = request.values.get("type", "")
    if section_name not in {s.name for s in q.sections} or item_type not in definition.ITEM_TYPES:
        abort(404)
    data = None
    if request.method == "GET":
        data = forms.item_data(definition.Item(name="", type=item_type))
    form = forms.ItemForm(data=data)
    _prepare_item_form(form, q)
    problem = None
    if form.validate_on_submit():
        try:
            item = forms.read_item(form, q.languages, None, q.choice_lists)
            _save(record, edits.add_item(q, section_name, item))
        except DefinitionError as exc:
            db.session.rollback()
            if not _attach_error(form, exc, (form.name.data or "").strip()):
                problem = _refusal(exc)
        else:
            return redirect(_editor_url(project, record, f"item-{item.name}"))
    return _item_page(project, record, q, form, None, section_name, problem)


@bp.route("/questionnaires/<int:qid>/edit/items/<name>", methods=["GET", "POST"])
@access.require_project_access
def editor_item(project, qid: int, name: str):
    """Edit an item: texts per language, condition, validation, choices, rows, columns."""
    record = owned_or_404(Questionnaire, qid, project)
    q = record.current.definition
    item = q.item(name)
    if item is None:
        abort(404)
    form = forms.ItemForm(data=forms.item_data(item) if request.method == "GET" else None)
    _prepare_item_form(form, q)
    problem = None
    submitted = form.validate_on_submit()
    if submitted and form.based_on.data != edits.fingerprint(item):
        problem = _(
            "Someone else changed this question after you opened it, so your change was not "
            "saved. Open the question again to see the current version."
        )
    elif submitted:
        try:
            changed_item = forms.read_item(form, q.languages, item, q.choice_lists)
            _save(record, edits.update_item(q, name, changed_item))
        except DefinitionError as exc:
            db.session.rollback()
            if not _attach_error(form, exc, (form.name.data or "").strip()):
                problem = _refusal(exc)
        else:
            return redirect(_editor_url(project, record, f"item-{changed_item.name}"))
    section_name = q.sections[edits.locate(q, name)[0]].name
    return _item_page(project, record, q, form, item, section_name, problem)


@bp.route("/questionnaires/<int:qid>/edit/items/<name>/delete", methods=["GET", "POST"])
@access.require_project_access
def editor_item_delete(project, qid: int, name: str):
    """Confirm, then delete an item."""
    record = owned_or_404(Questionnaire, qid, project)
    q = record.current.definition
    item = q.item(name)
    if item is None:
        abort(404)
    form = forms.ConfirmForm()
    problem = None
    if form.validate_on_submit():
        try:
            _save(record, edits.delete_item(q, name))
        except DefinitionError as exc:
            db.session.rollback()
            problem = _refusal(exc)
        else:
            return redirect(_editor_url(project, record))
    label = definition.text_in(item.label, q.languages[0])
    return render_template(
        "surveys/editor/delete.html",
        project=project,
        record=record,
        form=form,
        problem=problem,
        heading=_("Delete question %(name)s?", name=name),
        consequence=label,
    ), (422 if problem else 200)


@bp.route("/questionnaires/<int:qid>/edit/new-list", methods=["GET", "POST"])
@bp.route("/questionnaires/<int:qid>/edit/lists/<name>", methods=["GET", "POST"])
@access.require_project_access
def editor_choice_list(project, qid: int, name: str | None = None):
    """Create or edit a shared choice list; items reusing it follow."""
    record = owned_or_404(Questionnaire, qid, project)
    q = record.current.definition
    if name is not None and name not in q.choice_lists:
        abort(404)
    data = None
    if request.method == "GET":
        data = forms.choice_list_data(name or "", q.choice_lists.get(name, []))
    form = forms.ChoiceListForm(data=data)
    problem = None
    if form.validate_on_submit():
        try:
            choices = forms.read_choices(form.choices, q.languages, q.choice_lists.get(name, []))
            changed = edits.save_choice_list(q, name, form.name.data.strip(), choices)
            _save(record, changed)
        except DefinitionError as exc:
            db.session.rollback()
            problem = _refusal(exc)
        else:
            return redirect(_editor_url(project, record, "choice-lists"))
    return render_template(
        "surveys/editor/choice_list.html",
        project=project,
        record=record,
        form=form,
        name=name,
        users=edits.list_users(q, name) if name else [],
        problem=problem,
        text_languages=_text_languages(q),
    ), (422 if form.errors or problem else 200)


@bp.route("/questionnaires/<int:qid>/edit/lists/<name>/delete", methods=["GET", "POST"])
@access.require_project_access
def editor_choice_list_delete(project, qid: int, name: str):
    """Confirm, then delete a shared choice list that no item reuses."""
    record = owned_or_404(Questionnaire, qid, project)
    q = record.current.definition
    if name not in q.choice_lists:
        abort(404)
    form = forms.ConfirmForm()
    problem = None
    if form.validate_on_submit():
        try:
            _save(record, edits.delete_choice_list(q, name))
        except DefinitionError as exc:
            db.session.rollback()
            problem = _refusal(exc)
        else:
            return redirect(_editor_url(project, record, "choice-lists"))
    users = edits.list_users(q, name)
    return render_template(
        "surveys/editor/delete.html",
        project=project,
        record=record,
        form=form,
        problem=problem,
        heading=_("Delete choice list %(name)s?", name=name),
        consequence=_("Used by: %(items)s.", items=", ".join(users)) if users else None,
    ), (422 if problem else 200)
