"""Forms of the questionnaire editor, and turning their data into definition parts.

Texts are edited per offered language: a text ``label`` has the fields ``label_nb``,
``label_nn`` and ``label_en``; pages show only the questionnaire's languages, and the texts of
other languages are kept as they were. Choice, row and column tables have a few blank lines for
adding; a blank line is ignored and a ticked "remove" drops a line.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from fieldkit.surveys.editor import edits
from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.questionnaires.definition import (
    CHOICE_TYPES,
    LANGUAGES,
    Choice,
    Column,
    DefinitionError,
    Item,
    Row,
    Text,
)

LANGUAGE_NAMES = {"nb": _l("bokmål"), "nn": _l("nynorsk"), "en": _l("English")}

TYPE_NAMES = {
    definition.NOTE: _l("Note or instruction (no answer)"),
    definition.SINGLE: _l("Single choice"),
    definition.MULTIPLE: _l("Multiple choice"),
    definition.GRID_SINGLE: _l("Grid, one choice per row"),
    definition.GRID_MULTIPLE: _l("Grid, several choices per row"),
    definition.TABLE: _l("Table of repeated rows"),
    definition.INTEGER: _l("Whole number"),
    definition.DECIMAL: _l("Decimal number"),
    definition.FRACTION: _l("Fraction (x of N)"),
    definition.TEXT: _l("Short text"),
    definition.LONG_TEXT: _l("Long text"),
    definition.DATE: _l("Date"),
}

COLUMN_TYPE_NAMES = {
    definition.INTEGER: _l("Whole number"),
    definition.DECIMAL: _l("Decimal number"),
    definition.TEXT: _l("Short text"),
}

#: Blank lines offered for adding choices, rows and columns.
BLANK_CHOICES, BLANK_ROWS, BLANK_COLUMNS = 3, 2, 1


def _with_texts(namespace: dict, name: str, label, textarea: bool = False) -> None:
    """Add ``<name>_nb``, ``<name>_nn`` and ``<name>_en`` to a form class being defined."""
    kind = TextAreaField if textarea else StringField
    for language in LANGUAGES:
        namespace[f"{name}_{language}"] = kind(
            _l("%(what)s (%(language)s)", what=label, language=LANGUAGE_NAMES[language]),
            validators=[Length(max=5000)],
        )


def read_text(form, name: str, languages: list[str], old: Text | None = None) -> Text:
    """The text ``name`` from a form: offered languages from the form, others kept from ``old``."""
    text = {k: v for k, v in (old or {}).items() if k not in languages}
    for language in languages:
        value = (form[f"{name}_{language}"].data or "").strip()
        if value:
            text[language] = value
    return {language: text[language] for language in LANGUAGES if language in text}


def text_data(name: str, text: Text) -> dict[str, str]:
    """Form data for the text ``name``."""
    return {f"{name}_{language}": text.get(language, "") for language in LANGUAGES}


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


# --------------------------------------------------------------------------------------------
# Questionnaire settings and sections


def _settings_fields() -> dict:
    namespace: dict = {}
    _with_texts(namespace, "title", _l("Title"))
    _with_texts(namespace, "intro", _l("Introduction"), textarea=True)
    namespace["languages"] = MultiCheckboxField(
        _l("Languages offered to respondents"),
        choices=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        validators=[DataRequired(_l("Choose at least one language."))],
    )
    namespace["anonymous"] = BooleanField(_l("Anonymous (no link between answers and persons)"))
    namespace["interviewer_assisted_allowed"] = BooleanField(
        _l("An interviewer may fill in the form with the respondent")
    )
    return namespace


SettingsForm = type("SettingsForm", (FlaskForm,), _settings_fields())


def settings_data(q: definition.Questionnaire) -> dict:
    return {
        **text_data("title", q.title),
        **text_data("intro", q.intro),
        "languages": list(q.languages),
        "anonymous": q.anonymous,
        "interviewer_assisted_allowed": q.interviewer_assisted_allowed,
    }


def ordered_languages(form) -> list[str]:
    return [code for code in LANGUAGES if code in (form.languages.data or [])]


def validate_settings(form) -> bool:
    """Also require a title in the first offered language."""
    if not form.validate_on_submit():
        return False
    languages = ordered_languages(form)
    first = f"title_{languages[0]}"
    if not (form[first].data or "").strip():
        form[first].errors.append(_l("Give the title at least in the first language offered."))
        return False
    return True


def _section_fields() -> dict:
    namespace: dict = {
        "name": StringField(
            _l("Section name"),
            description=_l("Letters, digits and _; used in exports and conditions."),
            validators=[DataRequired(), Length(max=32)],
        )
    }
    _with_texts(namespace, "title", _l("Title"))
    namespace["relevant"] = StringField(
        _l("Shown only when"),
        description=_l("A condition on earlier answers, e.g. ${q19} = '1'. Empty: always shown."),
        validators=[Length(max=2000)],
    )
    return namespace


SectionForm = type("SectionForm", (FlaskForm,), _section_fields())


class AddSectionForm(FlaskForm):
    title = StringField(_l("Title of the new section"), validators=[Length(max=300)])


class MoveForm(FlaskForm):
    """Move a section or an item one place up or down."""

    kind = HiddenField(validators=[DataRequired()])
    name = HiddenField(validators=[DataRequired()])
    direction = HiddenField(validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: a button that deletes after the researcher confirmed."""


