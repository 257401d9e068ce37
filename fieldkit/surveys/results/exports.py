"""Exports of a survey's data set: CSV, XLSX, SPSS ``.sav``, Stata ``.dta``, R and codebook.

Every writer takes the variables from ``schema.variables``; CSV and XLSX take the rows from
``dataset.rows``, SPSS and Stata the columns from ``analysis_rows.packed_chunks`` or
``dataset.columns`` (all read in chunks and tested to give the same values), so the exports,
the tables and the CLI see the same data. Exports speak the data set's language
(``schema.LANGUAGE``): the questionnaire's texts, and the words they add through the catalogue.

CSV, the R CSV and XLSX (openpyxl write-only) are written row by row: memory does not grow with
the number of responses. pyreadstat cannot append to a ``.sav``/``.dta`` file, so those are
built as typed NumPy columns (float64 for numbers and codes, one object array per text column)
preallocated and filled chunk by chunk, then written once: memory is one typed column set plus
one chunk (on PostgreSQL also the packed rows the driver holds), not the responses' JSON. The
numbers come from the responses' packed analysis rows (``analysis_rows``: packed by the export
itself for the responses changed since the last one, read with ``numpy.frombuffer``) when the
survey has no cleaning steps and only numeric answer variables, otherwise from the decoded JSON
(``dataset.columns``). The frame is built with the garbage collector paused. What it costs
against writing the finished frame: ``bench/export_sav.py``, ``docs/benchmarks.md``.

Choice variables whose codes are not all whole numbers are strings in CSV/XLSX; SPSS and Stata
take value labels only on numbers, so there they are numbered 1..k in choice order and the
labels say "code = label".
"""

from __future__ import annotations

import math
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from fieldkit.core import audit, downloads, spreadsheets
from fieldkit.core.collector import collector_paused
from fieldkit.core.jobs import report_progress
from fieldkit.core.models import User
from fieldkit.core.text import normalise
from fieldkit.extensions import db
from fieldkit.surveys.models import Survey
from fieldkit.surveys.paper import codebook
from fieldkit.surveys.results import analysis_rows, cleaning_steps, dataset, report, schema
from fieldkit.surveys.results.schema import DATETIME, NUMERIC, Finish, Variable

FORMATS = {
    "csv": ".csv",
    "csv_excel": ".csv",
    "xlsx": ".xlsx",
    "sav": ".sav",
    "dta": ".dta",
    "r": ".zip",
    "codebook": ".xlsx",
    "report_pdf": ".pdf",
    "report_docx": ".docx",
    "report_html": ".html",
}

Progress = Callable[[int, int], None]


