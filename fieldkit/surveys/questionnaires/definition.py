"""The questionnaire definition, as the rest of the code uses it: one import for its parts.

A definition is plain data, independent of the database. Its parts live in modules of their
own, each one idea, from the bottom up:

- ``items``: the dataclasses (questionnaire, sections, items, choices, rows, columns), the item
  types and the rules for names and codes, ``DefinitionError``;
- ``logic``: skip-logic conditions (parsing, evaluating, which items are shown);
- ``checks``: the checks across items (unique names, conditions that look only backwards);
- ``native``: the native YAML/JSON format, read strictly and written back (``load``/``dump``).

XLSForm, the spreadsheet format, is ``questionnaires.xlsform``.
"""

from __future__ import annotations

from fieldkit.surveys.questionnaires.checks import check
from fieldkit.surveys.questionnaires.items import (
    CHOICE_TYPES,
    CODE_PATTERN,
    DATE,
    DECIMAL,
    FRACTION,
    GRID_MULTIPLE,
    GRID_SINGLE,
    GRID_TYPES,
    INTEGER,
    ITEM_TYPES,
    LANGUAGES,
    LAYOUTS,
    LONG_TEXT,
    MULTIPLE,
    NAME_PATTERN,
    NOTE,
    NUMBER_TYPES,
    SINGLE,
    TABLE,
    TABLE_COLUMN_TYPES,
    TEXT,
    Choice,
    Column,
    DefinitionError,
    Item,
    Questionnaire,
    Row,
    Section,
    Text,
    structure_signature,
    text_in,
)
from fieldkit.surveys.questionnaires.native import FORMAT, dump, from_dict, load, to_dict, to_json

__all__ = [
    "CHOICE_TYPES",
    "CODE_PATTERN",
    "DATE",
    "DECIMAL",
    "FORMAT",
    "FRACTION",
    "GRID_MULTIPLE",
    "GRID_SINGLE",
    "GRID_TYPES",
    "INTEGER",
    "ITEM_TYPES",
    "LANGUAGES",
    "LAYOUTS",
    "LONG_TEXT",
    "MULTIPLE",
    "NAME_PATTERN",
    "NOTE",
    "NUMBER_TYPES",
    "SINGLE",
    "TABLE",
    "TABLE_COLUMN_TYPES",
    "TEXT",
    "Choice",
    "Column",
    "DefinitionError",
    "Item",
    "Questionnaire",
    "Row",
    "Section",
    "Text",
    "check",
    "dump",
    "from_dict",
    "load",
    "structure_signature",
    "text_in",
    "to_dict",
    "to_json",
]
