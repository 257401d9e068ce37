"""Forms of the summary document: what goes in, and how it is sent to the participants."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField


class SummaryForm(FlaskForm):
    """What goes into the summary document, and in which format it is compiled."""

    format = SelectField(
        _l("Format"),
        choices=[
            ("pdf", "PDF"),
            ("docx", _l("Word (DOCX)")),
            ("pptx", _l("PowerPoint slides (PPTX)")),
            ("html", "HTML"),
        ],
        default="pdf",
    )
    points = SelectField(
        _l("Points"),
        choices=[
            ("all", _l("All points the groups wrote")),
            ("plenum", _l("Only the points marked for the plenum")),
        ],
        default="all",
    )
    photos = BooleanField(_l("Photos of the groups' flip charts"), default=True)
    notes = BooleanField(_l("The facilitators' notes from the plenum"), default=True)
    synthesis = BooleanField(
        _l("Synthesis by theme (Utfordringer og endringsforslag)"), default=True
    )
    minutes = BooleanField(_l("The referents' minutes, as an appendix"), default=False)


class SendSummaryForm(FlaskForm):
    """How the summary document goes to the participants: attached, or as a download link."""

    method = RadioField(
        _l("Send the document"),
        choices=[
            ("attachment", _l("As an attachment to the e-mail")),
            ("link", _l("As a link to download it")),
        ],
        default="attachment",
    )
    link_days = SelectField(
        _l("The link works for"),
        choices=[
            ("14", _l("14 days")),
            ("30", _l("30 days")),
            ("90", _l("90 days")),
            ("365", _l("One year")),
            ("0", _l("Until it is revoked")),
        ],
        default="90",
        description=_l(
            "Everyone gets the same link. It names neither the conference nor a participant, "
            "and you can revoke it on this page at any time."
        ),
    )

    @property
    def days(self) -> int | None:
        return int(self.link_days.data) or None
