"""The native questionnaire format: YAML (or JSON) read strictly and written back.

The format is documented in ``docs/questionnaire-format.md``; ``load`` reads it strictly (an
unknown key or a wrong value is refused with the path to it) and ``dump`` writes it so that
``load(dump(q)) == q``. The database stores the same data as JSON (``to_json``).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from fieldkit.core.i18n import N_
from fieldkit.core.nesting import MAX_DEPTH, BoundedComposer, NestingError, flow_too_deep
from fieldkit.surveys.questionnaires.checks import check
from fieldkit.surveys.questionnaires.items import (
    CHOICE_TYPES,
    CODE_PATTERN,
    FRACTION,
    GRID_TYPES,
    ITEM_TYPES,
    LANGUAGES,
    LAYOUTS,
    NAME_PATTERN,
    NOTE,
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
)

FORMAT = "fieldkit-questionnaire/1"

# --------------------------------------------------------------------------------------------
# Loading


class _Reader:
    """Reads one mapping of the native format, refusing keys it does not know."""

    def __init__(self, data: Any, path: str, languages: list[str]):
        if not isinstance(data, dict):
            raise DefinitionError(path, N_("expected a mapping of keys to values"))
        self.data = data
        self.path = path
        self.languages = languages
        self.used: set[str] = set()

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, default: Any = None) -> Any:
        self.used.add(key)
        return self.data.get(key, default)

    def has(self, key: str) -> bool:
        return key in self.data

    def text(self, key: str) -> Text:
        return _text(self.get(key), self.at(key), self.languages)

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise DefinitionError(
                self.at(key), N_("expected true or false, got %(value)s"), value=repr(value)
            )
        return value

    def integer(self, key: str) -> int | None:
        value = self.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise DefinitionError(
                self.at(key), N_("expected a whole number, got %(value)s"), value=repr(value)
            )
        return value

    def number(self, key: str) -> Decimal | None:
        value = self.get(key)
        if value is None:
            return None
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            return Decimal(str(value).replace(",", "."))
        except InvalidOperation:
            raise DefinitionError(
                self.at(key), N_("expected a number, got %(value)s"), value=repr(value)
            ) from None

    def string(self, key: str, default: str | None = None) -> str | None:
        value = self.get(key, default)
        if value is None:
            return None
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise DefinitionError(
                self.at(key), N_("expected text, got %(value)s"), value=repr(value)
            )
        return str(value)

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise DefinitionError(self.at(unknown[0]), N_("unknown key"))


def _text(value: Any, path: str, languages: list[str]) -> Text:
    if value is None:
        return {}
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return {languages[0] if languages else "nb": str(value)}
    if isinstance(value, dict):
        result = {}
        for language, text in value.items():
            if language not in LANGUAGES:
                raise DefinitionError(
                    f"{path}.{language}",
                    N_("unknown language (use %(languages)s)"),
                    languages=", ".join(LANGUAGES),
                )
            if not isinstance(text, str):
                raise DefinitionError(f"{path}.{language}", N_("expected text"))
            result[language] = text
        return result
    raise DefinitionError(path, N_("expected text, or a mapping of language to text"))


def _choices(value: Any, path: str, languages: list[str], lists: dict[str, list[Choice]]):
    """Choices written as a list of labels, a list of mappings, or the name of a shared list."""
    if isinstance(value, str):
        if value not in lists:
            raise DefinitionError(path, N_("no choice list named '%(name)s'"), name=value)
        return [replace(c) for c in lists[value]], value
    if not isinstance(value, list) or not value:
        raise DefinitionError(path, N_("expected a list of choices"))
    choices: list[Choice] = []
    for index, raw in enumerate(value):
        here = f"{path}[{index}]"
        if isinstance(raw, dict):
            reader = _Reader(raw, here, languages)
            code = reader.string("code")
            if code is None:
                code = str(index + 1)
            choice = Choice(
                code=code,
                label=reader.text("label"),
                other=reader.boolean("other"),
                nonsubstantive=reader.boolean("nonsubstantive"),
                exclusive=reader.boolean("exclusive"),
            )
            reader.finish()
        else:
            choice = Choice(code=str(index + 1), label=_text(raw, here, languages))
        if not CODE_PATTERN.match(choice.code):
            raise DefinitionError(
                here, N_("code '%(code)s' must be 1-32 letters, digits or _"), code=choice.code
            )
        if any(c.code == choice.code for c in choices):
            raise DefinitionError(here, N_("code '%(code)s' is used twice"), code=choice.code)
        choices.append(choice)
    return choices, None


def _rows(value: Any, path: str, languages: list[str], item_name: str) -> list[Row]:
    if not isinstance(value, list) or not value:
        raise DefinitionError(path, N_("expected a list of rows"))
    rows = []
    for index, raw in enumerate(value):
        here = f"{path}[{index}]"
        if isinstance(raw, dict):
            reader = _Reader(raw, here, languages)
            row = Row(
                name=reader.string("name") or f"{item_name}_{index + 1}",
                label=reader.text("label"),
                other=reader.boolean("other"),
            )
            reader.finish()
        else:
            row = Row(name=f"{item_name}_{index + 1}", label=_text(raw, here, languages))
        rows.append(row)
    return rows


def _columns(value: Any, path: str, languages: list[str]) -> list[Column]:
    if not isinstance(value, list) or not value:
        raise DefinitionError(path, N_("expected a list of columns"))
    columns = []
    for index, raw in enumerate(value):
        here = f"{path}[{index}]"
        reader = _Reader(raw, here, languages)
        column = Column(
            name=reader.string("name") or "",
            label=reader.text("label"),
            type=reader.string("type", TEXT),
            unit=reader.text("unit"),
        )
        reader.finish()
        if not NAME_PATTERN.match(column.name):
            raise DefinitionError(f"{here}.name", N_("a column needs a name of letters, digits, _"))
        if column.type not in TABLE_COLUMN_TYPES:
            raise DefinitionError(
                f"{here}.type",
                N_("a table column is %(types)s"),
                types=", ".join(TABLE_COLUMN_TYPES),
            )
        columns.append(column)
    return columns


def _scale(value: Any, path: str, languages: list[str]) -> list[Choice]:
    """``scale: {from: 1, to: 7, labels: {1: "Svært lett", 7: "Svært vanskelig"}}``."""
    reader = _Reader(value, path, languages)
    start, end = reader.integer("from"), reader.integer("to")
    labels = reader.get("labels") or {}
    reader.finish()
    if start is None or end is None or end <= start or end - start > 20:
        raise DefinitionError(path, N_("a scale needs whole numbers from < to (at most 21 points)"))
    if not isinstance(labels, dict):
        raise DefinitionError(f"{path}.labels", N_("expected a mapping of point to label"))
    for point in labels:
        if not isinstance(point, int) or not start <= point <= end:
            raise DefinitionError(f"{path}.labels.{point}", N_("not a point of the scale"))
    return [
        Choice(code=str(p), label=_text(labels.get(p), f"{path}.labels.{p}", languages))
        for p in range(start, end + 1)
    ]


def _item(raw: Any, path: str, languages: list[str], lists: dict[str, list[Choice]]) -> Item:
    reader = _Reader(raw, path, languages)
    number = reader.string("no")
    item_type = reader.string("type")
    if item_type not in ITEM_TYPES:
        raise DefinitionError(
            reader.at("type"),
            N_("unknown type %(type)s (use %(types)s)"),
            type=repr(item_type),
            types=", ".join(ITEM_TYPES),
        )
    default_name = f"q{re.sub(r'[^A-Za-z0-9_]', '_', number)}" if number else None
    name = reader.string("name") or default_name
    if not name or not NAME_PATTERN.match(name):
        raise DefinitionError(
            reader.at("name"),
            N_(
                "%(name)s is not a valid variable name: a letter, then letters, digits or _ "
                "(at most 32)"
            ),
            name=repr(name),
        )
    item = Item(
        name=name,
        type=item_type,
        number=number,
        label=reader.text("text"),
        hint=reader.text("hint"),
        required=reader.boolean("required"),
        soft_required=reader.boolean("soft_required"),
        relevant=reader.string("relevant"),
        layout=reader.string("layout", "vertical"),
        ordinal=reader.boolean("ordinal"),
        unit=reader.text("unit"),
        minimum=reader.number("min"),
        maximum=reader.number("max"),
        min_choices=reader.integer("min_choices"),
        max_choices=reader.integer("max_choices"),
        denominator=reader.integer("denominator"),
        row_count=reader.integer("row_count") or 0,
        constraint=reader.string("constraint"),
        constraint_message=reader.text("constraint_message"),
    )
    if item.layout not in LAYOUTS:
        raise DefinitionError(
            reader.at("layout"), N_("use one of %(layouts)s"), layouts=", ".join(LAYOUTS)
        )
    choice_key = "columns" if item_type in GRID_TYPES else "options"
    if item_type in CHOICE_TYPES:
        if reader.has("scale"):
            item.choices = _scale(reader.get("scale"), reader.at("scale"), languages)
            item.ordinal = True
            item.layout = "horizontal"
            if reader.has(choice_key):
                extra, _ = _choices(reader.get(choice_key), reader.at(choice_key), languages, {})
                item.choices += extra
        elif reader.has(choice_key):
            item.choices, item.choice_list = _choices(
                reader.get(choice_key), reader.at(choice_key), languages, lists
            )
        else:
            raise DefinitionError(
                path,
                N_("a %(type)s question needs %(key)s"),
                type=item_type,
                key=choice_key,
            )
    if item_type in GRID_TYPES:
        item.rows = _rows(reader.get("rows"), reader.at("rows"), languages, name)
    if item_type == TABLE:
        item.columns = _columns(reader.get("columns"), reader.at("columns"), languages)
        if item.row_count < 1 or item.row_count > 100:
            raise DefinitionError(reader.at("row_count"), N_("a table needs 1 to 100 rows"))
    if item_type == FRACTION and (item.denominator is None or item.denominator < 1):
        raise DefinitionError(reader.at("denominator"), N_("'x av N' needs a denominator N >= 1"))
    if item.minimum is not None and item.maximum is not None and item.minimum > item.maximum:
        raise DefinitionError(reader.at("min"), N_("min is larger than max"))
    if item.type == NOTE and (item.required or item.soft_required):
        raise DefinitionError(reader.at("required"), N_("a note has no answer to require"))
    if item.type not in CHOICE_TYPES and item.type not in (TABLE,):
        for key in ("options", "columns", "rows"):
            if reader.has(key):
                raise DefinitionError(
                    reader.at(key),
                    N_("a %(type)s item has no %(key)s"),
                    type=item_type,
                    key=key,
                )
    reader.finish()
    return item


def from_dict(data: Any) -> Questionnaire:
    """A questionnaire from the native format, already parsed from YAML or JSON."""
    if not isinstance(data, dict):
        raise DefinitionError("", N_("the file does not hold a questionnaire (expected a mapping)"))
    languages = data.get("languages", ["nb"])
    if (
        not isinstance(languages, list)
        or not languages
        or any(language not in LANGUAGES for language in languages)
    ):
        raise DefinitionError(
            "languages",
            N_("a list of languages from %(languages)s"),
            languages=", ".join(LANGUAGES),
        )
    reader = _Reader(data, "", languages)
    reader.get("languages")
    version = reader.get("format", FORMAT)
    if version != FORMAT:
        raise DefinitionError(
            "format", N_("expected %(format)s, got %(value)s"), format=FORMAT, value=repr(version)
        )
    lists: dict[str, list[Choice]] = {}
    for list_name, raw in (reader.get("choice_lists") or {}).items():
        if not NAME_PATTERN.match(str(list_name)):
            raise DefinitionError(f"choice_lists.{list_name}", N_("not a valid list name"))
        lists[list_name], _ = _choices(raw, f"choice_lists.{list_name}", languages, {})
    if reader.has("sections") == reader.has("questions"):
        raise DefinitionError("", N_("give either 'questions' or 'sections' (a list of pages)"))
    raw_sections = reader.get("sections")
    if raw_sections is None:
        raw_sections = [{"name": "s1", "questions": reader.get("questions")}]
        section_path = lambda index: ""  # noqa: E731 - paths then read questions[i]
    else:
        section_path = lambda index: f"sections[{index}]"  # noqa: E731
    if not isinstance(raw_sections, list) or not raw_sections:
        raise DefinitionError("sections", N_("expected a list of sections"))
    sections = []
    for index, raw in enumerate(raw_sections):
        section_reader = _Reader(raw, section_path(index), languages)
        name = section_reader.string("name") or f"s{index + 1}"
        questions = section_reader.get("questions") or []
        if not isinstance(questions, list):
            raise DefinitionError(
                section_reader.at("questions"), N_("expected a list of questions")
            )
        section = Section(
            name=name,
            title=section_reader.text("title"),
            relevant=section_reader.string("relevant"),
            items=[
                _item(q, section_reader.at(f"questions[{i}]").lstrip("."), languages, lists)
                for i, q in enumerate(questions)
            ],
        )
        section_reader.finish()
        sections.append(section)
    questionnaire = Questionnaire(
        title=reader.text("title"),
        intro=reader.text("instruction"),
        languages=languages,
        anonymous=reader.boolean("anonymous"),
        interviewer_assisted_allowed=reader.boolean("interviewer_assisted_allowed"),
        choice_lists=lists,
        sections=sections,
    )
    reader.finish()
    if not questionnaire.title:
        raise DefinitionError("title", N_("the questionnaire needs a title"))
    check(questionnaire)
    return questionnaire


class YAMLLoader(BoundedComposer, yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false, so that the key ``no:`` (the question number) and
    answers such as ``ja``/``nei`` stay text; no aliases, no nesting deeper than
    ``nesting.MAX_DEPTH`` (``BoundedComposer``)."""


YAMLLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
YAMLLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load(text: str) -> Questionnaire:
    """A questionnaire from native YAML (or JSON, which is YAML too)."""
    try:
        deep_at = flow_too_deep(text)
        if deep_at is not None:
            raise NestingError("YAML nested too deeply", deep_at)
        data = yaml.load(text, Loader=YAMLLoader)  # noqa: S506 - a SafeLoader subclass
    except NestingError as exc:
        if exc.alias:
            raise DefinitionError(
                "",
                N_("line %(line)d: aliases (*name) are not read; write the text out"),
                line=exc.line,
            ) from None
        raise DefinitionError(
            "",
            N_("line %(line)d: nested deeper than %(max)d levels"),
            line=exc.line,
            max=MAX_DEPTH,
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is None:
            raise DefinitionError("", N_("not valid YAML")) from None
        raise DefinitionError(
            "",
            N_("not valid YAML at line %(line)d, column %(column)d"),
            line=mark.line + 1,
            column=mark.column + 1,
        ) from None
    return from_dict(data)


# --------------------------------------------------------------------------------------------
# Dumping


def _plain_text(text: Text, languages: list[str]) -> Any:
    if set(text) == {languages[0]}:
        return text[languages[0]]
    return dict(text)


def _number(value: Decimal | None) -> Any:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _dump_choice(choice: Choice, languages: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"code": choice.code}
    if choice.label:
        data["label"] = _plain_text(choice.label, languages)
    for flag in ("other", "nonsubstantive", "exclusive"):
        if getattr(choice, flag):
            data[flag] = True
    return data


def _dump_item(item: Item, languages: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if item.number is not None:
        data["no"] = item.number
    data["name"] = item.name
    data["type"] = item.type
    if item.label:
        data["text"] = _plain_text(item.label, languages)
    if item.hint:
        data["hint"] = _plain_text(item.hint, languages)
    for key in ("required", "soft_required", "ordinal"):
        if getattr(item, key):
            data[key] = True
    if item.layout != "vertical":
        data["layout"] = item.layout
    if item.relevant:
        data["relevant"] = item.relevant
    if item.type in CHOICE_TYPES:
        key = "columns" if item.type in GRID_TYPES else "options"
        data[key] = item.choice_list or [_dump_choice(c, languages) for c in item.choices]
    if item.type in GRID_TYPES:
        data["rows"] = [
            {
                "name": r.name,
                "label": _plain_text(r.label, languages),
                **({"other": True} if r.other else {}),
            }
            for r in item.rows
        ]
    if item.type == TABLE:
        data["columns"] = [
            {
                "name": c.name,
                "label": _plain_text(c.label, languages),
                "type": c.type,
                **({"unit": _plain_text(c.unit, languages)} if c.unit else {}),
            }
            for c in item.columns
        ]
        data["row_count"] = item.row_count
    if item.unit:
        data["unit"] = _plain_text(item.unit, languages)
    for key, attribute in (("min", "minimum"), ("max", "maximum")):
        if getattr(item, attribute) is not None:
            data[key] = _number(getattr(item, attribute))
    for key in ("min_choices", "max_choices", "denominator", "constraint"):
        if getattr(item, key) is not None:
            data[key] = getattr(item, key)
    if item.constraint_message:
        data["constraint_message"] = _plain_text(item.constraint_message, languages)
    return data


def to_dict(questionnaire: Questionnaire) -> dict[str, Any]:
    """The native-format data of ``questionnaire``."""
    languages = questionnaire.languages
    data: dict[str, Any] = {
        "format": FORMAT,
        "title": _plain_text(questionnaire.title, languages),
        "languages": list(languages),
    }
    if questionnaire.intro:
        data["instruction"] = _plain_text(questionnaire.intro, languages)
    if questionnaire.anonymous:
        data["anonymous"] = True
    if questionnaire.interviewer_assisted_allowed:
        data["interviewer_assisted_allowed"] = True
    if questionnaire.choice_lists:
        data["choice_lists"] = {
            name: [_dump_choice(c, languages) for c in choices]
            for name, choices in questionnaire.choice_lists.items()
        }
    sections = []
    for section in questionnaire.sections:
        raw: dict[str, Any] = {"name": section.name}
        if section.title:
            raw["title"] = _plain_text(section.title, languages)
        if section.relevant:
            raw["relevant"] = section.relevant
        raw["questions"] = [_dump_item(item, languages) for item in section.items]
        sections.append(raw)
    data["sections"] = sections
    return data


class YAMLDumper(yaml.SafeDumper):
    """Writes with the same YAML 1.2 booleans that ``load`` reads (so ``no:`` stays plain)."""


YAMLDumper.yaml_implicit_resolvers = YAMLLoader.yaml_implicit_resolvers


def dump(questionnaire: Questionnaire) -> str:
    """Native YAML for ``questionnaire``."""
    return yaml.dump(
        to_dict(questionnaire), Dumper=YAMLDumper, allow_unicode=True, sort_keys=False, width=100
    )


def to_json(questionnaire: Questionnaire) -> str:
    """The native format as JSON (what the database stores)."""
    return json.dumps(to_dict(questionnaire), ensure_ascii=False)
