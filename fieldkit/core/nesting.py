"""YAML and JSON from outside (uploaded files, request bodies), with their nesting bounded.

Parsers recurse once per level: ``[[[[…]]]]`` ten thousand levels deep is a few kilobytes that
end in ``RecursionError`` (a 500) inside PyYAML's composer or the json module, or deeper in
whatever walks the result. And a YAML alias (``*name``) repeats its anchor's whole subtree
without repeating its text, so nine lines of aliases ("billion laughs") make a structure of a
billion nodes for anything that walks it. So a document is refused when it nests deeper than
``MAX_DEPTH`` levels, and YAML aliases are refused: no fieldkit format needs them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from flask.json.provider import DefaultJSONProvider

#: Levels of nesting accepted; fieldkit's own formats use fewer than ten.
MAX_DEPTH = 64


class NestingError(ValueError):
    """A document nested too deeply (``alias`` False), or a YAML alias (``alias`` True);
    ``line`` is 1-based, or None for JSON."""

    def __init__(self, message: str, line: int | None = None, *, alias: bool = False):
        super().__init__(message)
        self.line = line
        self.alias = alias


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and dicts in ``value`` nest more than ``limit`` levels (without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def loads_json(text: str | bytes) -> Any:
    """``json.loads`` that raises ``NestingError`` (a ValueError) instead of recursing too deep."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise NestingError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    if too_deep(value):
        raise NestingError(f"JSON nested deeper than {MAX_DEPTH} levels")
    return value


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading request bodies with ``loads_json``: ``request.get_json`` then
    answers a too-deep body as it answers broken JSON (400, or None when ``silent``)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse JSON text, refusing nesting deeper than ``MAX_DEPTH``."""
        return loads_json(s)


_FLOW = re.compile(r"[\[\]{}]")


def flow_too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The 1-based line where ``[``/``{`` brackets first nest deeper than ``limit``, or None.

    Run before PyYAML sees the text: its scanner looks ahead over a whole run of flow
    brackets before it emits the first token, in time that grows with the square of the run
    (100 000 brackets take seconds), so the composer's own bound would come too late.
    Brackets inside quoted text count too: a real document never has 64 unclosed ones."""
    depth = 0
    for match in _FLOW.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return text.count("\n", 0, match.start()) + 1
        else:
            depth = max(0, depth - 1)
    return None


class BoundedComposer:
    """A mixin for a PyYAML loader: refuses aliases and nesting deeper than ``MAX_DEPTH``
    while the document is composed, before any structure is built from it."""

    _nesting = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose one node, one level deeper."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise NestingError("YAML alias", event.start_mark.line + 1, alias=True)
        self._nesting += 1
        try:
            if self._nesting > MAX_DEPTH:
                event = self.peek_event()
                raise NestingError("YAML nested too deeply", event.start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._nesting -= 1


class BoundedSafeLoader(BoundedComposer, yaml.SafeLoader):
    """PyYAML's safe loader with ``BoundedComposer``'s bounds."""
