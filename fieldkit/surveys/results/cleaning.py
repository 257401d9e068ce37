"""Data cleaning as reproducible steps that never edit raw answers: adding a step, undoing one,
a coding step's code frame, and each step in words.

What the steps are and how they apply is ``cleaning_steps``; undoing a step keeps it listed but
stops applying it (and the later steps that need a variable only it made).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask_babel import gettext as _

from fieldkit.core import audit
from fieldkit.core.models import User, utcnow
from fieldkit.extensions import db
from fieldkit.surveys.models import CleaningStep, Survey
from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.questionnaires import logic
from fieldkit.surveys.results import dataset
from fieldkit.surveys.results.cleaning_steps import (
    CODE,
    FILTER,
    RECODE,
    CleaningError,
    CleaningSteps,
    active_steps,
    all_steps,
    check_spec,
    taken_names,
)


def add_step(
    survey: Survey, kind: str, spec: dict[str, Any], *, actor: User | None = None
) -> CleaningStep:
    """Check and add a step after the active ones."""
    checked = check_spec(active_steps(survey).questionnaire(), kind, spec)
    step = CleaningStep(
        survey_id=survey.id, kind=kind, spec=checked, created_by_id=getattr(actor, "id", None)
    )
    db.session.add(step)
    db.session.flush()
    audit.record(
        "survey.cleaning_step_added", step, actor=actor, project=survey.project_id, kind=kind
    )
    return step


def undo_step(step: CleaningStep, *, actor: User | None = None) -> CleaningStep:
    """Stop applying ``step`` (it stays listed); later steps that need it are undone too."""
    if not step.active:
        raise CleaningError("step", _("The step is already undone."))
    survey = db.session.get(Survey, step.survey_id)
    now = utcnow()
    step.undone_at = now
    step.undone_by_id = getattr(actor, "id", None)
    # Later steps that referred to a variable only this step made cannot apply any more.
    remaining = [s for s in all_steps(survey) if s.active and s.id != step.id]
    kept: list[tuple[str, dict]] = []
    for other in remaining:
        try:
            check = CleaningSteps(survey.definition, kept)
            check_spec(check.questionnaire(), other.kind, other.spec)
            _references_exist(check.questionnaire(), other)
            kept.append((other.kind, other.spec))
        except CleaningError:
            if other.id > step.id:
                other.undone_at = now
                other.undone_by_id = step.undone_by_id
    db.session.flush()
    audit.record("survey.cleaning_step_undone", step, actor=actor, project=survey.project_id)
    return step


def _references_exist(questionnaire: d.Questionnaire, step: CleaningStep) -> None:
    known = taken_names(questionnaire)
    conditions = []
    if step.kind == FILTER:
        conditions = [step.spec["condition"]]
    elif step.kind == RECODE:
        conditions = [r["condition"] for r in step.spec["rules"]]
    for condition in conditions:
        for name in logic.references(logic.parse(condition)):
            if name not in known:
                raise CleaningError(
                    "condition",
                    _("%(name)s is no longer a variable (a step it came from was undone).",
                      name=name),
                )  # fmt: skip


def distinct_texts(survey: Survey, source: str) -> list[tuple[str, int]]:
    """The different texts given for ``source`` among the valid responses, most frequent
    first (texts compared after stripping spaces at the ends)."""
    counter: Counter[str] = Counter()
    for record in dataset.records(survey, clean=False):
        text = record.answers.get(source)
        if isinstance(text, str) and text.strip():
            counter[text.strip()] += 1
    return sorted(counter.items(), key=lambda pair: (-pair[1], pair[0].lower()))


def coded_counts(step: CleaningStep, texts: list[tuple[str, int]]) -> tuple[dict[str, int], int]:
    """How many responses each code of a coding step has, and how many are not coded
    (``texts``: ``distinct_texts``)."""
    counts: Counter[str] = Counter()
    uncoded = 0
    for text, n in texts:
        code = step.spec["assignments"].get(text)
        if code:
            counts[code] += n
        else:
            uncoded += n
    return dict(counts), uncoded


def update_code_frame(
    step: CleaningStep,
    codes: list[dict[str, str]],
    assignments: dict[str, str],
    *,
    actor: User | None = None,
) -> CleaningStep:
    """Change a coding step's code frame and which text has which code."""
    if step.kind != CODE or not step.active:
        raise CleaningError("step", _("Only an active coding step has a code frame."))
    survey = db.session.get(Survey, step.survey_id)
    earlier = [(s.kind, s.spec) for s in all_steps(survey) if s.active and s.id < step.id]
    spec = dict(step.spec, codes=codes, assignments=assignments)
    questionnaire = CleaningSteps(survey.definition, earlier).questionnaire()
    step.spec = check_spec(questionnaire, CODE, spec, existing=True)
    db.session.flush()
    audit.record(
        "survey.code_frame_changed", step, actor=actor, project=survey.project_id,
        codes=len(codes), coded=len(step.spec["assignments"]),
    )  # fmt: skip
    return step


def describe(step: CleaningStep) -> str:
    """The step in one line, for the list of steps and the report's method chapter."""
    spec = step.spec
    if step.kind == FILTER:
        return _("Filter: %(filter)s", filter=spec.get("label") or spec["condition"])
    if step.kind == RECODE:
        rules = "; ".join(f"{r['condition']} → {r['code']} {r['label']}" for r in spec["rules"])
        return _(
            "Recode %(name)s (%(label)s): %(rules)s",
            name=spec["name"], label=spec["label"], rules=rules,
        )  # fmt: skip
    if step.kind == CODE:
        return _(
            "Coding %(name)s (%(label)s) of the free text %(source)s: %(codes)d codes, "
            "%(coded)d texts coded",
            name=spec["name"], label=spec["label"], source=spec["source"],
            codes=len(spec["codes"]), coded=len(spec["assignments"]),
        )  # fmt: skip
    limits = ", ".join(f"{x:g}" for x in spec["limits"])
    return _(
        "Bands %(name)s from %(source)s: limits %(limits)s",
        name=spec["name"], source=spec["source"], limits=limits,
    )  # fmt: skip
