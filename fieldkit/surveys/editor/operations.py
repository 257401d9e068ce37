"""Saving what the editor made: a new questionnaire, or a changed definition of one.

Every change goes through ``questionnaires.save_definition``, which applies the versioning
rules; ``SaveOutcome.kind`` tells the researcher which of them applied.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldkit.core.models import Project, User
from fieldkit.surveys.editor import edits
from fieldkit.surveys.models import Questionnaire, QuestionnaireVersion
from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.questionnaires import operations as questionnaires

#: The current version changed in place (no answers yet).
EDITED = "edited"
#: The current version has answers; the change only touched wording and stays in it (audited).
WORDING_FIXED = "wording_fixed"
#: The current version has answers and the change was structural: a new version holds it.
NEW_VERSION = "new_version"


@dataclass(frozen=True)
class SaveOutcome:
    version: QuestionnaireVersion
    kind: str


def create_blank(
    project: Project,
    *,
    title: definition.Text,
    intro: definition.Text,
    languages: list[str],
    actor: User | None = None,
) -> Questionnaire:
    """A new questionnaire of ``project`` with one empty section, made in the editor."""
    return questionnaires.create_questionnaire(
        project, edits.blank(title, intro, languages), actor=actor
    )


def save_edit(
    record: Questionnaire, changed: definition.Questionnaire, *, actor: User | None = None
) -> SaveOutcome:
    """Check ``changed`` and save it as the questionnaire's definition.

    Raises ``DefinitionError`` (and saves nothing) when it does not validate.
    """
    checked = edits.validated(changed)
    before = record.current
    was_frozen = before.frozen
    version = questionnaires.save_definition(record, checked, actor=actor)
    if version is not before:
        kind = NEW_VERSION
    elif was_frozen:
        kind = WORDING_FIXED
    else:
        kind = EDITED
    return SaveOutcome(version=version, kind=kind)
