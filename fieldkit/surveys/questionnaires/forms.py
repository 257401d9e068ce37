"""Forms of the questionnaire pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired


class DefinitionUploadForm(FlaskForm):
    file = FileField(
        _l("Questionnaire file"),
        description=_l("Native definition (.yaml, .yml, .json) or XLSForm workbook (.xlsx)."),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["yaml", "yml", "json", "xlsx"], _l("Use a .yaml, .json or .xlsx file.")),
        ],
    )
