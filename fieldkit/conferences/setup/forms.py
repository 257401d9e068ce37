"""Forms of setting up a conference: its details and programme, rounds, participants, groups."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from fieldkit.conferences.setup import design


def parse_programme(text: str, round_titles: list[str]) -> list[design.ProgrammeDesign]:
    """Programme lines like ``09:30 Gruppearbeid I – Nå-situasjon og mål``; an item whose
    title is a round's title is that round."""
    items = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        head, _sep, rest = line.partition(" ")
        starts_at = None
        if head[:1].isdigit():
            try:
                starts_at = design.parse_time(head, "")
            except design.DesignError:
                raise ValidationError(
                    _l(
                        "Line %(number)d: %(value)s is not a time like 09:30.",
                        number=number,
                        value=head,
                    )
                ) from None
            line = rest.strip()
        if not line:
            raise ValidationError(_l("Line %(number)d has no title.", number=number))
        session = round_titles.index(line) + 1 if line in round_titles else None
        items.append(design.ProgrammeDesign(line, starts_at, session))
    return items


class ConferenceForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    subtitle = StringField(_l("Subtitle"), validators=[Length(max=300)])
    place = StringField(_l("Place"), validators=[Length(max=200)])
    date = DateField(_l("Date"), validators=[Optional()])
    organiser = StringField(
        _l("Organiser"),
        description=_l("The conference leadership, as printed on the programme."),
        validators=[Length(max=300)],
    )
    introduction = TextAreaField(_l("Introduction"), validators=[Length(max=20000)])
    programme = TextAreaField(
        _l("Programme"),
        description=_l(
            "One item a line, starting with its time: 09:30 Gruppearbeid I. An item with the "
            "title of a round is that round."
        ),
        render_kw={"rows": 8},
    )

    def __init__(self, *args, round_titles: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.round_titles = round_titles or []
        self.programme_items: list[design.ProgrammeDesign] = []

    def validate_programme(self, field) -> None:
        self.programme_items = parse_programme(field.data or "", self.round_titles)


class ImportDesignForm(FlaskForm):
    design = FileField(
        _l("Design file (YAML)"),
        description=_l("A conference design like the one of Storbysatsingen."),
        validators=[FileRequired()],
    )


class RoundForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    label = StringField(_l("Heading above the tasks"), validators=[Length(max=200)])
    preamble = TextAreaField(_l("Preamble"), validators=[Length(max=5000)])
    group_composition = StringField(_l("Group composition"), validators=[Length(max=300)])
    tasks = TextAreaField(
        _l("Tasks"),
        description=_l("One task a line, in order."),
        validators=[DataRequired()],
        render_kw={"rows": 6},
    )
    rules_title = StringField(_l("Heading of the rules"), validators=[Length(max=300)])
    rules = TextAreaField(
        _l("Rules for the group work"),
        description=_l("One rule a line."),
        render_kw={"rows": 10},
    )


class ParticipantForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    organisation = StringField(_l("Organisation"), validators=[Length(max=300)])
    category = StringField(_l("Category"), validators=[Length(max=200)])
    kommune = StringField(_l("Municipality"), validators=[Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])


class ParticipantImportForm(FlaskForm):
    file = FileField(
        _l("Participant list (CSV or Excel)"),
        description=_l(
            "Columns: navn, organisasjon, kategori, kommune, e-post (the first row names them)."
        ),
        validators=[FileRequired()],
    )


class AutoGroupsForm(FlaskForm):
    count = IntegerField(
        _l("Number of groups"), validators=[DataRequired(), NumberRange(min=1, max=60)]
    )
    strategy = SelectField(
        _l("Composition"),
        choices=[
            ("mix", _l("Mixed across categories and municipalities")),
            ("kommune", _l("One municipality per group")),
        ],
    )


class GroupNameForm(FlaskForm):
    name = StringField(_l("Name of the new group"), validators=[Length(max=200)])
