"""pyxform's JSON form turned into a fieldkit definition.

pyxform resolves aliases, languages and choice lists; ``Converter`` walks its structure and
builds sections and items, finding each named row again in the ``RowIndex`` for what pyxform
does not keep (the kind of row, fieldkit's own columns, and the place for a message).
"""

from __future__ import annotations

import re
from typing import Any

from fieldkit.core.i18n import N_
from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.questionnaires.xlsform.constraints import split_constraint
from fieldkit.surveys.questionnaires.xlsform.sheets import RowIndex
from fieldkit.surveys.questionnaires.xlsform.vocabulary import language_code, yes_no


def texts(value: Any, default: str) -> d.Text:
    """A text as pyxform gives it (a string, or a mapping from column language) by language."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        return {default: str(value)} if str(value) else {}
    result = {}
    for key, text in value.items():
        code = default if key == "default" else language_code(key)
        if code is not None and text not in (None, ""):
            result[code] = str(text)
    return result


class Converter:
    """Turns pyxform's JSON form into a definition, checking what pyxform cannot know."""

    def __init__(self, form: dict[str, Any], index: RowIndex, default_language: str):
        self.form = form
        self.index = index
        self.default = default_language
        self.lists: dict[str, list[dict[str, Any]]] = form.get("choices") or {}
        self.list_users: dict[str, list[str]] = {}

    def text(self, value: Any) -> d.Text:
        return texts(value, self.default)

    def flag(self, node: dict[str, Any], key: str) -> bool:
        value = (node.get("bind") or {}).get(key) if key == "required" else node.get(key)
        return bool(value is not None and yes_no(value))

    @staticmethod
    def condition(expression: str | None) -> str | None:
        """A relevant or constraint as written (the survey rows were checked already)."""
        if expression is None or not str(expression).strip():
            return None
        return str(expression).strip()

    def choices(self, name: str, list_name: str) -> list[d.Choice]:
        self.list_users.setdefault(list_name, []).append(name)
        return [self.choice(raw) for raw in self.lists.get(list_name, [])]

    def choice(self, raw: dict[str, Any]) -> d.Choice:
        return d.Choice(
            code=str(raw["name"]),
            label=self.text(raw.get("label")),
            other=bool(yes_no(raw.get("other", "no"))),
            nonsubstantive=bool(yes_no(raw.get("nonsubstantive", "no"))),
            exclusive=bool(yes_no(raw.get("exclusive", "no"))),
        )

    def questionnaire(self) -> d.Questionnaire:
        sections: list[d.Section] = []
        loose: list[d.Item] = []

        def close_loose() -> None:
            if loose:
                sections.append(d.Section(name=f"s{len(sections) + 1}", items=list(loose)))
                loose.clear()

        for node in self.form.get("children", []):
            if self.generated(node):
                continue
            place = self.index.row(node["name"])
            if node["type"] == "group" and place and place.kind == "section":
                close_loose()
                sections.append(self.section(node))
            else:
                loose.append(self.item(node))
        close_loose()
        return d.Questionnaire(title={}, sections=sections)

    def generated(self, node: dict[str, Any]) -> bool:
        """pyxform's own additions: the meta group and the row count of a fixed repeat."""
        if node.get("type") == "calculate":
            return True
        return node.get("name") == "meta" and (node.get("control") or {}).get("bodyless")

    def section(self, node: dict[str, Any]) -> d.Section:
        name = node["name"]
        relevant = self.condition((node.get("bind") or {}).get("relevant"))
        items = [
            self.item(child) for child in node.get("children", []) if not self.generated(child)
        ]
        return d.Section(
            name=name, title=self.text(node.get("label")), relevant=relevant, items=items
        )

    def common(self, node: dict[str, Any], item_type: str) -> d.Item:
        name = node["name"]
        place = self.index.row(name)
        bind = node.get("bind") or {}
        return d.Item(
            name=name,
            type=item_type,
            label=self.text(node.get("label")),
            hint=self.text(node.get("hint")),
            number=place.values.get("number") if place else None,
            required=self.flag(node, "required"),
            soft_required=self.flag(node, "soft_required"),
            relevant=self.condition(bind.get("relevant")),
        )

    def item(self, node: dict[str, Any]) -> d.Item:
        name = node["name"]
        place = self.index.row(name)
        kind = place.kind if place else node["type"]
        if kind == "grid":
            item = self.grid(node)
        elif kind == "table":
            item = self.table(node)
        else:
            item = self.question(node, kind)
        return item

    def question(self, node: dict[str, Any], kind: str) -> d.Item:
        place = self.index.row(node["name"])
        values = place.values if place else {}
        appearance = values.get("appearance")
        if kind in ("select_one", "select_multiple"):
            item = self.common(node, d.SINGLE if kind == "select_one" else d.MULTIPLE)
            item.choices = self.choices(item.name, node["list_name"])
            item.choice_list = node["list_name"]
            item.layout = "vertical" if appearance is None else "horizontal"
            item.ordinal = appearance == "likert"
            if values.get("ordinal") is not None:
                item.ordinal = bool(yes_no(values["ordinal"]))
        elif kind == "integer":
            item = self.common(node, d.FRACTION if values.get("denominator") else d.INTEGER)
            if item.type == d.FRACTION:
                denominator = values["denominator"]
                if not re.fullmatch(r"\d+", denominator) or int(denominator) < 1:
                    raise self.index.error(
                        item.name, "denominator", N_("'x av N' needs a whole number N >= 1")
                    )
                item.denominator = int(denominator)
        elif kind == "decimal":
            item = self.common(node, d.DECIMAL)
        elif kind == "text":
            item = self.common(node, d.LONG_TEXT if appearance == "multiline" else d.TEXT)
        elif kind == "date":
            item = self.common(node, d.DATE)
        elif kind == "note":
            item = self.common(node, d.NOTE)
        else:  # pragma: no cover - the survey rows were checked before
            raise self.index.error(
                node["name"], "type", N_("'%(type)s' is not supported"), type=kind
            )
        item.unit = self.text(node.get("unit"))
        self.validation(item, node)
        return item

    def validation(self, item: d.Item, node: dict[str, Any]) -> None:
        bind = node.get("bind") or {}
        constraint = self.condition(bind.get("constraint"))
        item.constraint_message = self.text(bind.get("jr:constraintMsg"))
        if constraint is None:
            return
        counts = item.type in (d.MULTIPLE, d.GRID_MULTIPLE)
        low, high, rest = split_constraint(constraint, counts=counts)
        if counts:
            item.min_choices = int(low) if low is not None else None
            item.max_choices = int(high) if high is not None else None
        else:
            item.minimum, item.maximum = low, high
        if low is not None and high is not None and low > high:
            raise self.index.error(item.name, "constraint", N_("the minimum is above the maximum"))
        item.constraint = rest

    def grid(self, node: dict[str, Any]) -> d.Item:
        children = [c for c in node.get("children", []) if not self.generated(c)]
        heading = next(
            (c for c in children if c["name"].startswith("generated_table_list_label_")), None
        )
        rows = [
            c
            for c in children
            if not c["name"].startswith(("generated_table_list_label_", "reserved_name_for_"))
        ]
        name = node["name"]
        if not rows:
            raise self.index.error(name, "type", N_("a grid (table-list group) needs questions"))
        item = self.common(node, d.GRID_SINGLE)
        if heading is not None:
            item.label = self.text(heading.get("label"))
            item.hint = self.text(heading.get("hint"))
        first = rows[0]
        item.type = d.GRID_SINGLE if first["type"] == "select one" else d.GRID_MULTIPLE
        list_name = first["list_name"]
        place = self.index.row(name)
        values = place.values if place else {}
        item.ordinal = bool(yes_no(values.get("ordinal", "no")))
        item.layout = values.get("layout", "vertical")
        if item.layout not in d.LAYOUTS:
            raise self.index.error(
                name, "layout", N_("use one of %(layouts)s"), layouts=", ".join(d.LAYOUTS)
            )
        shared = ("required", "soft_required", "constraint", "constraint_message")
        first_values = {c: self.index.row(first["name"]).values.get(c) for c in shared}
        for row in rows:
            row_place = self.index.row(row["name"])
            if row["type"] != first["type"] or row["list_name"] != list_name:
                raise self.index.error(
                    row["name"],
                    "type",
                    N_(
                        "every question of the grid '%(name)s' needs the same type as its "
                        "first row (%(type)s)"
                    ),
                    name=name,
                    type=self.index.row(first["name"]).values["type"],
                )
            for column in shared:
                if row_place.values.get(column) != first_values[column]:
                    raise self.index.error(
                        row["name"],
                        column,
                        N_(
                            "every question of the grid '%(name)s' needs the same %(column)s "
                            "(it applies to the grid as a whole)"
                        ),
                        name=name,
                        column=column,
                    )
            item.rows.append(
                d.Row(
                    name=row["name"],
                    label=self.text(row.get("label")),
                    other=bool(yes_no(row_place.values.get("other", "no"))),
                )
            )
        item.required = self.flag(first, "required")
        item.soft_required = self.flag(first, "soft_required")
        item.choices = self.choices(name, list_name)
        item.choice_list = list_name
        self.validation(item, first)
        return item

    def table(self, node: dict[str, Any]) -> d.Item:
        item = self.common(node, d.TABLE)
        item.row_count = int(self.index.row(item.name).values["repeat_count"])
        for child in node.get("children", []):
            item.columns.append(
                d.Column(
                    name=child["name"],
                    label=self.text(child.get("label")),
                    type={"integer": d.INTEGER, "decimal": d.DECIMAL}.get(child["type"], d.TEXT),
                    unit=self.text(child.get("unit")),
                )
            )
        return item

    def share_lists(self, questionnaire: d.Questionnaire) -> None:
        """A list is a question's own when only that question uses it and has its name;
        every other list is a shared choice list (kept even when no question uses it)."""
        for list_name, raw in self.lists.items():
            users = self.list_users.get(list_name, [])
            if users == [list_name]:
                continue
            questionnaire.choice_lists[list_name] = [self.choice(c) for c in raw]
        for _section, item in questionnaire.items():
            if item.choice_list is not None and item.choice_list not in questionnaire.choice_lists:
                item.choice_list = None
