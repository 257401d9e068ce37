"""Reading an XLSForm workbook (.xlsx) into a questionnaire: ``read_xlsform``.

pyxform, the reference implementation behind ODK and KoBoToolbox, reads the workbook, so a form
that converts there converts here: pyxform reads the sheets, resolves aliases, languages and
choice lists, and validates the form (``workbook_to_json`` and the XForm build). The rows are
checked first against what fieldkit represents (``checking``), then pyxform's structure is
converted (``conversion``), and the definition's own checks run with their places translated to
the sheet. pyxform is imported when a workbook is read, not when the app starts.
"""

from __future__ import annotations

import io
import re
from typing import Any

from fieldkit.core import uploads
from fieldkit.core.i18n import N_
from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.questionnaires.definition import DefinitionError
from fieldkit.surveys.questionnaires.xlsform.checking import check_choices, check_survey_rows
from fieldkit.surveys.questionnaires.xlsform.conversion import Converter, texts
from fieldkit.surveys.questionnaires.xlsform.sheets import (
    RowIndex,
    Sheet,
    classify_columns,
    read_sheet,
)
from fieldkit.surveys.questionnaires.xlsform.vocabulary import (
    CHOICES,
    CHOICES_ALIASES,
    CHOICES_COLUMNS,
    SETTINGS,
    SETTINGS_ALIASES,
    SETTINGS_COLUMNS,
    SETTINGS_TRANSLATABLE,
    SURVEY,
    SURVEY_ALIASES,
    SURVEY_COLUMNS,
    SURVEY_TRANSLATABLE,
    UNSUPPORTED_SHEETS,
    language_code,
    sheet_error,
    yes_no,
)


def _pyxform_error(exc: Exception) -> DefinitionError:
    """pyxform's refusal, placed at its sheet and row when it names one."""
    message = str(exc).strip()
    match = re.match(r"\[row\s*:\s*(\d+)\]\s*(.*)", message, re.DOTALL)
    sheet = CHOICES if "'choices' sheet" in message else SURVEY
    if match:
        return sheet_error(
            sheet, int(match.group(1)), None, N_("pyxform: %(message)s"), message=match.group(2)
        )
    return DefinitionError("", N_("pyxform refuses the form: %(message)s"), message=message)


def _settings_languages(survey: Sheet, settings: Sheet | None) -> tuple[str, list[str]]:
    """(default language, languages) from the settings and the language columns."""
    row = settings.rows[0][1] if settings and settings.rows else {}
    raw_default = settings.value(row, "default_language") if settings else None
    default = None
    if raw_default:
        default = language_code(raw_default)
        if default is None:
            raise sheet_error(
                SETTINGS,
                2,
                "default_language",
                N_("unknown language '%(language)s' (use nb, nn or en)"),
                language=raw_default,
            )
    found = [
        code
        for header, (_column, code) in survey.columns.items()
        if code and any(row.get(header) not in (None, "") for _n, row in survey.rows)
    ]
    default = default or (found[0] if found else "nb")
    raw_languages = settings.value(row, "languages") if settings else None
    if raw_languages:
        languages = []
        for word in re.split(r"[\s,]+", raw_languages.strip()):
            if word not in d.LANGUAGES:
                raise sheet_error(
                    SETTINGS,
                    2,
                    "languages",
                    N_("unknown language '%(language)s' (use nb, nn and en)"),
                    language=word,
                )
            languages.append(word)
        return default, languages
    return default, list(dict.fromkeys([default, *found]))


#: Bounds of a workbook (a questionnaire of 500 questions in three languages unpacks to 1 MB):
#: its size unpacked, checked before it is opened, then the rows of each sheet and the
#: characters of each cell (Excel's own limit), checked before pyxform converts it.
MAX_UNPACKED = 20 * 1024 * 1024
MAX_SHEET_ROWS = 10_000
MAX_CELL_CHARS = uploads.MAX_CELL_CHARS
#: The sheets pyxform's reader gives.
READ_SHEETS = ("survey", "choices", "settings", "external_choices", "entities", "osm")


def _check_bounds(data: Any) -> None:
    """Refuse a sheet with too many rows or a cell with too many characters, by its place."""
    for name in READ_SHEETS:
        rows = getattr(data, name, None) or []
        if len(rows) > MAX_SHEET_ROWS:
            raise sheet_error(
                name,
                MAX_SHEET_ROWS + 2,
                None,
                N_("the sheet has more than %(max)d rows"),
                max=MAX_SHEET_ROWS,
            )
        for index, row in enumerate(rows):
            for header, value in (row or {}).items():
                if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                    raise sheet_error(
                        name,
                        index + 2,
                        str(header),
                        N_("the cell has more than %(max)d characters"),
                        max=MAX_CELL_CHARS,
                    )


