"""Forms of the results pages: the cleaning steps and the report.

Each cleaning step's form gives the step's spec as ``cleaning.add_step`` takes it (``spec``).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from fieldkit.surveys.results.cleaning_steps import CleaningError


def parse_rules(text: str) -> list[dict[str, str]]:
    """Rules from lines ``condition => code = label``; raises CleaningError naming the line."""
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        condition, arrow, result = line.partition("=>")
        code, _eq, label = result.partition("=")
        if not arrow or not code.strip():
            raise CleaningError("rules", _("line %(n)d: write condition => code = label", n=number))
        rules.append({"condition": condition.strip(), "code": code.strip(), "label": label.strip()})
    return rules


def parse_codes(text: str) -> list[dict[str, str]]:
    """A code frame from lines ``code = label``."""
    codes = []
    for line in text.splitlines():
        if line.strip():
            code, _eq, label = line.partition("=")
            codes.append({"code": code.strip(), "label": label.strip()})
    return codes


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

    def spec(self) -> dict[str, Any]:
        return {"condition": self.condition.data, "label": self.label.data}


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

    def spec(self) -> dict[str, Any]:
        """The recode's spec; raises CleaningError for a rule it cannot read."""
        return {
            "name": self.name.data,
            "label": self.label.data,
            "rules": parse_rules(self.rules.data),
        }


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

    def spec(self) -> dict[str, Any]:
        return {
            "source": self.source.data,
            "name": self.name.data,
            "label": self.label.data,
            "limits": self.limits.data,
        }


class CodeForm(FlaskForm):
    """Code the answers of a free-text question into categories."""

    kind = HiddenField(default="code")
    source = SelectField(_l("Free text"), validators=[DataRequired()])
    name = StringField(_l("New variable name"), validators=[DataRequired(), Length(max=32)])
    label = StringField(_l("Variable label"), validators=[Optional(), Length(max=200)])

    def spec(self) -> dict[str, Any]:
        return {"source": self.source.data, "name": self.name.data, "label": self.label.data}


class ReportCompositionForm(FlaskForm):
    """The report's composition; the questions, texts and order come as repeated fields
    (``order``, ``include``, ``text``) read by ``composition.from_form``."""

    figures = BooleanField(_l("With figures"), default=True)


class ReportCompileForm(FlaskForm):
    """Compile the composed report."""

    format = SelectField(
        _l("Format"), choices=[("pdf", "PDF"), ("docx", "Word (.docx)"), ("html", "HTML")]
    )
