"""Skip-logic conditions in words, for paper forms and codebooks.

``${q12} = '1'`` becomes "«Ja» på spørsmål 12", ``selected(${q8}, 'annet')`` becomes "du har
krysset av for «Annet» i spørsmål 8", and ``and``/``or``/``not`` combine those. The words come
from the translation catalogue, so the caller picks the language with
``flask_babel.force_locale`` (the paper form speaks the questionnaire's language, not the
researcher's).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import gettext as _

from fieldkit.surveys.questionnaires import logic
from fieldkit.surveys.questionnaires.definition import (
    CHOICE_TYPES,
    GRID_MULTIPLE,
    GRID_TYPES,
    MULTIPLE,
    Item,
    Questionnaire,
    text_in,
)

#: ``a < b`` read from the other side, for conditions written as ``3 <= ${q4}``.
_MIRRORED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
#: How long a question text may be when an unnumbered question is named by its text.
_SHORT_TEXT = 40


def quoted(text: str) -> str:
    """``text`` in the language's quotation marks («…» in Norwegian)."""
    return _("“%(text)s”", text=text)


class ConditionWords:
    """Describes conditions on the items of one questionnaire in one language."""

    def __init__(self, questionnaire: Questionnaire, language: str):
        self.questionnaire = questionnaire
        self.language = language
        self.variables = questionnaire.variables()

    # -- public ---------------------------------------------------------------------------

    def item_instruction(self, expression: str | None) -> str:
        """The instruction printed above a conditional question, or "" when it has none."""
        if not expression:
            return ""
        return _("Answer only if %(condition)s.", condition=self.describe(expression))

    def section_instruction(self, expression: str | None) -> str:
        """The instruction printed under the title of a conditional section, or ""."""
        if not expression:
            return ""
        return _("Answer this part only if %(condition)s.", condition=self.describe(expression))

    def describe(self, expression: str) -> str:
        """The condition ``expression`` as a clause ("«Ja» på spørsmål 12")."""
        return self.clause(logic.parse(expression))

    # -- the tree -------------------------------------------------------------------------

    def clause(self, node: logic.Node, negated: bool = False) -> str:
        kind = node[0]
        if kind in ("and", "or"):
            if negated:
                return _("it is not the case that %(condition)s", condition=self.clause(node))
            parts = [self._part(child, kind) for child in node[1:]]
            text = parts[0]
            for part in parts[1:]:
                if kind == "and":
                    text = _("%(first)s and %(second)s", first=text, second=part)
                else:
                    text = _("%(first)s or %(second)s", first=text, second=part)
            return text
        if kind == "not":
            return self.clause(node[1], not negated)
        if kind == "selected":
            return self._chosen(node[1], node[2], negated)
        if kind == "answered":
            return self._answered(node[1], not negated)
        if kind == "cmp":
            return self._comparison(node, negated)
        # A bare operand holds when it has a value.
        return self._answered(node, not negated)

    def _part(self, child: logic.Node, parent: str) -> str:
        text = self.clause(child)
        if child[0] in ("and", "or") and child[0] != parent:
            return f"({text})"
        return text

    def _comparison(self, node: logic.Node, negated: bool) -> str:
        _kind, op, left, right = node
        if left[0] not in ("var", "self", "count") and right[0] in ("var", "self", "count"):
            left, right, op = right, left, _MIRRORED[op]
        if negated:
            op = {"=": "!=", "!=": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op]
        if right[0] in ("str", "num") and right[1] == "" and op in ("=", "!="):
            return self._answered(left, op == "!=")
        if left[0] == "count":
            return _(
                "you ticked %(comparison)s answers in %(question)s",
                comparison=self._compared(op, right),
                question=self._question(left[1]),
            )
        if left[0] == "var" and right[0] in ("str", "num"):
            item = self.variables.get(left[1])
            if item is not None and item.type in CHOICE_TYPES and op in ("=", "!="):
                return self._chosen(left, str(right[1]), op == "!=")
        if op == "!=":
            return _(
                "the answer to %(question)s is not %(value)s",
                question=self._question(left),
                value=self._value(right),
            )
        return _(
            "the answer to %(question)s is %(comparison)s",
            question=self._question(left),
            comparison=self._compared(op, right),
        )

    def _chosen(self, target: logic.Node, code: str, negated: bool) -> str:
        item = self.variables.get(target[1]) if target[0] == "var" else None
        if item is None:
            # Not a choice question (or ``.`` in a constraint): compare as text.
            return self._comparison(["cmp", "=", target, ["str", code]], negated)
        choice = item.choice(code)
        label = text_in(choice.label, self.language) if choice and choice.label else code
        question = self._question(target)
        if item.type in GRID_TYPES:
            row = next(r for r in item.rows if r.name == target[1])
            words = {"choice": label, "row": text_in(row.label, self.language)}
            if item.type == GRID_MULTIPLE:
                if negated:
                    return _(
                        "you did not tick “%(choice)s” for “%(row)s” in %(question)s",
                        question=question,
                        **words,
                    )
                return _(
                    "you ticked “%(choice)s” for “%(row)s” in %(question)s",
                    question=question,
                    **words,
                )
            if negated:
                return _(
                    "not “%(choice)s” for “%(row)s” in %(question)s", question=question, **words
                )
            return _("“%(choice)s” for “%(row)s” in %(question)s", question=question, **words)
        if item.type == MULTIPLE:
            if negated:
                return _(
                    "you did not tick “%(choice)s” in %(question)s", choice=label, question=question
                )
            return _("you ticked “%(choice)s” in %(question)s", choice=label, question=question)
        if negated:
            return _("not “%(choice)s” to %(question)s", choice=label, question=question)
        return _("“%(choice)s” to %(question)s", choice=label, question=question)

    def _answered(self, target: logic.Node, answered: bool) -> str:
        question = self._question(target)
        if answered:
            return _("%(question)s is answered", question=question)
        return _("%(question)s is not answered", question=question)

    def _compared(self, op: str, value: logic.Node) -> str:
        shown = self._value(value)
        if op == ">=":
            return _("at least %(value)s", value=shown)
        if op == ">":
            return _("more than %(value)s", value=shown)
        if op == "<=":
            return _("at most %(value)s", value=shown)
        if op == "<":
            return _("less than %(value)s", value=shown)
        return shown

    def _value(self, node: logic.Node) -> str:
        if node[0] == "num":
            return number(node[1])
        if node[0] == "str":
            try:
                Decimal(node[1])
            except InvalidOperation:
                return quoted(node[1])
            return number(node[1])
        if node[0] in ("var", "self", "count"):
            return self._question(node)
        return str(node[1])

    def _question(self, node: logic.Node) -> str:
        """How a question is named: "spørsmål 12", or by its text when it has no number."""
        if node[0] == "self":
            return _("this question")
        if node[0] == "count":
            return self._question(node[1])
        name = node[1]
        item = self.variables.get(name)
        if item is None:
            return name
        return question_name(item, self.language)


def question_name(item: Item, language: str) -> str:
    """ "spørsmål 12", or "spørsmålet «Din alder»" for an unnumbered question."""
    if item.number:
        return _("question %(number)s", number=item.number)
    text = text_in(item.label, language) or item.name
    if len(text) > _SHORT_TEXT:
        text = text[: _SHORT_TEXT - 1].rstrip() + "…"
    return _("the question “%(text)s”", text=text)


def number(value: str) -> str:
    """A number as the language writes it (decimal comma in Norwegian)."""
    try:
        return format_decimal(Decimal(str(value)), format="0.########")
    except InvalidOperation:
        return str(value)
