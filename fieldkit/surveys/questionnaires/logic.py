"""Skip-logic conditions: parsing, evaluating, and which items a respondent is shown.

Conditions use the XLSForm expression syntax that researchers already know, in the subset that
questionnaires need::

    ${q19} = 'ja'                      a choice, text or number equals
    ${q4} >= 3 and ${q4} <= 10         numbers compare
    selected(${q14}, 'annet')          a choice is ticked (single or multiple choice)
    count-selected(${q14}) > 1         how many are ticked
    ${q20} != ''                       is answered
    not(${q7} = 'nei') or ...          and, or, not, parentheses

In a constraint, ``.`` stands for the answer being checked (``. >= 0 and . <= 10``).

A parsed condition is a small tree of lists (JSON-friendly), so the browser evaluates exactly
the same tree as the server (``static/js/surveys/logic.js``).

Conditions read the questionnaire's items (``items``); the definition's checks (``checks``)
parse conditions, so this module sits between the two and imports neither ``checks`` nor
``native``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from fieldkit.core.i18n import N_, ExplainedError
from fieldkit.surveys.questionnaires.items import Questionnaire

Node = list[Any]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ref>\$\{(?P<name>[A-Za-z][A-Za-z0-9_]*)\})
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<op><=|>=|!=|=|<|>)
      | (?P<func>selected|count-selected|not|answered)\s*(?=\()
      | (?P<word>and|or)\b
      | (?P<punct>[(),])
      | (?P<dot>\.)
    )""",
    re.VERBOSE,
)


class ConditionError(ExplainedError):
    """A condition that cannot be parsed; the message says where."""


def _tokens(expression: str) -> list[tuple[str, str]]:
    tokens = []
    position = 0
    expression = expression.strip()
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if not match or match.end() == position:
            rest = expression[position:].strip()
            raise ConditionError(N_("cannot read the condition from '%(rest)s'"), rest=rest[:20])
        kind = match.lastgroup if match.lastgroup != "name" else "ref"
        for group in ("ref", "number", "string", "op", "func", "word", "punct", "dot"):
            if match.group(group) is not None:
                kind = group
                break
        value = match.group("name") if kind == "ref" else match.group(kind)
        tokens.append((kind, value))
        position = match.end()
        while position < len(expression) and expression[position].isspace():
            position += 1
    return tokens


class _Parser:
    def __init__(self, expression: str):
        self.expression = expression
        self.tokens = _tokens(expression)
        self.position = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, kind: str | None = None, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (kind and token[0] != kind) or (value and token[1] != value):
            wanted = value or kind or "more"
            if token is None:
                raise ConditionError(
                    N_("expected %(wanted)s but the condition ends: '%(expression)s'"),
                    wanted=wanted,
                    expression=self.expression,
                )
            raise ConditionError(
                N_("expected %(wanted)s but found %(found)s in '%(expression)s'"),
                wanted=wanted,
                found=token[1],
                expression=self.expression,
            )
        self.position += 1
        return token

    def parse(self) -> Node:
        node = self.or_expression()
        if self.peek() is not None:
            raise ConditionError(
                N_("unexpected '%(token)s' in '%(expression)s'"),
                token=self.peek()[1],
                expression=self.expression,
            )
        return node

    def or_expression(self) -> Node:
        parts = [self.and_expression()]
        while self.peek() == ("word", "or"):
            self.take()
            parts.append(self.and_expression())
        return parts[0] if len(parts) == 1 else ["or", *parts]

    def and_expression(self) -> Node:
        parts = [self.comparison()]
        while self.peek() == ("word", "and"):
            self.take()
            parts.append(self.comparison())
        return parts[0] if len(parts) == 1 else ["and", *parts]

    def comparison(self) -> Node:
        left = self.operand()
        token = self.peek()
        if token and token[0] == "op":
            self.take()
            return ["cmp", token[1], left, self.operand()]
        return left

    def operand(self) -> Node:
        kind, value = self.take()
        if kind == "ref":
            return ["var", value]
        if kind == "dot":
            return ["self"]
        if kind == "number":
            return ["num", value]
        if kind == "string":
            return ["str", value[1:-1]]
        if kind == "punct" and value == "(":
            node = self.or_expression()
            self.take("punct", ")")
            return node
        if kind == "func":
            self.take("punct", "(")
            if value == "not":
                node = ["not", self.or_expression()]
            elif value == "answered":
                node = ["answered", self.operand()]
            else:
                target = self.operand()
                if target[0] not in ("var", "self"):
                    raise ConditionError(
                        N_("%(function)s() takes a question, e.g. %(function)s(${q14})"),
                        function=value,
                    )
                if value == "selected":
                    self.take("punct", ",")
                    code = self.operand()
                    if code[0] not in ("str", "num"):
                        raise ConditionError(
                            N_(
                                "selected() compares with a choice code in quotes, "
                                "e.g. selected(${q14}, '3')"
                            )
                        )
                    node = ["selected", target, code[1]]
                else:
                    node = ["count", target]
            self.take("punct", ")")
            return node
        raise ConditionError(
            N_("unexpected '%(token)s' in '%(expression)s'"),
            token=value,
            expression=self.expression,
        )


