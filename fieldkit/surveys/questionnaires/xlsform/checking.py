"""The checks of an XLSForm's rows before pyxform converts it: what fieldkit represents.

pyxform accepts much that a fieldkit questionnaire cannot hold (nested groups, dynamic repeats,
metadata questions, columns fieldkit does not read). Each survey and choice row is checked here
first, so that anything else is refused with its sheet, row and column rather than dropped;
the rows checked are kept in a ``RowIndex`` for the conversion that follows.
"""

from __future__ import annotations

import re

from fieldkit.core.i18n import N_
from fieldkit.surveys.questionnaires import logic
from fieldkit.surveys.questionnaires.definition import CODE_PATTERN, NAME_PATTERN
from fieldkit.surveys.questionnaires.xlsform.sheets import RowIndex, Sheet, SurveyRow
from fieldkit.surveys.questionnaires.xlsform.vocabulary import (
    APPEARANCES,
    CHOICES,
    METADATA_TYPES,
    QUESTION_TYPES,
    ROW_COLUMNS,
    SUPPORTED_TYPES,
    SURVEY,
    SURVEY_TRANSLATABLE,
    TABLE_SIZE,
    kind_name,
    sheet_error,
    yes_no,
)


def _row_type(raw: str) -> tuple[str, str | None]:
    """(kind, choice list) of a survey ``type`` cell; kind ``unsupported`` for the rest."""
    parts = raw.split()
    head = parts[0].lower() if parts else ""
    words = [p.lower() for p in parts]
    if head in ("select_one", "select1") and len(parts) == 2:
        return "select_one", parts[1]
    if head == "select_multiple" and len(parts) == 2:
        return "select_multiple", parts[1]
    if words[:2] == ["select", "one"] and len(parts) == 3:
        return "select_one", parts[2]
    if words[:4] == ["select", "all", "that", "apply"] and len(parts) == 5:
        return "select_multiple", parts[4]
    joined = "_".join(words)
    if joined in ("begin_group", "begin_repeat", "end_group", "end_repeat"):
        return joined, None
    if len(parts) == 1 and head in QUESTION_TYPES:
        return QUESTION_TYPES[head], None
    return "unsupported", None


def _unsupported_type(raw: str) -> tuple[str, dict[str, str]]:
    """The message (and its parameters) for a survey ``type`` fieldkit does not read."""
    parts = raw.split()
    if raw.strip().lower() in METADATA_TYPES:
        return N_(
            "'%(type)s' is not supported: it is ODK metadata about the device or the session, "
            "not a question (fieldkit records when answers were given); delete the row"
        ), {"type": raw}
    if len(parts) > 1 and parts[-1].lower() == "or_other":
        return N_(
            "'%(type)s' is not supported: instead of or_other, add a choice with "
            "other = yes on the choices sheet"
        ), {"type": raw}
    shown = parts[0] if len(parts) <= 2 else raw
    return N_("'%(type)s' is not supported (fieldkit reads %(supported)s)"), {
        "type": shown,
        "supported": SUPPORTED_TYPES,
    }