class AddItemForm(Form):
    """Choose where and what to add (a GET form: it only opens the new question's page)."""

    section = SelectField(_l("Section"))
    type = SelectField(_l("Type"), choices=list(TYPE_NAMES.items()))


# --------------------------------------------------------------------------------------------
# Choices, rows and columns


def _choice_fields() -> dict:
    namespace: dict = {"code": StringField(_l("Code"), validators=[Length(max=32)])}
    _with_texts(namespace, "label", _l("Label"))
    namespace["other"] = BooleanField(_l("Other: opens a text field"))
    namespace["nonsubstantive"] = BooleanField(_l("Non-substantive (don't know)"))
    namespace["exclusive"] = BooleanField(_l("Exclusive"))
    namespace["remove"] = BooleanField(_l("Remove"))
    return namespace


ChoiceLine = type("ChoiceLine", (Form,), _choice_fields())


def _row_fields() -> dict:
    namespace: dict = {"name": StringField(_l("Variable name"), validators=[Length(max=32)])}
    _with_texts(namespace, "label", _l("Label"))
    namespace["other"] = BooleanField(_l('Has a text field ("Other: ___")'))
    namespace["remove"] = BooleanField(_l("Remove"))
    return namespace


RowLine = type("RowLine", (Form,), _row_fields())


def _column_fields() -> dict:
    namespace: dict = {
        "name": StringField(_l("Column name"), validators=[Length(max=32)]),
        "type": SelectField(_l("Column type"), choices=list(COLUMN_TYPE_NAMES.items())),
    }
    _with_texts(namespace, "label", _l("Label"))
    _with_texts(namespace, "unit", _l("Unit"))
    namespace["remove"] = BooleanField(_l("Remove"))
    return namespace


ColumnLine = type("ColumnLine", (Form,), _column_fields())


def choice_data(choice: Choice) -> dict:
    return {
        "code": choice.code,
        **text_data("label", choice.label),
        "other": choice.other,
        "nonsubstantive": choice.nonsubstantive,
        "exclusive": choice.exclusive,
    }


def _blank(line) -> bool:
    return not any(
        (value or "").strip() if isinstance(value, str) else False
        for key, value in line.data.items()
        if key not in ("type",)
    )


def read_choices(lines: FieldList, languages: list[str], old: list[Choice]) -> list[Choice]:
    """The choices of a choice table; a missing code becomes the next free whole number."""
    by_code = {c.code: c for c in old}
    kept = [line for line in lines if not line.form.remove.data and not _blank(line)]
    used = {(line.form.code.data or "").strip() for line in kept}
    next_code = 1
    choices = []
    for number, line in enumerate(kept, start=1):
        code = (line.form.code.data or "").strip()
        if not code:
            while str(next_code) in used:
                next_code += 1
            code = str(next_code)
            used.add(code)
        if any(c.code == code for c in choices):
            raise DefinitionError(
                "choices",
                str(
                    _l(
                        "Choice %(number)d: the code '%(code)s' is used twice.",
                        number=number,
                        code=code,
                    )
                ),
            )
        if not definition.CODE_PATTERN.match(code):
            raise DefinitionError(
                "choices",
                str(
                    _l(
                        "Choice %(number)d: the code '%(code)s' must be 1-32 letters, digits or _.",
                        number=number,
                        code=code,
                    )
                ),
            )
        previous = by_code.get(code)
        choices.append(
            Choice(
                code=code,
                label=read_text(line, "label", languages, previous.label if previous else None),
                other=bool(line.form.other.data),
                nonsubstantive=bool(line.form.nonsubstantive.data),
                exclusive=bool(line.form.exclusive.data),
            )
        )
    return choices


