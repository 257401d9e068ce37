"""Forms of accounts and projects."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Email()], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    next = HiddenField()


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        description=_l("At least 10 characters; not a common password, not your name."),
        validators=[DataRequired()],
        render_kw={"autocomplete": "new-password"},
    )
    repeated = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class ProjectForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Short name"),
        description=_l("Used in addresses and commands: lower-case letters, digits and hyphens."),
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(r"^[a-z0-9-]+$", message=_l("Use only a-z, 0-9 and hyphens.")),
        ],
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])


class MemberForm(FlaskForm):
    email = EmailField(_l("E-mail of the user to add"), validators=[DataRequired(), Email()])


class LanguageForm(FlaskForm):
    language = HiddenField(validators=[DataRequired()])
    next = HiddenField()


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state."""


class EraseForm(FlaskForm):
    """The confirmation of an erasure for good: the box must be ticked."""

    confirm = BooleanField(
        _l("I understand that this cannot be undone"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
