"""Forms of facilitation: notes from the plenum and a facilitator's correction of a point."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=5000)])


class PointEditForm(FlaskForm):
    corrected_text = TextAreaField(
        _l("Wording in the summary"), validators=[Optional(), Length(max=5000)]
    )
    hidden = BooleanField(_l("Hide this point in the summary"))