def read_rows(lines: FieldList, languages: list[str], old: list[Row], item_name: str):
    """The rows of a grid; a missing variable name becomes ``<item>_<n>``."""
    by_name = {r.name: r for r in old}
    rows = []
    for line in lines:
        if line.form.remove.data or _blank(line):
            continue
        name = (line.form.name.data or "").strip() or f"{item_name}_{len(rows) + 1}"
        previous = by_name.get(name)
        rows.append(
            Row(
                name=name,
                label=read_text(line, "label", languages, previous.label if previous else None),
                other=bool(line.form.other.data),
            )
        )
    return rows


def read_columns(lines: FieldList, languages: list[str], old: list[Column]):
    """The columns of a repeated-row table."""
    by_name = {c.name: c for c in old}
    columns = []
    for line in lines:
        if line.form.remove.data or _blank(line):
            continue
        name = (line.form.name.data or "").strip()
        previous = by_name.get(name)
        columns.append(
            Column(
                name=name,
                type=line.form.type.data,
                label=read_text(line, "label", languages, previous.label if previous else None),
                unit=read_text(line, "unit", languages, previous.unit if previous else None),
            )
        )
    return columns


def _choice_list_fields() -> dict:
    return {
        "name": StringField(
            _l("List name"),
            description=_l("Letters, digits and _, e.g. janei or enighet."),
            validators=[DataRequired(), Length(max=32)],
        ),
        "choices": FieldList(FormField(ChoiceLine), label=_l("Choices"), min_entries=0),
    }


ChoiceListForm = type("ChoiceListForm", (FlaskForm,), _choice_list_fields())


def choice_list_data(name: str, choices: list[Choice]) -> dict:
    lines = [choice_data(c) for c in choices] + [{}] * BLANK_CHOICES
    return {"name": name, "choices": lines}


# --------------------------------------------------------------------------------------------
# Items


def _item_fields() -> dict:
    namespace: dict = {
        #: The fingerprint of the item as the page showed it (see ``edits.fingerprint``).
        "based_on": HiddenField(),
        "type": SelectField(_l("Type"), choices=list(TYPE_NAMES.items())),
        "number": StringField(
            _l("Number"),
            description=_l("Printed before the question, e.g. 19 or 19a. Empty: unnumbered."),
            validators=[Length(max=10)],
        ),
        "name": StringField(
            _l("Variable name"),
            description=_l(
                "A letter, then letters, digits or _ (at most 32). Used in exports. "
                "Empty: q and the number, e.g. q19."
            ),
            validators=[Length(max=32)],
        ),
    }
    _with_texts(namespace, "label", _l("Text"), textarea=True)
    _with_texts(namespace, "hint", _l("Hint"))
    _with_texts(namespace, "unit", _l("Unit"))
    namespace.update(
        required=BooleanField(_l("Required")),
        soft_required=BooleanField(_l("Soft-required: warn once, then let the respondent go on")),
        relevant=StringField(
            _l("Shown only when"),
            description=_l(
                "A condition on earlier answers, e.g. ${q19} = '1' or selected(${q14}, 'annet'). "
                "Empty: always shown."
            ),
            validators=[Length(max=2000)],
        ),
        layout=SelectField(
            _l("Layout"),
            choices=[("vertical", _l("Vertical list")), ("horizontal", _l("Horizontal scale"))],
            validate_choice=False,
        ),
        ordinal=BooleanField(_l("The choices are ordered (a scale)")),
        choice_list=SelectField(_l("Choices from"), choices=[], validate_choice=False),
        scale_from=IntegerField(_l("Scale from"), validators=[Optional()]),
        scale_to=IntegerField(_l("Scale to"), validators=[Optional()]),
        choices=FieldList(FormField(ChoiceLine), label=_l("Choices"), min_entries=0),
        rows=FieldList(FormField(RowLine), label=_l("Rows"), min_entries=0),
        columns=FieldList(FormField(ColumnLine), label=_l("Columns"), min_entries=0),
        row_count=IntegerField(
            _l("Number of rows"), validators=[Optional(), NumberRange(min=1, max=100)]
        ),
        minimum=StringField(_l("Smallest allowed"), validators=[Length(max=30)]),
        maximum=StringField(_l("Largest allowed"), validators=[Length(max=30)]),
        min_choices=IntegerField(_l("Tick at least"), validators=[Optional(), NumberRange(min=0)]),
        max_choices=IntegerField(_l("Tick at most"), validators=[Optional(), NumberRange(min=1)]),
        denominator=IntegerField(
            _l('Out of (N in "x of N")'), validators=[Optional(), NumberRange(min=1)]
        ),
        constraint=StringField(
            _l("Constraint"),
            description=_l(
                "Every answer must meet it; . stands for the answer: . >= 0 and . <= 10"
            ),
            validators=[Length(max=2000)],
        ),
    )
    _with_texts(namespace, "constraint_message", _l("Message when the constraint fails"))
    return namespace


