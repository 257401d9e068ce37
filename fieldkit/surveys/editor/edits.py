"""Edits of questionnaire definitions: pure functions, each returning a new definition.

Every edit copies the definition it is given, changes the copy, and passes it through
``validated`` (the native format's own loader and ``definition.check``), so a change that would
not load is refused with a ``DefinitionError`` and the original stays as it was. Nothing here
touches the database; ``editor.operations`` saves the result.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import asdict, replace

from flask_babel import lazy_gettext as _l

from fieldkit.surveys.editor import messages
from fieldkit.surveys.questionnaires import definition, logic
from fieldkit.surveys.questionnaires.definition import (
    CHOICE_TYPES,
    GRID_TYPES,
    NAME_PATTERN,
    Choice,
    DefinitionError,
    Item,
    Questionnaire,
    Section,
    Text,
)

UP, DOWN = -1, 1


def _error(path: str, message) -> DefinitionError:
    return DefinitionError(path, str(message))


#: What the places the loader names are called on the editor's pages.
FIELD_NAMES = {
    "relevant": _l("condition"),
    "constraint": _l("constraint"),
    "options": _l("choices"),
    "columns": _l("columns"),
    "rows": _l("rows"),
    "row_count": _l("number of rows"),
    "name": _l("variable name"),
    "title": _l("title"),
    "min": _l("minimum"),
    "max": _l("maximum"),
    "denominator": _l("denominator"),
    "type": _l("type"),
    "required": _l("required"),
}

_PATH = re.compile(r"^sections\[(\d+)\](?:\.questions\[(\d+)\])?(?:\.([A-Za-z_]+))?(.*)$")


def where(questionnaire: Questionnaire, path: str) -> str:
    """The loader's ``sections[1].questions[2].relevant`` said as the editor shows it:
    ``question q20, condition``."""
    match = _PATH.match(path or "")
    if not match:
        return path
    s_index, i_index, key, rest = match.groups()
    try:
        section = questionnaire.sections[int(s_index)]
        if i_index is None:
            place = str(_l("section %(name)s", name=section.name))
        else:
            place = str(_l("question %(name)s", name=section.items[int(i_index)].name))
    except IndexError:
        return path
    if key:
        place += ", " + str(FIELD_NAMES.get(key, key)) + rest
    return place


def validated(questionnaire: Questionnaire) -> Questionnaire:
    """``questionnaire`` as the native loader reads it back; raises ``DefinitionError`` whose
    path names the section or question (``question q20, condition``)."""
    try:
        loaded = definition.from_dict(definition.to_dict(questionnaire))
        _check_codes(loaded)
        return loaded
    except DefinitionError as exc:
        error = DefinitionError(
            where(questionnaire, exc.path), messages.translate(exc.english, exc.message)
        )
        # Which section or item, and which of its settings, so a page can show the message at
        # the field it concerns.
        error.section, error.item, error.field = _place(questionnaire, exc.path)
        raise error from None


def _compared_codes(node) -> list[tuple[str, str]]:
    """(variable, code) for each comparison of a variable with a literal, and each selected()."""
    found: list[tuple[str, str]] = []

    def walk(part) -> None:
        if not isinstance(part, list) or not part:
            return
        if part[0] == "cmp" and part[1] in ("=", "!="):
            sides = [part[2], part[3]]
            variables = [side[1] for side in sides if side[0] == "var"]
            literals = [side[1] for side in sides if side[0] in ("str", "num")]
            if len(variables) == 1 and len(literals) == 1 and literals[0] != "":
                found.append((variables[0], literals[0]))
        elif part[0] == "selected" and part[1][0] == "var":
            found.append((part[1][1], str(part[2])))
        for child in part[1:]:
            walk(child)

    walk(node)
    return found


def _check_codes(questionnaire: Questionnaire) -> None:
    """Refuse a condition comparing a choice question with a code it does not have: it could
    never hold (typically left behind when a choice's code was changed)."""
    variables = questionnaire.variables()
    places = [
        (f"sections[{s}].relevant", section.relevant)
        for s, section in enumerate(questionnaire.sections)
    ] + [
        (f"sections[{s}].questions[{i}].relevant", item.relevant)
        for s, section in enumerate(questionnaire.sections)
        for i, item in enumerate(section.items)
    ]
    for path, expression in places:
        if not expression:
            continue
        for name, code in _compared_codes(logic.parse(expression)):
            item = variables.get(name)
            if item is None or item.type not in CHOICE_TYPES:
                continue
            if item.choice(code) is None:
                raise DefinitionError(
                    path,
                    str(
                        _l(
                            "compares %(name)s with '%(code)s', which is not one of its codes "
                            "(%(codes)s)",
                            name=name,
                            code=code,
                            codes=", ".join(c.code for c in item.choices),
                        )
                    ),
                )


def _place(questionnaire: Questionnaire, path: str) -> tuple[str | None, str | None, str | None]:
    """(section name, item name or None, key) of a loader path; Nones when it names neither."""
    match = _PATH.match(path or "")
    if not match:
        return None, None, None
    s_index, i_index, key, _rest = match.groups()
    try:
        section = questionnaire.sections[int(s_index)]
        item = None if i_index is None else section.items[int(i_index)].name
    except IndexError:
        return None, None, key
    return section.name, item, key


def blank(title: Text, intro: Text, languages: list[str]) -> Questionnaire:
    """A new questionnaire with one empty section."""
    return validated(
        Questionnaire(
            title=dict(title),
            intro=dict(intro),
            languages=list(languages),
            sections=[Section(name="s1")],
        )
    )


def set_settings(
    questionnaire: Questionnaire,
    *,
    title: Text,
    intro: Text,
    languages: list[str],
    anonymous: bool = False,
    interviewer_assisted_allowed: bool = False,
) -> Questionnaire:
    """Change the title, introduction, offered languages and mode flags."""
    new = copy.deepcopy(questionnaire)
    new.title, new.intro, new.languages = dict(title), dict(intro), list(languages)
    new.anonymous = anonymous
    new.interviewer_assisted_allowed = interviewer_assisted_allowed
    return validated(new)


# --------------------------------------------------------------------------------------------
# Sections


def section_index(questionnaire: Questionnaire, name: str) -> int:
    """The position of section ``name``; raises ``DefinitionError`` when there is none."""
    for index, section in enumerate(questionnaire.sections):
        if section.name == name:
            return index
    raise _error("", _l("There is no section named '%(name)s'.", name=name))


def free_section_name(questionnaire: Questionnaire) -> str:
    """The first of s1, s2, ... not used by a section or an item."""
    used = {s.name for s in questionnaire.sections} | set(questionnaire.variables())
    used |= {i.name for _s, i in questionnaire.items()}
    number = 1
    while f"s{number}" in used:
        number += 1
    return f"s{number}"


def add_section(questionnaire: Questionnaire, *, title: Text | None = None) -> Questionnaire:
    """Append a section (a page) named by the first free ``sN``."""
    new = copy.deepcopy(questionnaire)
    new.sections.append(Section(name=free_section_name(questionnaire), title=dict(title or {})))
    return validated(new)


def update_section(
    questionnaire: Questionnaire,
    name: str,
    *,
    new_name: str,
    title: Text,
    relevant: str | None,
) -> Questionnaire:
    """Change a section's name, title and condition."""
    new = copy.deepcopy(questionnaire)
    section = new.sections[section_index(new, name)]
    section.name, section.title, section.relevant = new_name, dict(title), relevant or None
    return validated(new)


def move_section(questionnaire: Questionnaire, name: str, direction: int) -> Questionnaire:
    """Move a section one place up (``UP``) or down (``DOWN``)."""
    new = copy.deepcopy(questionnaire)
    index = section_index(new, name)
    target = index + direction
    if not 0 <= target < len(new.sections):
        raise _error("", _l("The section is already at the edge and cannot move further."))
    new.sections[index], new.sections[target] = new.sections[target], new.sections[index]
    return validated(new)


def delete_section(questionnaire: Questionnaire, name: str) -> Questionnaire:
    """Delete a section and the items in it (a questionnaire keeps at least one section)."""
    new = copy.deepcopy(questionnaire)
    index = section_index(new, name)
    if len(new.sections) == 1:
        raise _error("", _l("A questionnaire needs at least one section."))
    del new.sections[index]
    return validated(new)


# --------------------------------------------------------------------------------------------
# Items


def locate(questionnaire: Questionnaire, name: str) -> tuple[int, int]:
    """(section index, item index) of item ``name``; raises ``DefinitionError`` if missing."""
    for s_index, section in enumerate(questionnaire.sections):
        for i_index, item in enumerate(section.items):
            if item.name == name:
                return s_index, i_index
    raise _error("", _l("There is no question named '%(name)s'.", name=name))


def _synchronise(questionnaire: Questionnaire) -> None:
    """Give every item that reuses a shared choice list a copy of the list's choices."""
    for _section, item in questionnaire.items():
        if item.choice_list is not None:
            if item.choice_list not in questionnaire.choice_lists:
                raise _error(
                    item.name,
                    _l("There is no choice list named '%(name)s'.", name=item.choice_list),
                )
            item.choices = [replace(c) for c in questionnaire.choice_lists[item.choice_list]]


def _rename_references(questionnaire: Questionnaire, old: str, new: str) -> None:
    """Rewrite ``${old}`` to ``${new}`` in every condition and constraint."""
    pattern = re.compile(r"\$\{" + re.escape(old) + r"\}")
    replacement = "${" + new + "}"
    for section in questionnaire.sections:
        if section.relevant:
            section.relevant = pattern.sub(replacement, section.relevant)
        for item in section.items:
            if item.relevant:
                item.relevant = pattern.sub(replacement, item.relevant)
            if item.constraint:
                item.constraint = pattern.sub(replacement, item.constraint)


def _renamed_codes(old: list[Choice], new: list[Choice]) -> dict[str, str]:
    """Codes changed in place: same position, the old code gone and the new one not there
    before (so ``ja``/``nei`` recoded as ``1``/``2`` is a renaming, a reordering is not)."""
    old_codes, new_codes = [c.code for c in old], [c.code for c in new]
    return {
        before: after
        for before, after in zip(old_codes, new_codes, strict=False)
        if before != after and before not in new_codes and after not in old_codes
    }


def _rename_codes(questionnaire: Questionnaire, variables: list[str], codes: dict[str, str]):
    """Rewrite ``${v} = 'old'``, ``${v} != 'old'`` and ``selected(${v}, 'old')`` to the new
    codes, for each variable ``v`` of ``variables``."""
    if not codes:
        return
    patterns = []
    for variable in variables:
        ref = r"\$\{" + re.escape(variable) + r"\}"
        for before, after in codes.items():
            code = re.escape(before)
            patterns.append(
                (re.compile(r"(" + ref + r"\s*!?=\s*)(['\"]?)" + code + r"\2(?![\w.])"), after)
            )
            patterns.append(
                (re.compile(r"(selected\(\s*" + ref + r"\s*,\s*)(['\"]?)" + code + r"\2"), after)
            )

    def rewrite(expression: str | None) -> str | None:
        if not expression:
            return expression
        for pattern, after in patterns:
            expression = pattern.sub(
                lambda m, a=after: m.group(1) + m.group(2) + a + m.group(2), expression
            )
        return expression

    for section in questionnaire.sections:
        section.relevant = rewrite(section.relevant)
        for item in section.items:
            item.relevant = rewrite(item.relevant)


def add_item(questionnaire: Questionnaire, section_name: str, item: Item) -> Questionnaire:
    """Append ``item`` to a section."""
    new = copy.deepcopy(questionnaire)
    if new.item(item.name) is not None:
        raise _error("name", _l("The name '%(name)s' is already used.", name=item.name))
    section = new.sections[section_index(new, section_name)]
    section.items.append(copy.deepcopy(item))
    _synchronise(new)
    return validated(new)


def update_item(questionnaire: Questionnaire, name: str, item: Item) -> Questionnaire:
    """Replace item ``name`` by ``item``; a new variable name is carried into conditions."""
    new = copy.deepcopy(questionnaire)
    s_index, i_index = locate(new, name)
    if item.name != name and new.item(item.name) is not None:
        raise _error("name", _l("The name '%(name)s' is already used.", name=item.name))
    before = new.sections[s_index].items[i_index]
    old_rows = [row.name for row in before.rows]
    if item.choice_list is None and before.choice_list is None:
        # Choice codes recoded in place carry into the conditions on this item.
        _rename_codes(new, before.variable_names(), _renamed_codes(before.choices, item.choices))
    new.sections[s_index].items[i_index] = copy.deepcopy(item)
    if item.name != name:
        _rename_references(new, name, item.name)
    # A grid row renamed in place (same position, old name gone) carries its new name along.
    new_rows = [row.name for row in item.rows]
    for old_row, new_row in zip(old_rows, new_rows, strict=False):
        if old_row != new_row and old_row not in new_rows:
            _rename_references(new, old_row, new_row)
    _synchronise(new)
    return validated(new)


def move_item(questionnaire: Questionnaire, name: str, direction: int) -> Questionnaire:
    """Move an item one place up or down; at a section's edge it moves into the next section.

    An item at the top of a section moves to the end of the section before; one at the bottom
    moves to the start of the section after. A move that would put a condition before the
    question it refers to is refused by the check.
    """
    new = copy.deepcopy(questionnaire)
    s_index, i_index = locate(new, name)
    items = new.sections[s_index].items
    target = i_index + direction
    if 0 <= target < len(items):
        items[i_index], items[target] = items[target], items[i_index]
    else:
        next_section = s_index + direction
        if not 0 <= next_section < len(new.sections):
            raise _error("", _l("The question is already at the edge and cannot move further."))
        item = items.pop(i_index)
        destination = new.sections[next_section].items
        if direction == UP:
            destination.append(item)
        else:
            destination.insert(0, item)
    return validated(new)


def delete_item(questionnaire: Questionnaire, name: str) -> Questionnaire:
    """Delete item ``name`` (refused while a later condition refers to it)."""
    new = copy.deepcopy(questionnaire)
    s_index, i_index = locate(new, name)
    del new.sections[s_index].items[i_index]
    return validated(new)


# --------------------------------------------------------------------------------------------
# Shared choice lists


def save_choice_list(
    questionnaire: Questionnaire,
    name: str | None,
    new_name: str,
    choices: list[Choice],
) -> Questionnaire:
    """Create (``name`` None) or change a shared choice list; items reusing it follow."""
    new = copy.deepcopy(questionnaire)
    if not NAME_PATTERN.match(new_name or ""):
        raise _error(
            "name",
            _l(
                "'%(name)s' is not a valid list name: a letter, then letters, digits or _ "
                "(at most 32).",
                name=new_name,
            ),
        )
    if new_name != name and new_name in new.choice_lists:
        raise _error("name", _l("There is already a choice list named '%(name)s'.", name=new_name))
    if not choices:
        raise _error("choices", _l("A choice list needs at least one choice."))
    lists = {}
    for key, value in new.choice_lists.items():
        if key == name:
            lists[new_name] = [replace(c) for c in choices]
        else:
            lists[key] = value
    if name is None:
        lists[new_name] = [replace(c) for c in choices]
    elif name not in new.choice_lists:
        raise _error("", _l("There is no choice list named '%(name)s'.", name=name))
    new.choice_lists = lists
    renamed = _renamed_codes(questionnaire.choice_lists.get(name, []), choices) if name else {}
    for _section, item in new.items():
        if name is not None and item.choice_list == name:
            item.choice_list = new_name
            _rename_codes(new, item.variable_names(), renamed)
    _synchronise(new)
    return validated(new)


def list_users(questionnaire: Questionnaire, name: str) -> list[str]:
    """The names of the items reusing choice list ``name``."""
    return [item.name for _s, item in questionnaire.items() if item.choice_list == name]


def delete_choice_list(questionnaire: Questionnaire, name: str) -> Questionnaire:
    """Delete a shared choice list that no item reuses."""
    new = copy.deepcopy(questionnaire)
    if name not in new.choice_lists:
        raise _error("", _l("There is no choice list named '%(name)s'.", name=name))
    users = list_users(new, name)
    if users:
        raise _error(
            "",
            _l(
                "The choice list '%(name)s' is used by %(items)s; give them their own choices "
                "first.",
                name=name,
                items=", ".join(users),
            ),
        )
    del new.choice_lists[name]
    return validated(new)


def scale_choices(start: int, end: int, existing: list[Choice]) -> list[Choice]:
    """The points ``start``..``end`` as choices, keeping the labels and flags of existing
    points (so end-point labels survive a change of the scale's length)."""
    if end <= start or end - start > 20:
        raise _error(
            "scale",
            _l("A scale runs from a smaller to a larger whole number, with at most 21 points."),
        )
    by_code = {c.code: c for c in existing}
    return [replace(by_code.get(str(p), Choice(code=str(p)))) for p in range(start, end + 1)]


def kept_fields(item: Item) -> Item:
    """``item`` without the settings its type does not use (after a change of type)."""
    kept = copy.deepcopy(item)
    if kept.type not in CHOICE_TYPES:
        kept.choices, kept.choice_list, kept.ordinal = [], None, False
        kept.layout = "vertical"
        kept.min_choices = kept.max_choices = None
    if kept.type not in GRID_TYPES:
        kept.rows = []
    if kept.type != definition.TABLE:
        kept.columns, kept.row_count = [], 0
    if kept.type != definition.FRACTION:
        kept.denominator = None
    if kept.type == definition.NOTE:
        kept.required = kept.soft_required = False
    return kept


def fingerprint(item: Item) -> str:
    """A short digest of everything ``item`` holds, to notice that it changed meanwhile."""
    content = json.dumps(asdict(item), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()[:24]
