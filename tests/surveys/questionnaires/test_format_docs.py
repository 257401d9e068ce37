"""docs/questionnaire-format.md names every key, type and column, and its examples load."""

from fieldkit.surveys.questionnaires import definition, native
from tests.paths import FIXTURES, ROOT
from tests.surveys.questionnaires.xlsform.workbooks import (
    NATIVE,
)


def _keys(data) -> set[str]:
    if isinstance(data, dict):
        return {str(k) for k in data} | {k for v in data.values() for k in _keys(v)}
    if isinstance(data, list):
        return {k for v in data for k in _keys(v)}
    return set()


def test_the_format_documentation_names_every_key_type_and_column():
    from fieldkit.surveys.questionnaires.xlsform import vocabulary

    docs = (ROOT / "docs" / "questionnaire-format.md").read_text(encoding="utf-8")
    keys: set[str] = set()
    for name in NATIVE:
        keys |= _keys(definition.to_dict(definition.load((FIXTURES / name).read_text("utf-8"))))
    keys -= set(definition.LANGUAGES) | {"hyppighet", "janei"}  # texts by language, list names
    keys |= {"scale", "from", "to", "labels", "questions", "max_choices", "constraint"}
    keys |= {"constraint_message"}
    keys |= set(definition.ITEM_TYPES)
    keys |= set(vocabulary.SURVEY_COLUMNS) | set(vocabulary.CHOICES_COLUMNS)
    keys |= set(vocabulary.SETTINGS_COLUMNS)
    assert sorted(k for k in keys if f"`{k}`" not in docs) == []


def test_the_examples_in_the_format_documentation_load():
    import re

    import yaml

    docs = (ROOT / "docs" / "questionnaire-format.md").read_text(encoding="utf-8")
    loaded = []
    for block in re.findall(r"```yaml\n(.*?)```", docs, re.DOTALL):
        if block.startswith("format:"):
            q = definition.load(block)
        else:  # an example item: load it in a questionnaire of its own
            items = yaml.load(block, Loader=native.YAMLLoader)  # noqa: S506 - a SafeLoader
            q = definition.from_dict(
                {"title": "T", "choice_lists": {"hyppighet": ["Ofte", "Aldri"]}, "questions": items}
            )
        loaded += [(item.name, item.type, len(item.choices)) for _s, item in q.items()]
    assert loaded == [
        ("q1", "single", 2),
        ("q6", "grid_single", 2),
        ("q13", "table", 0),
        ("q10", "single", 8),
    ]
