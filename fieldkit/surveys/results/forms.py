"""Forms of the results pages: the cleaning steps and the report."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class FilterForm(FlaskForm):
    """Keep only the responses a condition holds for."""

    kind = HiddenField(default="filter")
    condition = StringField(
        _l("Condition"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("As in skip logic, e.g. ${q12} = '1' or selected(${q8}, 'moter')."),
    )
    label = StringField(
        _l("Name of the filter (optional)"), validators=[Optional(), Length(max=200)]
    )


class RecodeForm(FlaskForm):
    """Derive a variable from conditions on the answers."""

    kind = HiddenField(default="recode")
    name = StringField(_l("New variable name"), validators=[DataRequired(), Length(max=32)])
    label = StringField(_l("Variable label"), validators=[Optional(), Length(max=200)])
    rules = TextAreaField(
        _l("Rules, one a line"),
        validators=[DataRequired(), Length(max=10_000)],
        description=_l("condition => code = label; the first rule that holds gives the code."),
    )


class BandForm(FlaskForm):
    """Group a number into bands."""

    kind = HiddenField(default="band")
    source = SelectField(_l("Number question"), validators=[DataRequired()])
    name = StringField(_l("New variable name"), validators=[DataRequired(), Length(max=32)])
    label = StringField(_l("Variable label"), validators=[Optional(), Length(max=200)])
    limits = StringField(
        _l("Lower limits"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("Separated by commas: 0,10,50 gives 0–9, 10–49, 50 or more."),
    )


class CodeForm(FlaskForm):
    """Code the answers of a free-text question into categories."""

    kind = HiddenField(default="code")
    source = SelectField(_l("Free text"), validators=[DataRequired()])
    name = StringField(_l("New variable name"), validators=[DataRequired(), Length(max=32)])
    label = StringField(_l("Variable label"), validators=[Optional(), Length(max=200)])


class ReportCompositionForm(FlaskForm):
    """The report's composition; the questions, texts and order come as repeated fields
    (``order``, ``include``, ``text``) read by ``composition.from_form``."""

    figures = BooleanField(_l("With figures"), default=True)


class ReportCompileForm(FlaskForm):
    """Compile the composed report."""

    format = SelectField(
        _l("Format"), choices=[("pdf", "PDF"), ("docx", "Word (.docx)"), ("html", "HTML")]
    )