def parse(expression: str) -> Node:
    """The tree of ``expression``; raises ``ConditionError`` with a readable message.

    Trees are cached and shared: treat them as read-only.
    """
    if not expression or not expression.strip():
        raise ConditionError(N_("the condition is empty"))
    return _parse(expression)


@lru_cache(maxsize=4096)
def _parse(expression: str) -> Node:
    return _Parser(expression).parse()


def references(node: Node) -> list[str]:
    """The variable names a condition reads, in order of appearance."""
    found: list[str] = []

    def walk(part: Any) -> None:
        if isinstance(part, list) and part:
            if part[0] == "var":
                if part[1] not in found:
                    found.append(part[1])
                return
            for child in part[1:]:
                walk(child)

    walk(node)
    return found


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        return None


def _value(node: Node, answers: dict[str, Any], this: Any) -> Any:
    kind = node[0]
    if kind == "var":
        return answers.get(node[1])
    if kind == "self":
        return this
    if kind == "num":
        return Decimal(node[1])
    if kind == "str":
        return node[1]
    if kind == "count":
        value = _value(node[1], answers, this)
        if _is_empty(value):
            return Decimal(0)
        return Decimal(len(value) if isinstance(value, list) else 1)
    return evaluate(node, answers, this)


def _compare(op: str, left: Any, right: Any) -> bool:
    if isinstance(left, list):  # a multiple choice compared with a code: "is it ticked"
        return (
            (str(right) in left) if op == "=" else (str(right) not in left) if op == "!=" else False
        )
    if op in ("=", "!=") and (right == "" or left == ""):
        other = left if right == "" else right
        return _is_empty(other) if op == "=" else not _is_empty(other)
    if _is_empty(left) or _is_empty(right):
        return op == "!=" and not (_is_empty(left) and _is_empty(right))
    left_number, right_number = _as_number(left), _as_number(right)
    if left_number is not None and right_number is not None:
        left, right = left_number, right_number
    else:
        left, right = str(left), str(right)
    return {
        "=": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]


def evaluate(node: Node, answers: dict[str, Any], this: Any = None) -> bool:
    """Whether the condition holds for ``answers`` (``this``: the answer a constraint checks)."""
    kind = node[0]
    if kind == "and":
        return all(evaluate(child, answers, this) for child in node[1:])
    if kind == "or":
        return any(evaluate(child, answers, this) for child in node[1:])
    if kind == "not":
        return not evaluate(node[1], answers, this)
    if kind == "cmp":
        return _compare(node[1], _value(node[2], answers, this), _value(node[3], answers, this))
    if kind == "selected":
        value = _value(node[1], answers, this)
        if isinstance(value, list):
            return node[2] in value
        return value is not None and str(value) == node[2]
    if kind == "answered":
        return not _is_empty(_value(node[1], answers, this))
    # A bare operand as a condition: true when it has a value.
    return not _is_empty(_value(node, answers, this))


def holds(expression: str | None, answers: dict[str, Any]) -> bool:
    """Whether an (optional) condition holds; no condition always holds."""
    return True if not expression else evaluate(parse(expression), answers)


def visibility(questionnaire: Questionnaire, answers: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The sections and the items the respondent is shown, given ``answers``.

    Conditions are evaluated in questionnaire order against the answers of items that are
    themselves shown, so hiding a question also hides whatever depends on it.
    """
    # Every page view and save works this out several times: plain loops, no ``holds()``
    # call for the many items without a condition.
    effective: dict[str, Any] = {}
    shown_sections: set[str] = set()
    shown_items: set[str] = set()
    for section in questionnaire.sections:
        if section.relevant and not evaluate(parse(section.relevant), effective):
            continue  # its items are hidden with it
        shown_sections.add(section.name)
        for item in section.items:
            if item.relevant and not evaluate(parse(item.relevant), effective):
                continue
            shown_items.add(item.name)
            for name in item.variable_names():
                if name in answers:
                    effective[name] = answers[name]
    return shown_sections, shown_items


def prune(questionnaire: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    """``answers`` without those of hidden items (stale answers are never stored)."""
    _sections, shown = visibility(questionnaire, answers)
    keep: set[str] = set()
    for section in questionnaire.sections:
        for item in section.items:
            if item.name not in shown:
                continue
            keep.update(item.variable_names())
            if item.choices:
                value = answers.get(item.name)
                chosen = value if isinstance(value, list) else [value]
                # The text of an "Annet" choice is kept only while that choice is chosen.
                for choice in item.choices:
                    if choice.other and choice.code in chosen:
                        keep.add(f"{item.name}.{choice.code}")
            for row in item.rows:
                if row.other:
                    keep.add(f"{row.name}.other")
    return {name: value for name, value in answers.items() if name in keep}
