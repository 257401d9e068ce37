"""Forms of the survey module."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
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


class DefinitionUploadForm(FlaskForm):
    file = FileField(
        _l("Questionnaire file"),
        description=_l("Native definition (.yaml, .yml, .json) or XLSForm workbook (.xlsx)."),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["yaml", "yml", "json", "xlsx"], _l("Use a .yaml, .json or .xlsx file.")),
        ],
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