def _csv_value(value: Any, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        text = repr(value) if value != int(value) else str(int(value))
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_csv(
    survey: Survey, path: Path, *, excel: bool = False, progress: Progress | None = None
) -> int:
    """Write the data set as CSV; ``excel``: semicolons, decimal comma, BOM, CRLF.

    Returns the number of rows written.
    """
    variables = schema.variables(survey)
    total = dataset.count_valid(survey)
    written = 0
    encoding = "utf-8-sig" if excel else "utf-8"
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = spreadsheets.csv_writer(
            handle,
            format=lambda value: _csv_value(value, excel),
            delimiter=";" if excel else ",",
            lineterminator="\r\n" if excel else "\n",
        )
        writer.writerow([v.name for v in variables])
        for batch in dataset.rows(survey, variables):
            writer.writerows(batch)
            written += len(batch)
            if progress:
                progress(written, total)
    return written


def write_xlsx(survey: Survey, path: Path, *, progress: Progress | None = None) -> int:
    """Write the data set as a workbook (write-only mode): data, then variables and labels."""
    from openpyxl import Workbook

    variables = schema.variables(survey)
    total = dataset.count_valid(survey)
    workbook = Workbook(write_only=True)
    with force_locale(schema.LANGUAGE):
        names = [_("Data"), _("Variables"), _("Values")]
        variable_header = [_("Variable"), _("Label"), _("Type")]
        value_header = [_("Variable"), _("Value"), _("Label")]
    data = workbook.create_sheet(names[0])
    spreadsheets.append(data, [v.name for v in variables])
    written = 0
    for batch in dataset.rows(survey, variables):
        for row in batch:
            spreadsheets.append(data, row)
        written += len(batch)
        if progress:
            progress(written, total)
    sheet = workbook.create_sheet(names[1])
    spreadsheets.append(sheet, variable_header)
    for variable in variables:
        spreadsheets.append(sheet, [variable.name, variable.label, variable.kind])
    values = workbook.create_sheet(names[2])
    spreadsheets.append(values, value_header)
    for variable in variables:
        for code, label in variable.value_labels.items():
            spreadsheets.append(values, [variable.name, code, label])
    workbook.save(path)
    return written


def statistical_frame(survey: Survey, progress: Progress | None = None):
    """The data set as a pandas DataFrame with typed columns, and its metadata for pyreadstat.

    Built from the packed analysis rows (``analysis_rows.packed_chunks``, which packs those of
    the responses changed since the last export, written back here once the frame is built)
    where they give the same values, else from ``dataset.columns`` (each distinct stored value
    converted once), into columns preallocated to the number of valid responses and filled
    chunk by chunk. Commits (writing the packed rows back).
    """
    variables = schema.variables(survey)
    total = dataset.count_valid(survey)
    encodings = [schema.encoding(v) for v in variables]
    finish = [schema.finishing(v, e) for v, e in zip(variables, encodings, strict=True)]
    layout = analysis_rows.usable_layout(survey, variables, finish)
    # A tuple per response and an object per value, a chunk at a time: the collector would
    # run hundreds of times over them and find nothing to free.
    with collector_paused():
        # The meta and frame columns come first, then the answers (``schema.variables``).
        leading = sum(1 for v in variables if v.origin != schema.ANSWERS)
        packed = layout is not None and leading > 0
        if packed and all(v.origin != schema.ANSWERS for v in variables[:leading]):
            frame = _packed_frame(survey, variables, finish, layout, total, leading, progress)
        else:
            frame = _typed_frame(
                variables, finish, dataset.columns(survey, variables, finish), total, progress
            )
    meta = {
        "labels": {v.name: normalise(v.label) for v in variables},
        "value_labels": {},
        "measure": {},
        "missing": {},
        #: Codes and 0/1 variables are whole numbers: no decimals in SPSS.
        "formats": {},
    }
    for variable, encoding in zip(variables, encodings, strict=True):
        if encoding is not None:
            meta["value_labels"][variable.name] = {
                number: normalise(f"{code} = {variable.value_labels[code]}")
                for code, number in encoding.items()
            }
            meta["measure"][variable.name] = variable.measure
            missing = [encoding[c] for c in variable.nonsubstantive if c in encoding]
        elif variable.value_labels:
            meta["value_labels"][variable.name] = {
                code: normalise(label) for code, label in variable.value_labels.items()
            }
            meta["measure"][variable.name] = variable.measure
            missing = list(variable.nonsubstantive)
        else:
            missing = []
            if variable.kind == NUMERIC:
                meta["measure"][variable.name] = variable.measure
        if missing:
            meta["missing"][variable.name] = missing
        if variable.name in meta["value_labels"]:
            meta["formats"][variable.name] = "F8.0"
    return frame, meta


def _typed_frame(
    variables: list[Variable],
    finish: list[Finish | None],
    chunks: Iterator[list[Any]],
    total: int,
    progress: Progress | None,
):
    """The frame of ``variables`` from ``chunks`` of columns, in columns preallocated to
    ``total`` rows (float64 where ``finish`` says so, else objects) and filled chunk by chunk;
    times and texts as pyreadstat takes them."""
    import numpy as np
    import pandas as pd

    columns: list[Any] = []
    for finishing in finish:
        if finishing is not None:
            columns.append(np.full(total, np.nan))
        else:
            columns.append(np.empty(total, dtype=object))
    start = 0
    for chunk in chunks:
        end = min(start + len(chunk[0]), total)
        for column, values in zip(columns, chunk, strict=True):
            column[start:end] = values[: end - start]
        start = end
        if progress:
            progress(start, total)
    if start < total:  # cleaning filters left some responses out
        columns = [column[:start] for column in columns]
    frame = pd.DataFrame(
        {v.name: column for v, column in zip(variables, columns, strict=True)}, copy=False
    )
    for variable in variables:
        if variable.kind == DATETIME:
            frame[variable.name] = pd.to_datetime(frame[variable.name])
        elif variable.kind != NUMERIC and schema.encoding(variable) is None:
            column = frame[variable.name]
            frame[variable.name] = column.where(column.notna(), "")
    return frame


def _packed_frame(
    survey: Survey,
    variables: list[Variable],
    finish: list[Finish | None],
    layout: analysis_rows.PackedLayout,
    total: int,
    leading: int,
    progress: Progress | None,
):
    """The frame from the packed analysis rows: the ``leading`` variables (meta and frame
    columns) as ``_typed_frame`` builds them, and beside them the answer variables as one
    float64 block (a row per response) into which each chunk's rows are copied at once. The
    rows packed on the way (missing or stale ones) are written back at the end."""
    import numpy as np
    import pandas as pd

    answers = np.empty((total, layout.width))
    repacked: list[tuple[str, int, bytes]] = []
    chunks = analysis_rows.packed_chunks(survey, variables, finish, layout, repacked=repacked)

    def others() -> Iterator[list[Any]]:
        start = 0
        for block, other_columns in chunks:
            end = min(start + len(block), total)
            answers[start:end] = block[: end - start]
            start = end
            yield other_columns

    front = _typed_frame(variables[:leading], finish[:leading], others(), total, progress)
    names = [v.name for v in variables[leading:]]
    # Fewer rows than counted if responses were discarded meanwhile: as many as the front has.
    block = pd.DataFrame(answers[: len(front)], columns=names, copy=False)
    # The rows packed while reading, written back now that the read is done.
    analysis_rows.store(layout, repacked)
    return pd.concat([front, block], axis=1)


def write_sav(survey: Survey, path: Path, *, progress: Progress | None = None) -> int:
    """Write an SPSS file with variable labels, value labels, measures and missing values."""
    import pyreadstat

    frame, meta = statistical_frame(survey, progress)
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=normalise(survey.title)[:64],
        column_labels=meta["labels"],
        variable_value_labels=meta["value_labels"],
        variable_measure=meta["measure"],
        missing_ranges=meta["missing"],
        variable_format=meta["formats"],
    )
    return len(frame)