def check_survey_rows(index: RowIndex, list_names: set[str]) -> None:
    """Walk the survey rows: types, nesting, groups closed, columns each kind may use."""
    survey = index.survey
    # Open groups: (type, row, name, kind) where kind is section, grid or table.
    stack: list[tuple[str, int, str, str]] = []
    earlier: set[str] = set()  # names of the questions above the row
    for number, row in survey.rows:
        raw_type = survey.value(row, "type")
        filled = survey.filled(row)
        if raw_type is None:
            if any(c in filled for c in ("name", "label")):
                raise sheet_error(SURVEY, number, "type", N_("the row has no type"))
            continue
        kind, list_name = _row_type(raw_type)
        name = survey.value(row, "name") or ""
        if kind == "unsupported":
            message, params = _unsupported_type(raw_type)
            raise sheet_error(SURVEY, number, "type", message, **params)
        inside = stack[-1][3] if stack else None
        if kind in ("end_group", "end_repeat"):
            opened = "begin_group" if kind == "end_group" else "begin_repeat"
            if not stack:
                raise sheet_error(
                    SURVEY,
                    number,
                    "type",
                    N_("'%(type)s' has no %(opened)s before it"),
                    type=raw_type,
                    opened=opened,
                )
            if stack[-1][0] != opened:
                closing = "end_group" if stack[-1][0] == "begin_group" else "end_repeat"
                raise sheet_error(
                    SURVEY,
                    number,
                    "type",
                    N_("'%(type)s' cannot close '%(name)s' (row %(row)d): use %(closing)s"),
                    type=raw_type,
                    name=stack[-1][2],
                    row=stack[-1][1],
                    closing=closing,
                )
            stack.pop()
            row_kind = "end"
        elif kind == "begin_group":
            appearance = (survey.value(row, "appearance") or "").strip()
            if appearance == "table-list":
                if inside not in (None, "section"):
                    raise sheet_error(
                        SURVEY,
                        number,
                        "type",
                        N_("a grid cannot be inside %(inside)s '%(name)s'"),
                        inside=kind_name(inside),
                        name=stack[-1][2],
                    )
                row_kind = "grid"
            else:
                if inside is not None:
                    raise sheet_error(
                        SURVEY,
                        number,
                        "type",
                        N_(
                            "a group inside %(inside)s '%(name)s' is not supported: groups "
                            "are sections (pages); inside them, use appearance table-list for a "
                            "grid or begin_repeat for a table"
                        ),
                        inside=kind_name(inside),
                        name=stack[-1][2],
                    )
                row_kind = "section"
            stack.append((kind, number, name, row_kind))
        elif kind == "begin_repeat":
            if inside not in (None, "section"):
                raise sheet_error(
                    SURVEY,
                    number,
                    "type",
                    N_("a table cannot be inside %(inside)s '%(name)s'"),
                    inside=kind_name(inside),
                    name=stack[-1][2],
                )
            count = survey.value(row, "repeat_count")
            if count is None or not re.fullmatch(r"\d+", count):
                raise sheet_error(
                    SURVEY,
                    number,
                    "repeat_count",
                    N_(
                        "only a fixed number of rows is supported: give repeat_count as a whole "
                        "number from %(low)d to %(high)d (dynamic repeats are not supported)"
                    ),
                    low=TABLE_SIZE[0],
                    high=TABLE_SIZE[1],
                )
            if not TABLE_SIZE[0] <= int(count) <= TABLE_SIZE[1]:
                raise sheet_error(
                    SURVEY,
                    number,
                    "repeat_count",
                    N_("a table has %(low)d to %(high)d rows, not %(count)s"),
                    low=TABLE_SIZE[0],
                    high=TABLE_SIZE[1],
                    count=count,
                )
            row_kind = "table"
            stack.append((kind, number, name, row_kind))
        elif inside == "grid":
            if kind not in ("select_one", "select_multiple"):
                raise sheet_error(
                    SURVEY,
                    number,
                    "type",
                    N_(
                        "a grid (table-list group '%(name)s') holds only select_one or "
                        "select_multiple questions, not '%(type)s'"
                    ),
                    name=stack[-1][2],
                    type=raw_type,
                )
            row_kind = "grid_row"
        elif inside == "table":
            if kind not in ("integer", "decimal", "text"):
                raise sheet_error(
                    SURVEY,
                    number,
                    "type",
                    N_(
                        "a table (repeat '%(name)s') holds only integer, decimal or text "
                        "columns, not '%(type)s'"
                    ),
                    name=stack[-1][2],
                    type=raw_type,
                )
            row_kind = "table_column"
        else:
            row_kind = kind
        if list_name is not None and list_name not in list_names:
            raise sheet_error(
                SURVEY,
                number,
                "type",
                N_("the choice list '%(name)s' does not exist on the choices sheet"),
                name=list_name,
            )
        for column in filled:
            if column not in ROW_COLUMNS[row_kind]:
                raise sheet_error(
                    SURVEY,
                    number,
                    survey.header_of(column),
                    N_("the column '%(column)s' is not used on %(kind)s row"),
                    column=column,
                    kind=kind_name(row_kind),
                )
        appearance = survey.value(row, "appearance")
        if appearance is not None and appearance not in APPEARANCES.get(row_kind, ()):
            allowed = APPEARANCES.get(row_kind, ())
            raise sheet_error(
                SURVEY,
                number,
                "appearance",
                N_(
                    "the appearance '%(appearance)s' is not supported on %(kind)s row "
                    "(use %(allowed)s)"
                )
                if allowed
                else N_("the appearance '%(appearance)s' is not supported on %(kind)s row"),
                appearance=appearance,
                kind=kind_name(row_kind),
                allowed=", ".join(allowed),
            )
        for flag_column in ("required", "soft_required", "ordinal", "other"):
            value = survey.value(row, flag_column)
            if value is not None and yes_no(value) is None:
                raise sheet_error(
                    SURVEY,
                    number,
                    flag_column,
                    N_("'%(value)s' is not yes or no (conditions in %(column)s are not supported)"),
                    value=value,
                    column=flag_column,
                )
        if row_kind not in ("section", "grid", "table", "end") and not (
            {"label", "hint"} & set(filled)
        ):
            raise sheet_error(
                SURVEY,
                number,
                "label",
                N_("the question has no label (XLSForm needs a label or hint)"),
            )
        _check_condition(survey.value(row, "relevant"), earlier, number, "relevant")
        # A constraint may also name its own question instead of ".".
        _check_condition(survey.value(row, "constraint"), earlier | {name}, number, "constraint")
        for header, (column, _language_code) in survey.columns.items():
            if column in SURVEY_TRANSLATABLE and "${" in str(row.get(header) or ""):
                raise sheet_error(
                    SURVEY,
                    number,
                    header,
                    N_(
                        "answers inside texts (${...}) are not supported: fieldkit shows texts "
                        "as written"
                    ),
                )
        if row_kind != "end" and not NAME_PATTERN.match(name):
            raise sheet_error(
                SURVEY,
                number,
                "name",
                N_(
                    "'%(name)s' is not a valid name: a letter, then letters, digits or _ "
                    "(at most 32)"
                ),
                name=name,
            )
        if row_kind != "end" and name:
            if row_kind not in ("section", "table_column"):
                earlier.add(name)
            if name in index.named:
                raise sheet_error(
                    SURVEY,
                    number,
                    "name",
                    N_("the name '%(name)s' is already used in row %(row)d"),
                    name=name,
                    row=index.named[name].number,
                )
            values = {column: survey.value(row, column) for column in filled}
            index.named[name] = SurveyRow(number, row_kind, values)
    if stack:
        kind, number, name, _row_kind = stack[-1]
        closing = "end_group" if kind == "begin_group" else "end_repeat"
        raise sheet_error(
            SURVEY,
            number,
            "type",
            N_("'%(name)s' is never closed (no %(closing)s after it)"),
            name=name,
            closing=closing,
        )


