"""Disposition counts and rates as JSON, CSV or a plain-text table (CLI and downloads)."""

from __future__ import annotations

import io
import json

from fieldkit.core import spreadsheets
from fieldkit.surveys.fieldwork import dispositions, queries
from fieldkit.surveys.models import Survey

TOTAL_LABEL = "Totalt"


def _label(group: str) -> str:
    return TOTAL_LABEL if group == queries.TOTAL else (group or "(tom)")


def render(
    survey: Survey,
    *,
    by: str | None = None,
    fmt: str = "table",
    e_method: str = "proportional",
    e_value: float | None = None,
) -> str:
    """The survey's rates in ``fmt`` (json, csv or table)."""
    result = queries.survey_rates(survey, by, e_method=e_method, e_value=e_value)
    data = result.as_dict()
    groups = [*data["groups"], data["total"]]
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    header = ["group", "cases", *dispositions.CLASSES, "e", *dispositions.RATE_NAMES]
    rows = [
        [
            _label(g["group"]),
            g["cases"],
            *(g["counts"][k] for k in dispositions.CLASSES),
            g["e"],
            *(g["rates"][k] for k in dispositions.RATE_NAMES),
        ]
        for g in groups
    ]
    if fmt == "csv":
        out = io.StringIO()
        writer = spreadsheets.csv_writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
        return out.getvalue()
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r}")
    shown = [
        "group",
        "cases",
        "I",
        "P",
        "R",
        "NC",
        "O",
        "UH",
        "UO",
        "NE",
        "RR1",
        "RR3",
        "COOP1",
        "REF1",
        "CON1",
    ]
    index = [header.index(name) for name in shown]
    table = [shown] + [["–" if row[i] is None else str(row[i]) for i in index] for row in rows]
    widths = [max(len(r[c]) for r in table) for c in range(len(shown))]
    lines = [
        "  ".join(
            cell.ljust(w) if c == 0 else cell.rjust(w)
            for c, (cell, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    note = f"e = {data['total']['e']} ({e_method}); rates in percent"
    return "\n".join(lines) + "\n" + note + "\n"
