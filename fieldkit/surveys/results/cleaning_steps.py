"""The survey's cleaning steps as they apply: checked, and applied to answers alike everywhere.

A survey's active steps, in order, make ``CleaningSteps``, which every consumer of results
applies the same way (tables, figures, exports): filters keep only the responses a condition
holds for (XLSForm syntax, e.g. ``${q12} = '1'``); recodes derive a new single-choice variable
from conditions on the answers (the first rule that holds gives the code, e.g. both "fantes fra
før" and "laget i forbindelse med satsingen" ticked -> "fantes fra før, men ble fornyet"); bands
derive a banded variable from a number; codes give free texts a code from a code frame. Later
steps may use the variables earlier ones derive. Undone steps are not applied. Discarded
responses are always left out (``outcomes.discard_response``), so they need no step of their
own.

Below the data set (which applies the steps as it reads) and the cleaning operations
(``cleaning``: adding, undoing and describing steps).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fieldkit.extensions import db
from fieldkit.surveys.models import CleaningStep, Survey
from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.questionnaires import logic
from fieldkit.surveys.results.numbers import TableError, bands_from_limits, parse_bands

FILTER, RECODE, BAND, CODE = "filter", "recode", "band", "code"
KINDS = (FILTER, RECODE, BAND, CODE)
DERIVED_SECTION = "avledet"
#: The title of the section of derived variables, as a questionnaire text.
DERIVED_TITLE = {"nb": "Avledede variabler", "nn": "Avleidde variablar", "en": "Derived variables"}


class CleaningError(ValueError):
    """A step that cannot be used; ``field`` names what is wrong."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        self.message = message
        super().__init__(f"{field_name}: {message}")


def _condition(text: Any, where: str) -> str:
    text = str(text or "").strip()
    if not text:
        raise CleaningError(where, _("Write a condition, e.g. ${q12} = '1'."))
    try:
        logic.parse(text)
    except logic.ConditionError as exc:
        raise CleaningError(
            where, _("The condition “%(condition)s” cannot be read: %(error)s", condition=text,
                     error=str(exc))
        ) from None  # fmt: skip
    return text


def _new_name(name: Any, taken: set[str]) -> str:
    name = str(name or "").strip()
    if not d.NAME_PATTERN.match(name):
        raise CleaningError(
            "name",
            _("“%(name)s” is not a variable name: start with a letter and use at most 32 "
              "letters, digits and _.", name=name),
        )  # fmt: skip
    if name.lower() in {t.lower() for t in taken}:
        raise CleaningError(
            "name", _("The survey already has a variable named %(name)s.", name=name)
        )
    return name


def taken_names(questionnaire: d.Questionnaire) -> set[str]:
    """The names the questionnaire's variables and items take (a new variable needs another)."""
    names = set(questionnaire.variables())
    names.update(item.name for _s, item in questionnaire.items())
    return names


def check_spec(
    questionnaire: d.Questionnaire, kind: str, spec: dict[str, Any], *, existing: bool = False
) -> dict[str, Any]:
    """The step's spec, checked against ``questionnaire`` (with earlier derived variables);
    ``existing``: the step is already stored (its variable name is its own)."""
    if kind == FILTER:
        return {
            "condition": _condition(spec.get("condition"), "condition"),
            "label": str(spec.get("label") or "").strip(),
        }
    if kind == RECODE:
        name = _new_name(spec.get("name"), taken_names(questionnaire))
        rules = []
        codes = set()
        for index, rule in enumerate(spec.get("rules") or [], start=1):
            code = str(rule.get("code") or "").strip()
            if not d.CODE_PATTERN.match(code):
                raise CleaningError(
                    f"rules[{index}].code",
                    _("Rule %(number)d: the code “%(code)s” may only have letters, digits and _.",
                      number=index, code=code),
                )  # fmt: skip
            if code in codes:
                raise CleaningError(
                    f"rules[{index}].code",
                    _("Rule %(number)d: the code %(code)s is used twice.", number=index, code=code),
                )
            codes.add(code)
            rules.append(
                {
                    "condition": _condition(rule.get("condition"), f"rules[{index}].condition"),
                    "code": code,
                    "label": str(rule.get("label") or code).strip(),
                }
            )
        if not rules:
            raise CleaningError("rules", _("A recode needs at least one rule."))
        return {"name": name, "label": str(spec.get("label") or name).strip(), "rules": rules}
    if kind == BAND:
        source = questionnaire.item(str(spec.get("source") or ""))
        if source is None or source.type not in d.NUMBER_TYPES:
            raise CleaningError("source", _("Choose a number question to make bands of."))
        name = _new_name(spec.get("name"), taken_names(questionnaire))
        limits = spec.get("limits")
        text = limits if isinstance(limits, str) else ",".join(str(x) for x in limits or [])
        try:
            bands = parse_bands(text)
        except TableError as exc:
            raise CleaningError("limits", exc.args[0]) from None
        return {
            "source": source.name,
            "name": name,
            "label": str(spec.get("label") or name).strip(),
            "limits": [b.lower for b in bands],
        }
    if kind == CODE:
        source = str(spec.get("source") or "")
        if source not in text_sources(questionnaire):
            raise CleaningError(
                "source", _("Choose a free-text question or an “other” text to code.")
            )
        name = spec["name"] if existing else _new_name(spec.get("name"), taken_names(questionnaire))
        codes = []
        for index, entry in enumerate(spec.get("codes") or [], start=1):
            code = str(entry.get("code") or "").strip()
            if not d.CODE_PATTERN.match(code):
                raise CleaningError(
                    f"codes[{index}].code",
                    _("Code %(number)d: “%(code)s” may only have letters, digits and _.",
                      number=index, code=code),
                )  # fmt: skip
            if code in {c["code"] for c in codes}:
                raise CleaningError(
                    f"codes[{index}].code",
                    _("Code %(number)d: the code %(code)s is used twice.", number=index, code=code),
                )
            codes.append({"code": code, "label": str(entry.get("label") or code).strip()})
        known = {c["code"] for c in codes}
        assignments = {}
        for text, code in (spec.get("assignments") or {}).items():
            if code in (None, ""):
                continue
            if code not in known:
                raise CleaningError(
                    "assignments",
                    _("The text “%(text)s” has the code %(code)s, which is not in the code frame.",
                      text=text, code=code),
                )  # fmt: skip
            assignments[str(text).strip()] = code
        return {
            "source": source,
            "name": name,
            "label": str(spec.get("label") or name).strip(),
            "codes": codes,
            "assignments": assignments,
        }
    raise CleaningError(
        "kind", _("A step is one of %(kinds)s, not “%(kind)s”.", kinds=", ".join(KINDS), kind=kind)
    )


