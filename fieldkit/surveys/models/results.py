"""Results: the cleaning steps of a survey's data, its waves, and its report's composition."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from fieldkit.core.models import User, UTCDateTime, utcnow
from fieldkit.extensions import db


class CleaningStep(db.Model):
    """One reproducible data-cleaning step of a survey's results (raw answers never change).

    Steps apply in order to tables, figures and exports alike; undoing one keeps it listed
    (with when and by whom) but no longer applies it.
    """

    __tablename__ = "survey_cleaning_steps"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    survey_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: "filter", "recode" or "band" (see ``fieldkit.surveys.results.cleaning``).
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), nullable=False)
    #: What the step does, as checked by ``cleaning.check_spec``.
    spec: so.Mapped[dict] = so.mapped_column(sa.JSON, nullable=False, default=dict)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    undone_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)
    undone_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    created_by: so.Mapped[User | None] = so.relationship(foreign_keys=[created_by_id])

    @property
    def active(self) -> bool:
        return self.undone_at is None

    def __repr__(self) -> str:
        return f"<CleaningStep {self.id} {self.kind}>"


class SurveyWave(db.Model):
    """A survey run again: the same questionnaire version and frame as the one it follows."""

    __tablename__ = "survey_waves"

    #: The later wave.
    survey_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    #: The wave it repeats.
    follows_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: 2 for the first repeat, 3 for the next ...
    number: so.Mapped[int] = so.mapped_column(nullable=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<SurveyWave {self.survey_id} follows {self.follows_id} #{self.number}>"


class ReportComposition(db.Model):
    """How a survey's results report is composed: which questions' tables and figures, in
    which order, with the researcher's texts between them (one per survey). Its table keeps
    the name it had when this was called a report plan, ``survey_report_plans``."""

    __tablename__ = "survey_report_plans"

    survey_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    #: In report order: ``{"item": name, "included": bool}`` or ``{"text": "..."}``.
    entries: so.Mapped[list] = so.mapped_column(sa.JSON, nullable=False, default=list)
    include_figures: so.Mapped[bool] = so.mapped_column(nullable=False, default=True)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    def __repr__(self) -> str:
        return f"<ReportComposition of survey {self.survey_id}: {len(self.entries)} entries>"