def _check_condition(expression: str | None, earlier: set[str], row: int, column: str) -> None:
    """A relevant or constraint parses, and refers only to questions above it."""
    if expression is None:
        return
    try:
        tree = logic.parse(expression)
    except logic.ConditionError as exc:
        raise sheet_error(SURVEY, row, column, exc.template, **exc.params) from None
    for reference in logic.references(tree):
        if reference not in earlier:
            raise sheet_error(
                SURVEY,
                row,
                column,
                N_("refers to '%(name)s', which is not a question before this one"),
                name=reference,
            )


def check_choices(sheet: Sheet | None, index: RowIndex) -> set[str]:
    """Codes, flags and duplicates of the choices sheet; returns the list names."""
    names: set[str] = set()
    if sheet is None:
        return names
    for number, row in sheet.rows:
        list_name = sheet.value(row, "list_name")
        code = sheet.value(row, "name")
        if list_name is None and code is None:
            continue
        if list_name is None:
            raise sheet_error(CHOICES, number, "list_name", N_("the choice has no list_name"))
        if code is None:
            raise sheet_error(CHOICES, number, "name", N_("the choice has no name (its code)"))
        if not CODE_PATTERN.match(code):
            raise sheet_error(
                CHOICES,
                number,
                "name",
                N_("the code '%(code)s' must be 1-32 letters, digits or _"),
                code=code,
            )
        if (list_name, code) in index.choice_rows:
            first = index.choice_rows[(list_name, code)]
            raise sheet_error(
                CHOICES,
                number,
                "name",
                N_(
                    "the code '%(code)s' is used twice in the list '%(list)s' (also in row %(row)d)"
                ),
                code=code,
                list=list_name,
                row=first,
            )
        for flag_column in ("other", "nonsubstantive", "exclusive"):
            value = sheet.value(row, flag_column)
            if value is not None and yes_no(value) is None:
                raise sheet_error(
                    CHOICES, number, flag_column, N_("'%(value)s' is not yes or no"), value=value
                )
        index.choice_rows[(list_name, code)] = number
        names.add(list_name)
    return names
