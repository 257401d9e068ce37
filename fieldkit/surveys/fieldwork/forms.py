"""Forms of the fieldwork pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)


class FrameUploadForm(FlaskForm):
    file = FileField(
        _l("Sampling frame"),
        description=_l(
            "A CSV file (UTF-8 or Excel's semicolon export) or an XLSX workbook, one row per "
            "unit, with the column names in the first row."
        ),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "txt", "xlsx"], _l("Use a .csv or .xlsx file.")),
        ],
    )
    sheet = StringField(
        _l("Sheet"),
        description=_l("Only for XLSX workbooks: the sheet's name (default: the first sheet)."),
        validators=[Optional(), Length(max=100)],
    )


class FrameConfirmForm(FlaskForm):
    """Carries the stored upload; the column roles are read as role-<n> fields."""

    upload = HiddenField(validators=[DataRequired()])


class CaseForm(FlaskForm):
    external_id = StringField(_l("Id"), validators=[DataRequired(), Length(max=100)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=300)])
    email = StringField(
        _l("E-mail address"),
        description=_l("Leave empty for a case surveyed on paper or by phone."),
        validators=[Optional(), Length(max=254)],
    )
    contact_person = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    strata = TextAreaField(
        _l("Frame values"),
        description=_l("One per line, as column = value (for example etat = Aetat)."),
        validators=[Optional()],
    )

    def validate_strata(self, field) -> None:
        for line in (field.data or "").splitlines():
            if line.strip() and "=" not in line:
                raise ValidationError(_l("Write each line as column = value."))

    def strata_dict(self) -> dict[str, str]:
        values = {}
        for line in (self.strata.data or "").splitlines():
            column, _sep, value = line.partition("=")
            if column.strip():
                values[column.strip()] = value.strip()
        return values


class IneligibleForm(FlaskForm):
    reason = StringField(
        _l("Reason"),
        description=_l("For example: the office was closed down before the survey."),
        validators=[DataRequired(), Length(max=500)],
    )


class TemplateForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(
        _l("Text"),
        description=_l(
            "Placeholders: {navn} addressee, {enhet} unit, {lenke} personal link (required), "
            "{frist} deadline, {kontaktperson} the survey's contact person. The decline link "
            "is added to every message."
        ),
        validators=[DataRequired()],
    )


class SendForm(FlaskForm):
    """Invitations or reminders, to all or one stratum, now or later."""

    stratum = SelectField(_l("Send to"), validators=[Optional()])
    when = RadioField(
        _l("When"),
        choices=[("now", _l("Now")), ("later", _l("At a set time"))],
        default="now",
    )
    scheduled_at = DateTimeLocalField(
        _l("Date and time"),
        format="%Y-%m-%dT%H:%M",
        description=_l("Norwegian time."),
        validators=[Optional()],
    )

    def validate(self, extra_validators=None) -> bool:
        # Optional() stops the field's own validators when it is empty, so check here.
        valid = super().validate(extra_validators)
        if self.when.data == "later" and self.scheduled_at.data is None:
            self.scheduled_at.errors = [*self.scheduled_at.errors, _l("Choose the date and time.")]
            return False
        return valid


class ReminderScheduleForm(FlaskForm):
    reminder_days = StringField(
        _l("Reminder days"),
        description=_l("Days after the invitation, separated by commas (for example 7, 14)."),
        validators=[Optional(), Length(max=100)],
    )
    min_gap_days = IntegerField(
        _l("Minimum days between messages to a case"),
        default=5,
        validators=[InputRequired(_l("Give a number.")), NumberRange(min=0, max=365)],
    )
    max_reminders = IntegerField(
        _l("Most reminders per case"),
        default=3,
        validators=[InputRequired(_l("Give a number.")), NumberRange(min=0, max=20)],
    )

    def validate_reminder_days(self, field) -> None:
        try:
            self.days = [
                int(p) for p in (field.data or "").replace(";", ",").split(",") if p.strip()
            ]
        except ValueError as exc:
            raise ValidationError(_l("Write whole numbers separated by commas.")) from exc


class BounceForm(FlaskForm):
    addresses = TextAreaField(
        _l("Undeliverable addresses"),
        description=_l("One e-mail address per line, as reported by the returned messages."),
        validators=[DataRequired()],
    )


class SurveyForm(FlaskForm):
    """Put a questionnaire in the field."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    questionnaire = SelectField(_l("Questionnaire"), coerce=int, validators=[DataRequired()])
    opens = DateField(
        _l("Opens"),
        validators=[Optional()],
        description=_l("The first day respondents can answer."),
    )
    closes = DateField(
        _l("Closes"),
        validators=[Optional()],
        description=_l("The last day respondents can answer."),
    )
    intro = TextAreaField(
        _l("Welcome text"),
        description=_l(
            "Shown before the first question: the purpose, and the confidentiality "
            "or anonymity statement."
        ),
        validators=[Length(max=10000)],
    )
    thank_you = StringField(
        _l("Thank-you text"), default="Takk for hjelpen!", validators=[Length(max=1000)]
    )
    contact_name = StringField(_l("Contact person"), validators=[Length(max=200)])
    contact_email = StringField(
        _l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)]
    )
    contact_phone = StringField(_l("Contact phone"), validators=[Length(max=50)])
    open_link = BooleanField(_l("Open link: anyone with the link may answer"))
    kiosk = BooleanField(_l("Kiosk mode: one shared tablet, back to the start after each answer"))
    anonymous = BooleanField(_l("Anonymous: responses are stored without any link to a person"))
    allow_edit_after_submit = BooleanField(
        _l("Respondents may change their answers until the survey closes")
    )
    review_page = BooleanField(_l("Show a review page before submitting"), default=True)
    complete_threshold = IntegerField(
        _l("Complete from (percentage of applicable questions answered)"),
        default=80,
        validators=[InputRequired(), NumberRange(1, 100)],
    )
    partial_threshold = IntegerField(
        _l("Partial from (percentage of applicable questions answered)"),
        default=50,
        description=_l("Below this a returned response counts as a break-off (AAPOR)."),
        validators=[InputRequired(), NumberRange(0, 100)],
    )

    def validate_partial_threshold(self, field):
        if (
            self.complete_threshold.data is not None
            and field.data is not None
            and (field.data >= self.complete_threshold.data)
        ):
            raise ValidationError(_l("The partial threshold must be below the complete one."))

    def validate_closes(self, field):
        if field.data and self.opens.data and field.data < self.opens.data:
            raise ValidationError(_l("The survey must close after it opens."))

    def validate_kiosk(self, field):
        if field.data and not self.open_link.data:
            raise ValidationError(_l("Kiosk mode needs the open link."))
