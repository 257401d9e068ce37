"""Numbers as the results print them, and bands of numbers.

Below the tables, the figures and the cleaning steps (a band step groups a number the way a
banded table does), so that none of them needs another for these.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _


class TableError(ValueError):
    """A table (or the bands of one) that cannot be made; the message says why."""


def number(value: Decimal | float | int, decimals: int = 0) -> str:
    """``value`` rounded half up, decimal comma, a space between thousands: 1 234,5."""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    text = f"{abs(rounded):.{decimals}f}"
    whole, _dot, fraction = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + " ".join(groups) + ("," + fraction if fraction else "")


def plain_number(value: float | int) -> str:
    """A value as it is: whole numbers without decimals, others with up to two."""
    if float(value) == int(value):
        return number(int(value))
    return number(value, 2).rstrip("0").rstrip(",")


@dataclass
class Band:
    """A researcher-defined band of numbers: lower <= value < upper (upper None: no limit)."""

    lower: float
    upper: float | None
    label: str = ""

    def name(self) -> str:
        if self.label:
            return self.label
        if self.upper is None:
            return _("%(lower)s or more", lower=plain_number(self.lower))
        # Whole-number bands print inclusive: 0–9 for 0 <= x < 10.
        if float(self.lower).is_integer() and float(self.upper).is_integer():
            return f"{plain_number(self.lower)}–{plain_number(self.upper - 1)}"
        return f"{plain_number(self.lower)}–{plain_number(self.upper)}"

    def holds(self, value: float) -> bool:
        return value >= self.lower and (self.upper is None or value < self.upper)


def bands_from_limits(limits: list[float]) -> list[Band]:
    """Each limit starts a band that ends where the next begins; the last has no upper limit."""
    return [
        Band(low, limits[i + 1] if i + 1 < len(limits) else None) for i, low in enumerate(limits)
    ]


def parse_bands(text: str) -> list[Band]:
    """Bands from limits: "0,10,50" -> 0–9, 10–49, 50 or more."""
    try:
        limits = [float(part.strip().replace(" ", "")) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise TableError(
            _("Bands: write the limits as numbers separated by commas, e.g. 0,10,50 "
              "(not “%(text)s”).", text=text)
        ) from exc  # fmt: skip
    if not limits or limits != sorted(set(limits)):
        raise TableError(
            _("Bands: the limits must be increasing numbers (not “%(text)s”).", text=text)
        )
    return bands_from_limits(limits)
