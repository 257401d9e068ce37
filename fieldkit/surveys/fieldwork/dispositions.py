"""AAPOR final dispositions and outcome rates (Standard Definitions, web surveys of named persons).

Pure functions: ``derive`` gives a case's disposition code from what happened to it, and
``rates`` computes RR1-RR6, COOP1-4, REF1-3 and CON1-3 from counts by class. The counting
itself (SQL aggregates) lives in ``queries.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l

#: Disposition classes, in AAPOR's order.
CLASSES = ("I", "P", "R", "NC", "O", "UH", "UO", "NE")

#: AAPOR codes for Internet surveys of specifically named persons: code -> (class, label).
CODES: dict[str, tuple[str, object]] = {
    "1.1": ("I", _l("Complete")),
    "1.2": ("P", _l("Partial")),
    "2.111": ("R", _l("Explicit refusal")),
    "2.1121": ("R", _l("Logged on to survey, did not complete any items")),
    "2.12": ("R", _l("Break-off or partial with insufficient information")),
    "2.21": ("NC", _l("Respondent unavailable during field period")),
    "2.22": ("NC", _l("Completed questionnaire, but not returned during field period")),
    "2.31": ("O", _l("Death")),
    "2.32": ("O", _l("Physically or mentally unable/incompetent")),
    "2.33": ("O", _l("Language barrier")),
    "2.36": ("O", _l("Miscellaneous")),
    "3.11": ("UH", _l("No invitation sent")),
    "3.19": ("UH", _l("Nothing ever returned")),
    "3.20": ("UO", _l("Invitation returned undelivered")),
    "3.30": ("UO", _l("Invitation returned with forwarding information")),
    "3.90": ("UO", _l("Other")),
    "4.10": ("NE", _l("Selected respondent screened out of sample")),
    "4.90": ("NE", _l("Other")),
}

RATE_NAMES = (
    "RR1", "RR2", "RR3", "RR4", "RR5", "RR6",
    "COOP1", "COOP2", "COOP3", "COOP4",
    "REF1", "REF2", "REF3",
    "CON1", "CON2", "CON3",
)  # fmt: skip

#: How ``e`` (the share of unknown-eligibility cases that are eligible) is estimated.
E_METHODS = ("proportional", "fixed")


def code_class(code: str) -> str:
    """The class (I, P, R, NC, O, UH, UO, NE) of an AAPOR code."""
    if code not in CODES:
        raise ValueError(f"unknown AAPOR code {code!r}")
    return CODES[code][0]


@dataclass(frozen=True)
class CaseFacts:
    """What happened to a case, as far as its disposition depends on it."""

    eligible: bool = True
    override: str | None = None
    declined: bool = False
    bounced: bool = False
    invited: bool = False
    opened: bool = False
    #: "in_progress" or "submitted" when a response exists.
    response_status: str | None = None
    #: Share of applicable questions answered in the response.
    share: float = 0.0
    discarded: bool = False
    #: Anonymous surveys: the class the submitted response had (I, P or R), else None.
    submitted_class: str | None = None


def derive(facts: CaseFacts, complete: float = 0.8, partial: float = 0.5) -> str:
    """The AAPOR code of a case. A researcher's override wins; then eligibility; then what was
    returned; then contact."""
    if facts.override:
        return facts.override
    if not facts.eligible:
        return "4.10"
    if facts.discarded:
        return "2.12"
    if facts.submitted_class:
        return {"I": "1.1", "P": "1.2", "R": "2.12"}[facts.submitted_class]
    if facts.response_status == "submitted":
        if facts.share >= complete:
            return "1.1"
        return "1.2" if facts.share >= partial else "2.12"
    if facts.declined:
        return "2.111"
    if facts.response_status == "in_progress":
        if facts.share >= partial:
            return "1.2"
        return "2.12" if facts.share > 0 else "2.1121"
    if facts.opened:
        return "2.1121"
    if facts.bounced:
        return "3.20"
    if facts.invited:
        return "3.19"
    return "3.11"


def estimate_e(
    counts: dict[str, int], method: str = "proportional", value: float | None = None
) -> float:
    """``e``: by the proportional method, (I+P+R+NC+O) / (I+P+R+NC+O+NE); or a fixed value."""
    if method == "fixed":
        if value is None or not 0 <= value <= 1:
            raise ValueError("a fixed e is a number from 0 to 1")
        return value
    if method != "proportional":
        raise ValueError(f"unknown method for e: {method!r}")
    eligible = sum(counts.get(k, 0) for k in ("I", "P", "R", "NC", "O"))
    known = eligible + counts.get("NE", 0)
    return eligible / known if known else 1.0


def rates(counts: dict[str, int], e: float | None = None) -> dict[str, float | None]:
    """Every outcome rate as a fraction (None where the denominator is 0)."""
    c = {k: counts.get(k, 0) for k in CLASSES}
    if e is None:
        e = estimate_e(c)
    i, p, r, nc, o = c["I"], c["P"], c["R"], c["NC"], c["O"]
    u = c["UH"] + c["UO"]
    returned = i + p
    all_cases = returned + r + nc + o + u
    estimated = returned + r + nc + o + e * u
    known = returned + r + nc + o

    def ratio(numerator: float, denominator: float) -> float | None:
        return numerator / denominator if denominator else None

    return {
        "RR1": ratio(i, all_cases),
        "RR2": ratio(returned, all_cases),
        "RR3": ratio(i, estimated),
        "RR4": ratio(returned, estimated),
        "RR5": ratio(i, known),
        "RR6": ratio(returned, known),
        "COOP1": ratio(i, returned + r + o),
        "COOP2": ratio(returned, returned + r + o),
        "COOP3": ratio(i, returned + r),
        "COOP4": ratio(returned, returned + r),
        "REF1": ratio(r, all_cases),
        "REF2": ratio(r, estimated),
        "REF3": ratio(r, known),
        "CON1": ratio(returned + r + o, returned + r + o + nc + u),
        "CON2": ratio(returned + r + o, returned + r + o + nc + e * u),
        "CON3": ratio(returned + r + o, returned + r + o + nc),
    }


def percent(value: float | None, decimals: int = 1) -> float | None:
    """A rate as a percentage, rounded half up (as reports print it)."""
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-decimals)
    return float((Decimal(str(value)) * 100).quantize(quantum, rounding=ROUND_HALF_UP))


def classes_from_codes(code_counts: dict[str, int]) -> dict[str, int]:
    """Counts by class from counts by code."""
    counts = dict.fromkeys(CLASSES, 0)
    for code, n in code_counts.items():
        counts[code_class(code)] += n
    return counts