def write_dta(survey: Survey, path: Path, *, progress: Progress | None = None) -> int:
    """Write a Stata file with variable labels (80 characters) and value labels."""
    import pyreadstat

    frame, meta = statistical_frame(survey, progress)
    pyreadstat.write_dta(
        frame,
        str(path),
        file_label=normalise(survey.title)[:80],
        column_labels={k: v[:80] for k, v in meta["labels"].items()},
        variable_value_labels={
            name: {code: text[:80] for code, text in labels.items()}
            for name, labels in meta["value_labels"].items()
        },
    )
    return len(frame)


#: The characters an R string literal writes with a short escape.
_R_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def r_string(text: str) -> str:
    """``text`` as an R string literal, the one way any text goes into an R script (also into
    a comment): quotes and backslashes escaped, and every control or line-separator character
    written as an escape, so no text can end the string or the line and run as code. NUL,
    which R strings cannot hold, and lone surrogates are left out."""
    out = []
    for char in text:
        point = ord(char)
        if char in _R_ESCAPES:
            out.append(_R_ESCAPES[char])
        elif point == 0 or 0xD800 <= point <= 0xDFFF:
            continue
        elif point < 0x20 or point == 0x7F:
            out.append(f"\\x{point:02x}")
        elif 0x80 <= point <= 0x9F or point in (0x2028, 0x2029):
            out.append(f"\\u{{{point:04x}}}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def r_script(survey: Survey, csv_name: str) -> str:
    """An R script that reads the CSV and applies variable and value labels."""
    variables = schema.variables(survey)
    lines = [
        f"# {r_string(survey.title)}: the data and its labels (fieldkit export).",
        f'data <- read.csv({r_string(csv_name)}, encoding = "UTF-8", '
        'stringsAsFactors = FALSE, na.strings = "")',
    ]
    for variable in variables:
        name = variable.name
        if variable.value_labels:
            levels = ", ".join(
                str(code) if variable.kind == NUMERIC else r_string(str(code))
                for code in variable.value_labels
            )
            labels = ", ".join(r_string(text) for text in variable.value_labels.values())
            lines.append(
                f"data${name} <- factor(data${name}, levels = c({levels}), labels = c({labels}))"
            )
        lines.append(f'attr(data${name}, "label") <- {r_string(variable.label)}')
    return "\n".join(lines) + "\n"


def write_r(survey: Survey, path: Path, *, progress: Progress | None = None) -> int:
    """A zip with the R-friendly CSV (UTF-8, comma, dot) and ``labels.R``."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data.csv"
        written = write_csv(survey, data, progress=progress)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(data, "data.csv")
            archive.writestr("labels.R", r_script(survey, "data.csv"))
    return written


def _kind_words() -> dict[str, str]:
    return {NUMERIC: _("number"), schema.STRING: _("text"), DATETIME: _("date/time")}


def write_codebook(survey: Survey, path: Path, *, progress: Progress | None = None) -> int:
    """The export's codebook: every variable under its export name, with the name it is
    stored under, its label, type, measure and value labels (the names match every export),
    and what the questionnaire's codebook (``paper.codebook``, the one builder of codebook
    rows) says of the question it comes from: number, answer type, condition, unit, range."""
    variables = schema.variables(survey)
    questionnaire = cleaning_steps.active_steps(survey).questionnaire()
    with force_locale(schema.LANGUAGE):
        questions = {
            row["name"]: row for row in codebook.codebook_rows(questionnaire, schema.LANGUAGE)
        }
        kinds = _kind_words()
        header = [
            _("Variable"), _("Stored as"), _("Label"), _("Type"), _("Measure"), _("Values"),
            _("Non-substantive (missing in SPSS)"), _("No."), _("Answer type"), _("Condition"),
            _("Condition in words"), _("Unit"), _("Range"), _("Required"),
        ]  # fmt: skip
        lines = []
        for variable in variables:
            values = "; ".join(f"{code} = {label}" for code, label in variable.value_labels.items())
            question = questions.get(variable.source) if variable.origin == schema.ANSWERS else None
            lines.append(
                [
                    variable.name,
                    variable.source,
                    variable.label,
                    kinds[variable.kind],
                    variable.measure,
                    values,
                    ", ".join(str(code) for code in variable.nonsubstantive),
                    *(codebook.question_cells(question) if question else [""] * 7),
                ]
            )
        labels = [
            [variable.name, code, label]
            for variable in variables
            for code, label in variable.value_labels.items()
        ]
        sheets = [
            codebook.Sheet(_("Variables"), header, lines, codebook.EXPORT_WIDTHS, ("C", "F", "K")),
            codebook.Sheet(_("Value labels"), [_("Variable"), _("Code"), _("Label")], labels),
        ]
    path.write_bytes(codebook.workbook(sheets))
    return len(variables)


def _report_writer(fmt: str) -> Callable[..., int]:
    def write(survey: Survey, path: Path, progress: Progress | None = None, **choices: Any) -> int:
        report.write_report(survey, path, fmt, **choices)
        return dataset.count_valid(survey)

    return write


WRITERS: dict[str, Callable[..., int]] = {
    "csv": write_csv,
    "csv_excel": lambda survey, path, progress=None: write_csv(
        survey, path, excel=True, progress=progress
    ),
    "xlsx": write_xlsx,
    "sav": write_sav,
    "dta": write_dta,
    "r": write_r,
    "codebook": write_codebook,
    "report_pdf": _report_writer("pdf"),
    "report_docx": _report_writer("docx"),
    "report_html": _report_writer("html"),
}


def export(
    survey: Survey, fmt: str, path: Path, *, progress: Progress | None = None, **choices: Any
) -> int:
    """Write the survey's data set (or report) to ``path`` in ``fmt``; returns the number of
    rows. ``choices`` go to the report: ``items``, ``texts``, ``include_figures``."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(WRITERS)}")
    return WRITERS[fmt](survey, Path(path), progress=progress, **choices)


def export_file_name(survey: Survey, fmt: str) -> str:
    """The name a downloaded export gets (in the data set's language)."""
    with force_locale(schema.LANGUAGE):
        suffix = {"csv_excel": "_excel", "codebook": "_" + _("codebook")}.get(fmt, "")
        if fmt.startswith("report_"):
            suffix = "_" + _("report")
    return f"survey{survey.id}{suffix}{FORMATS[fmt]}"


def export_job(
    survey_id: int,
    fmt: str,
    user_id: int | None = None,
    report: dict[str, Any] | None = None,
) -> dict:
    """Background job: write an export to the downloads store, with progress (``report``: the
    report's choices of questions, texts and figures)."""
    survey = db.session.get(Survey, survey_id)

    def write(path: Path) -> int:
        return export(
            survey,
            fmt,
            path,
            progress=lambda done, total: report_progress(done, total),
            **(report or {}),
        )

    result = downloads.store(
        "exports", FORMATS[fmt], write, download_name=export_file_name(survey, fmt)
    )
    rows = result.pop("written")
    actor = db.session.get(User, user_id) if user_id else None
    audit.record("survey.exported", survey, actor=actor, format=fmt, rows=rows)
    db.session.commit()
    return {**result, "rows": rows}