def text_sources(questionnaire: d.Questionnaire) -> dict[str, str]:
    """The stored names of free texts (text questions and "other" texts), with labels."""
    found: dict[str, str] = {}
    for _section, item in questionnaire.items():
        label = d.text_in(item.label, "nb")
        if item.type in (d.TEXT, d.LONG_TEXT):
            found[item.name] = label
        for choice in item.choices if item.type in (d.SINGLE, d.MULTIPLE) else []:
            if choice.other:
                found[f"{item.name}.{choice.code}"] = f"{label} – {d.text_in(choice.label, 'nb')}"
        for row in item.rows if item.type in d.GRID_TYPES else []:
            if row.other:
                found[f"{row.name}.other"] = f"{label} – {d.text_in(row.label, 'nb')}"
    return found


@dataclass
class CleaningSteps:
    """The active steps, ready to apply to answers and to describe derived variables."""

    base: d.Questionnaire
    steps: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._derived: list[d.Item] = []
        self._actions: list[tuple[str, Any]] = []
        for kind, spec in self.steps:
            if kind == FILTER:
                self._actions.append((FILTER, logic.parse(spec["condition"])))
            elif kind == RECODE:
                rules = [(logic.parse(r["condition"]), r["code"]) for r in spec["rules"]]
                self._actions.append((RECODE, (spec["name"], rules)))
                self._derived.append(
                    d.Item(
                        name=spec["name"],
                        type=d.SINGLE,
                        label={"nb": spec["label"]},
                        choices=[d.Choice(r["code"], {"nb": r["label"]}) for r in spec["rules"]],
                    )
                )
            elif kind == CODE:
                self._actions.append((CODE, (spec["source"], spec["name"], spec["assignments"])))
                self._derived.append(
                    d.Item(
                        name=spec["name"],
                        type=d.SINGLE,
                        label={"nb": spec["label"]},
                        choices=[d.Choice(c["code"], {"nb": c["label"]}) for c in spec["codes"]],
                    )
                )
            elif kind == BAND:
                bands = bands_from_limits(spec["limits"])
                self._actions.append((BAND, (spec["source"], spec["name"], bands)))
                self._derived.append(
                    d.Item(
                        name=spec["name"],
                        type=d.SINGLE,
                        label={"nb": spec["label"]},
                        ordinal=True,
                        choices=[
                            d.Choice(str(i), {"nb": b.name()}) for i, b in enumerate(bands, start=1)
                        ],
                    )  # fmt: skip
                )

    @property
    def empty(self) -> bool:
        return not self._actions

    def questionnaire(self) -> d.Questionnaire:
        """The questionnaire with the derived variables as a last section."""
        if not self._derived:
            return self.base
        extended = copy.copy(self.base)
        extended.sections = [
            *self.base.sections,
            d.Section(DERIVED_SECTION, DERIVED_TITLE, None, list(self._derived)),
        ]
        return extended

    def apply_answers(self, original: dict[str, Any]) -> dict[str, Any] | None:
        """A response's answers as the steps see them (None when a filter leaves it out);
        ``original`` is not changed."""
        answers = dict(original)
        for kind, action in self._actions:
            if kind == FILTER:
                if not logic.evaluate(action, answers):
                    return None
            elif kind == RECODE:
                name, rules = action
                answers.pop(name, None)
                for tree, code in rules:
                    if logic.evaluate(tree, answers):
                        answers[name] = code
                        break
            elif kind == CODE:
                source, name, assignments = action
                answers.pop(name, None)
                text = answers.get(source)
                if isinstance(text, str) and text.strip() in assignments:
                    answers[name] = assignments[text.strip()]
            else:
                source, name, bands = action
                answers.pop(name, None)
                value = _number(answers.get(source))
                if value is not None:
                    for index, band in enumerate(bands, start=1):
                        if band.holds(value):
                            answers[name] = str(index)
                            break
        return answers


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", ".").replace(" ", ""))
    except ValueError:
        return None


def all_steps(survey: Survey) -> list[CleaningStep]:
    """Every step of the survey, undone ones included, in order."""
    return list(
        db.session.scalars(
            sa.select(CleaningStep)
            .where(CleaningStep.survey_id == survey.id)
            .order_by(CleaningStep.id)
        )
    )


def active_steps(survey: Survey) -> CleaningSteps:
    """The survey's active steps, in order, ready to apply."""
    steps = [(s.kind, s.spec) for s in all_steps(survey) if s.active]
    return CleaningSteps(survey.definition, steps)