def check_archive(content: bytes) -> None:
    """Refuse a workbook from its zip archive alone (its directory's sizes, a DOCTYPE), before
    it is opened: cheap enough for a request, which leaves the reading to a job."""
    try:
        uploads.check_xlsx_archive("XLSForm", content, max_unpacked=MAX_UNPACKED)
    except uploads.UploadError as exc:
        raise DefinitionError(
            "", N_("the file is not a readable .xlsx workbook (%(reason)s)"), reason=str(exc)
        ) from None


def read_xlsform(content: bytes) -> d.Questionnaire:
    """A questionnaire from an XLSForm workbook (.xlsx), read and validated by pyxform.

    Raises ``DefinitionError`` whose path names the sheet, row and column.
    """
    from pyxform.builder import create_survey_element_from_dict
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import get_xlsform

    # What pyxform raises on a form it cannot convert (besides its own error, on odd input).
    pyxform_errors = (PyXFormError, ValueError, KeyError, TypeError, AttributeError)
    check_archive(content)
    try:
        data = get_xlsform(io.BytesIO(content), file_type=".xlsx")
    except (PyXFormError, ValueError, OSError) as exc:
        raise DefinitionError(
            "", N_("the file is not a readable .xlsx workbook (%(reason)s)"), reason=str(exc)
        ) from None
    _check_bounds(data)
    survey = read_sheet(data, SURVEY)
    if survey is None or not survey.rows:
        raise DefinitionError("", N_("the workbook has no 'survey' sheet with questions"))
    for name in UNSUPPORTED_SHEETS:
        if getattr(data, name, None):
            raise sheet_error(
                name, None, None, N_("the sheet '%(name)s' is not supported"), name=name
            )
    choices = read_sheet(data, CHOICES)
    settings = read_sheet(data, SETTINGS)
    refused = classify_columns(survey, SURVEY_COLUMNS, SURVEY_TRANSLATABLE, SURVEY_ALIASES)
    if choices is not None:
        refused += classify_columns(choices, CHOICES_COLUMNS, {"label"}, CHOICES_ALIASES)
    if settings is not None:
        refused += classify_columns(
            settings, SETTINGS_COLUMNS, SETTINGS_TRANSLATABLE, SETTINGS_ALIASES
        )
    index = RowIndex(survey=survey)
    list_names = check_choices(choices, index)
    check_survey_rows(index, list_names)
    if refused:
        raise refused[0]
    default, languages = _settings_languages(survey, settings)

    warnings: list[str] = []
    try:
        form = workbook_to_json(
            workbook_dict=data,
            fallback_form_name=data.fallback_form_name,
            warnings=warnings,
        )
    except pyxform_errors as exc:
        raise _pyxform_error(exc) from None
    converter = Converter(form, index, default)
    questionnaire = converter.questionnaire()
    try:
        create_survey_element_from_dict(form).to_xml(validate=False, warnings=warnings)
    except pyxform_errors as exc:
        raise _pyxform_error(exc) from None
    _apply_settings(questionnaire, form, settings, default, languages)
    converter.share_lists(questionnaire)
    _check(questionnaire, index)
    return questionnaire


def _apply_settings(
    q: d.Questionnaire, form: dict[str, Any], settings: Sheet | None, default: str, languages
) -> None:
    """Title, introduction, languages and mode flags from the settings sheet."""
    row = settings.rows[0][1] if settings and settings.rows else {}
    title = settings.value(row, "form_title") if settings else None
    if not title:
        raise sheet_error(
            SETTINGS, None, "form_title", N_("the questionnaire needs a title (form_title)")
        )
    q.title = {
        default: str(form.get("title", title)),
        **texts(form.get("translated_title"), default),
    }
    q.intro = texts(form.get("instruction"), default)
    q.languages = languages
    for key in ("anonymous", "interviewer_assisted_allowed"):
        value = settings.value(row, key)
        if value is not None:
            flag = yes_no(value)
            if flag is None:
                raise sheet_error(SETTINGS, 2, key, N_("'%(value)s' is not yes or no"), value=value)
            setattr(q, key, flag)


def _check(q: d.Questionnaire, index: RowIndex) -> None:
    """The definition's own checks, with their place translated to the sheet."""
    try:
        d.check(q)
    except DefinitionError as exc:
        match = re.match(r"sections\[(\d+)\](?:\.questions\[(\d+)\])?(?:\.(\w+))?", exc.path)
        if not match:
            raise
        section = q.sections[int(match.group(1))]
        name = section.name
        if match.group(2) is not None:
            name = section.items[int(match.group(2))].name
        column = match.group(3) if match.group(3) in ("relevant", "constraint") else "name"
        raise index.error(name, column, exc.template, **exc.params) from None
