"""What the conference models share: enum columns stored as text, and the error of a state
change that is not allowed."""

from __future__ import annotations

import enum

import sqlalchemy as sa


def enum_column(kind: type[enum.Enum], name: str) -> sa.Enum:
    """An enum stored as its values in a text column (no database enum type)."""
    return sa.Enum(
        kind,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


class TransitionError(ValueError):
    """A state change that is not allowed from the object's current state."""
