"""Ranges written as the start of an XLSForm constraint, read back and written."""

from decimal import Decimal

import pytest

from fieldkit.surveys.questionnaires.xlsform.constraints import join_constraint, split_constraint


@pytest.mark.parametrize(
    ("constraint", "counts", "expected"),
    [
        (". >= 0 and . <= 10", False, (Decimal(0), Decimal(10), None)),
        (". <= 2.5", False, (None, Decimal("2.5"), None)),
        (". >= 1 and . != 7", False, (Decimal(1), None, ". != 7")),
        (". >= 1 and (. != 7 or . = 9)", False, (Decimal(1), None, ". != 7 or . = 9")),
        (". > 3", False, (None, None, ". > 3")),
        ("count-selected(.) >= 1 and count-selected(.) <= 3", True, (Decimal(1), Decimal(3), None)),
        ("count-selected(.) >= 1", False, (None, None, "count-selected(.) >= 1")),
    ],
)
def test_split_constraint(constraint, counts, expected):
    assert split_constraint(constraint, counts=counts) == expected


@pytest.mark.parametrize(
    ("low", "high", "rest"),
    [
        (None, None, ". >= 0 and . != 5"),
        (None, None, "(. != 5)"),
        (None, None, ". != 5"),
        (Decimal(0), None, ". != 5 or . = 9"),
        (Decimal("-1.5"), Decimal(3), "(. != 2)"),
        (Decimal(1), Decimal(2), None),
    ],
)
def test_join_constraint_is_undone_by_split(low, high, rest):
    assert split_constraint(join_constraint(low, high, rest)) == (low, high, rest)