ItemForm = type("ItemForm", (FlaskForm,), _item_fields())

OWN_CHOICES = ""


def item_data(item: Item) -> dict:
    """Form data showing ``item``, with blank lines for adding."""
    data = {
        "based_on": edits.fingerprint(item) if item.name else "",
        "type": item.type,
        "number": item.number or "",
        "name": item.name,
        **text_data("label", item.label),
        **text_data("hint", item.hint),
        **text_data("unit", item.unit),
        **text_data("constraint_message", item.constraint_message),
        "required": item.required,
        "soft_required": item.soft_required,
        "relevant": item.relevant or "",
        "layout": item.layout,
        "ordinal": item.ordinal,
        "choice_list": item.choice_list or OWN_CHOICES,
        # A reused list's choices are shown too, so that choosing "own choices" starts from them.
        "choices": [choice_data(c) for c in item.choices] + [{}] * BLANK_CHOICES,
        "rows": [
            {"name": r.name, **text_data("label", r.label), "other": r.other} for r in item.rows
        ]
        + [{}] * BLANK_ROWS,
        "columns": [
            {
                "name": c.name,
                "type": c.type,
                **text_data("label", c.label),
                **text_data("unit", c.unit),
            }
            for c in item.columns
        ]
        + [{}] * BLANK_COLUMNS,
        "row_count": item.row_count or None,
        "minimum": _number_text(item.minimum),
        "maximum": _number_text(item.maximum),
        "min_choices": item.min_choices,
        "max_choices": item.max_choices,
        "denominator": item.denominator,
        "constraint": item.constraint or "",
    }
    return data


def _number_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f").replace(".", ",")


def _read_number(field) -> Decimal | None:
    raw = (field.data or "").strip().replace(" ", "")
    if not raw:
        return None
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise DefinitionError(
            field.name, str(_l("'%(value)s' is not a number.", value=field.data))
        ) from None


def read_item(form, languages: list[str], old: Item | None, lists: dict) -> Item:
    """The item the form describes; raises ``DefinitionError`` for what the form cannot say."""
    base = old or Item(name="", type=form.type.data)
    item_type = form.type.data
    number = (form.number.data or "").strip() or None
    name = (form.name.data or "").strip()
    if not name:
        if number is None:
            raise DefinitionError(
                "name", str(_l("Give a variable name, or a number to name the question after."))
            )
        name = "q" + re.sub(r"[^A-Za-z0-9_]", "_", number)
    item = Item(
        name=name,
        type=item_type,
        number=number,
        label=read_text(form, "label", languages, base.label),
        hint=read_text(form, "hint", languages, base.hint),
        unit=read_text(form, "unit", languages, base.unit),
        constraint_message=read_text(
            form, "constraint_message", languages, base.constraint_message
        ),
        required=bool(form.required.data),
        soft_required=bool(form.soft_required.data),
        relevant=(form.relevant.data or "").strip() or None,
        layout=form.layout.data or "vertical",
        ordinal=bool(form.ordinal.data),
        minimum=_read_number(form.minimum),
        maximum=_read_number(form.maximum),
        min_choices=form.min_choices.data,
        max_choices=form.max_choices.data,
        denominator=form.denominator.data,
        row_count=form.row_count.data or 0,
        constraint=(form.constraint.data or "").strip() or None,
    )
    if item_type in CHOICE_TYPES:
        list_name = form.choice_list.data or OWN_CHOICES
        if list_name != OWN_CHOICES:
            if list_name not in lists:
                raise DefinitionError(
                    "choice_list",
                    str(_l("There is no choice list named '%(name)s'.", name=list_name)),
                )
            item.choice_list = list_name
        else:
            item.choices = read_choices(form.choices, languages, base.choices)
            start, end = form.scale_from.data, form.scale_to.data
            if start is not None or end is not None:
                if start is None or end is None:
                    raise DefinitionError(
                        "scale", str(_l("Give both ends of the scale, or neither."))
                    )
                item.choices = edits.scale_choices(start, end, item.choices)
                item.ordinal = True
                item.layout = "horizontal"
    if item_type in definition.GRID_TYPES:
        item.rows = read_rows(form.rows, languages, base.rows, item.name)
    if item_type == definition.TABLE:
        item.columns = read_columns(form.columns, languages, base.columns)
    return edits.kept_fields(item)
