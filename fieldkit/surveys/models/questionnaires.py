"""Questionnaires and their versions: the definition a survey puts in the field."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
import sqlalchemy.orm as so

from fieldkit.core.models import Project, User, UTCDateTime, utcnow
from fieldkit.extensions import db
from fieldkit.surveys.questionnaires import definition


@lru_cache(maxsize=64)
def parsed_definition(definition_json: str) -> definition.Questionnaire:
    """Parsing and checking a definition takes milliseconds; every page view needs it."""
    return definition.from_dict(json.loads(definition_json))


class Questionnaire(db.Model):
    """An instrument of a project; what it asks is held by its versions."""

    __tablename__ = "questionnaires"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    project_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: The title for lists; the respondent sees the title in the definition.
    title: so.Mapped[str] = so.mapped_column(sa.String(300), nullable=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    project: so.Mapped[Project] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship()
    versions: so.Mapped[list[QuestionnaireVersion]] = so.relationship(
        back_populates="questionnaire",
        order_by="QuestionnaireVersion.number",
        cascade="all, delete-orphan",
    )

    @property
    def current(self) -> QuestionnaireVersion:
        """The newest version: the one editing and new surveys use."""
        return self.versions[-1]

    def __repr__(self) -> str:
        return f"<Questionnaire {self.id} {self.title!r}>"


class QuestionnaireVersion(db.Model):
    """One version of a questionnaire's definition (the native format, as JSON)."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (sa.UniqueConstraint("questionnaire_id", "number"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    questionnaire_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("questionnaires.id", ondelete="CASCADE"), nullable=False, index=True
    )
    number: so.Mapped[int] = so.mapped_column(nullable=False)
    #: The definition in the native format (see docs/questionnaire-format.md), as JSON text.
    definition_json: so.Mapped[str] = so.mapped_column(sa.Text, nullable=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
    #: Set when a survey using this version stores its first answer: from then on only wording
    #: fixes change it in place, and structural changes make a new version.
    frozen_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)

    questionnaire: so.Mapped[Questionnaire] = so.relationship(back_populates="versions")

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def definition(self) -> definition.Questionnaire:
        """The parsed definition: shared, so read-only (editing works on a copy)."""
        return parsed_definition(self.definition_json)

    def set_definition(self, questionnaire: definition.Questionnaire) -> None:
        self.definition_json = definition.to_json(questionnaire)

    def __repr__(self) -> str:
        return f"<QuestionnaireVersion {self.questionnaire_id} v{self.number}>"
