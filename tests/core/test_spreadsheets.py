"""The shared cell writer: which text is neutralised, and what stays as it is."""

import pytest

from fieldkit.core import spreadsheets


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+47 22 00 00 00", "'+47 22 00 00 00"),
        ("-", "'-"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12", "-12"),
        ("-12,5", "-12,5"),
        ("+1.5e3", "+1.5e3"),
        ("Oslo = Bergen", "Oslo = Bergen"),
        ("a\x0bb\x00c", "a\nbc"),
        ("=a\x00", "'=a"),
        (-2.5, -2.5),
        (3, 3),
        (True, True),
        (None, None),
    ],
)
def test_cell(value, written):
    assert spreadsheets.cell(value) == written
