"""Ranges in XLSForm constraints: ``. >= 0 and . <= 10`` is the item's minimum and maximum.

XLSForm has no columns for a number's range or for how many choices may be ticked; both are
written as the start of a constraint. ``split_constraint`` reads that range back, leaving the
rest as the item's own constraint, and ``join_constraint`` writes it.
"""

from __future__ import annotations

import re
from decimal import Decimal


def split_constraint(
    constraint: str, *, counts: bool = False
) -> tuple[Decimal | None, Decimal | None, str | None]:
    """(minimum, maximum, the rest) of a constraint that starts with a simple range.

    ``. >= 0 and . <= 10`` gives (0, 10, None); with ``counts`` the range is on
    ``count-selected(.)`` (the number of ticks). What follows the range stays a constraint;
    ``join_constraint`` is the inverse.
    """
    term = (
        re.compile(r"count-selected\(\s*\.\s*\)\s*(>=|<=)\s*(\d+)")
        if counts
        else re.compile(r"\.\s*(>=|<=)\s*(-?\d+(?:\.\d+)?)")
    )
    parts = _split_and(constraint)
    bounds: dict[str, Decimal] = {}
    taken = 0
    for part in parts:
        match = term.fullmatch(part)
        if not match or match.group(1) in bounds:
            break
        bounds[match.group(1)] = Decimal(match.group(2))
        taken += 1
    rest_parts = parts[taken:]
    if not rest_parts:
        rest = None
    elif len(rest_parts) == 1 and _wrapped(rest_parts[0]):
        rest = rest_parts[0][1:-1].strip()
    elif taken == 0:
        rest = constraint
    else:
        rest = " and ".join(rest_parts)
    return bounds.get(">="), bounds.get("<="), rest


def join_constraint(
    low: Decimal | int | None, high: Decimal | int | None, rest: str | None, *, counts: bool = False
) -> str | None:
    """The constraint of a range and a further condition; ``split_constraint`` undoes it."""
    subject = "count-selected(.)" if counts else "."
    terms = []
    if low is not None:
        terms.append(f"{subject} >= {number_text(low)}")
    if high is not None:
        terms.append(f"{subject} <= {number_text(high)}")
    if rest:
        starts_with_range = split_constraint(rest, counts=counts)[:2] != (None, None)
        plain = not terms and not starts_with_range and not _wrapped(rest.strip())
        terms.append(rest if plain else f"({rest})")
    return " and ".join(terms) or None


def _split_and(expression: str) -> list[str]:
    """The parts of ``expression`` joined by a top-level ``and``."""
    parts, depth, quote, start = [], 0, None, 0
    index = 0
    while index < len(expression):
        char = expression[index]
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0:
            match = re.match(r"\s+and\s+", expression[index:])
            if match and index > start:
                parts.append(expression[start:index].strip())
                index += match.end()
                start = index
                continue
        index += 1
    parts.append(expression[start:].strip())
    return parts


def _wrapped(expression: str) -> bool:
    """Whether one pair of parentheses encloses the whole expression."""
    if not (expression.startswith("(") and expression.endswith(")")):
        return False
    depth, quote = 0, None
    for index, char in enumerate(expression):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0 and index < len(expression) - 1:
                return False
    return True


def number_text(value: Decimal | int) -> str:
    """A number as XLSForm writes it: ``3``, ``2.5``, never ``3.0`` or ``1E+1``."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")
