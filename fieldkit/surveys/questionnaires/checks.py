"""Checks across the items of a questionnaire: unique valid names, and conditions that parse
and refer only to questions before them.

Every reader of a definition (the native format, XLSForm, the editor) ends with ``check``.
"""

from __future__ import annotations

from fieldkit.core.i18n import N_
from fieldkit.surveys.questionnaires import logic
from fieldkit.surveys.questionnaires.items import NAME_PATTERN, DefinitionError, Questionnaire


def check(questionnaire: Questionnaire) -> None:
    """Cross-item checks: unique names, conditions that parse and look only backwards."""
    seen: set[str] = set()
    section_names: set[str] = set()
    for s_index, section in enumerate(questionnaire.sections):
        if not NAME_PATTERN.match(section.name) or section.name in section_names:
            raise DefinitionError(
                f"sections[{s_index}].name",
                N_("'%(name)s' is not a unique valid name"),
                name=section.name,
            )
        section_names.add(section.name)
        if section.relevant:
            _check_condition(section.relevant, seen, f"sections[{s_index}].relevant")
        for i_index, item in enumerate(section.items):
            path = f"sections[{s_index}].questions[{i_index}]"
            if item.relevant:
                _check_condition(item.relevant, seen, f"{path}.relevant")
            if item.constraint:
                try:
                    logic.parse(item.constraint)
                except logic.ConditionError as exc:
                    raise DefinitionError(
                        f"{path}.constraint", exc.template, **exc.params
                    ) from None
            for name in [item.name, *(r.name for r in item.rows)]:
                if not NAME_PATTERN.match(name):
                    raise DefinitionError(
                        path, N_("'%(name)s' is not a valid variable name"), name=name
                    )
                if name in seen or name in section_names:
                    raise DefinitionError(path, N_("the name '%(name)s' is used twice"), name=name)
                seen.add(name)


def _check_condition(expression: str, earlier: set[str], path: str) -> None:
    try:
        node = logic.parse(expression)
    except logic.ConditionError as exc:
        raise DefinitionError(path, exc.template, **exc.params) from None
    for name in logic.references(node):
        if name not in earlier:
            raise DefinitionError(
                path,
                N_("refers to '%(name)s', which is not a question before this one"),
                name=name,
            )
