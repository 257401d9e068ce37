"""Report-ready tables: frequencies, multiple choice, grids, cross-tabulations, descriptives.

Pure functions over the data set's records (``dataset.records``: each response's answers and
its frame values), consumed as a stream so a table of 100,000 responses never holds them all.
Tables print the way Norwegian evaluation reports do: ``<label> | Antall | Prosent``, a
``Sum`` row, whole percentages by default, decimal comma and a space as thousands separator.
The questionnaire's texts come in ``Options.language``; the tables' own words (Count, Percent,
Sum, Total) from the catalogue, in the current language (the report forces its own).
"""

from __future__ import annotations

import io
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _

from fieldkit.core import spreadsheets
from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.questionnaires.definition import Item, Questionnaire, text_in
from fieldkit.surveys.results.dataset import Record
from fieldkit.surveys.results.numbers import Band, TableError, number, plain_number

#: How the total row's percentage is shown.
TOTAL_100 = "100"
TOTAL_SUM = "sum"
TOTAL_LARGEST_REMAINDER = "largest_remainder"
TOTAL_MODES = (TOTAL_100, TOTAL_SUM, TOTAL_LARGEST_REMAINDER)

SUPPRESSED = "<{threshold}"
DEFAULT_MIN_CELL = 5
#: The item types that have a table (the others: export the data to analyse them).
TABLE_TYPES = (d.SINGLE, d.MULTIPLE, d.GRID_SINGLE, d.GRID_MULTIPLE, *d.NUMBER_TYPES)


def multiple_note() -> str:
    """The note under a table of a question with several answers."""
    return _("The categories are not mutually exclusive, so the percentages do not add up to 100.")


@dataclass
class Options:
    """How a table is computed and printed."""

    #: Decimals of percentages.
    decimals: int = 0
    #: The total row: 100, the sum of the rounded figures, or largest-remainder rounding.
    total: str = TOTAL_100
    #: Leave non-substantive answers ("Vet ikke") out of the base.
    exclude_nonsubstantive: bool = False
    #: Cells counting fewer than this (but more than 0) are suppressed; 0: no suppression.
    min_cell: int = 0
    language: str = "nb"

    def __post_init__(self) -> None:
        if self.total not in TOTAL_MODES:
            raise TableError(
                _("The total row is one of %(modes)s, not “%(value)s”.",
                  modes=", ".join(TOTAL_MODES), value=self.total)
            )  # fmt: skip
        if not 0 <= self.decimals <= 3:
            raise TableError(
                _("Percentages have 0, 1, 2 or 3 decimals, not %(value)s.", value=self.decimals)
            )


@dataclass
class Table:
    """A table as strings, ready to print."""

    caption: str
    header: list[str]
    rows: list[list[str]]
    n: int
    kind: str
    notes: list[str] = field(default_factory=list)
    #: The last row is the total row ("Sum", "Totalt"): printed bold, ruled above.
    total: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def as_csv(self, delimiter: str = ";") -> str:
        output = io.StringIO()
        writer = spreadsheets.csv_writer(output, delimiter=delimiter, lineterminator="\n")
        writer.writerow([self.caption])
        writer.writerow(self.header)
        writer.writerows(self.rows)
        for note in self.notes:
            writer.writerow([note])
        return output.getvalue()

    def as_text(self) -> str:
        widths = [
            max(len(line[i]) for line in [self.header, *self.rows]) for i in range(len(self.header))
        ]
        lines = [self.caption]
        for index, line in enumerate([self.header, *self.rows]):
            cells = [
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(line)
            ]
            lines.append(" | ".join(cells).rstrip())
            if index == 0:
                lines.append("-+-".join("-" * w for w in widths))
        lines.extend(self.notes)
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Percentages


def _round(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def percentages(counts: list[int], base: int, options: Options) -> tuple[list[Decimal], Decimal]:
    """Each count's percentage of ``base``, rounded per ``options``, and the total row's value."""
    if base == 0:
        return [Decimal(0) for _c in counts], Decimal(0)
    exact = [Decimal(c) * 100 / Decimal(base) for c in counts]
    if options.total == TOTAL_LARGEST_REMAINDER:
        unit = Decimal(1).scaleb(-options.decimals)
        floors = [(e / unit).to_integral_value(rounding=ROUND_FLOOR) for e in exact]
        missing = int(Decimal(100) / unit - sum(floors)) if sum(counts) == base else 0
        order = sorted(range(len(exact)), key=lambda i: (-(exact[i] / unit - floors[i]), i))
        for i in order[: max(missing, 0)]:
            floors[i] += 1
        rounded = [f * unit for f in floors]
        return rounded, sum(rounded, Decimal(0))
    rounded = [_round(e, options.decimals) for e in exact]
    if options.total == TOTAL_SUM:
        return rounded, sum(rounded, Decimal(0))
    return rounded, Decimal(100)


def _count_cell(count: int, options: Options) -> str:
    if options.min_cell and 0 < count < options.min_cell:
        return SUPPRESSED.format(threshold=options.min_cell)
    return number(count)


def percent_cell(count: int, value: Decimal, options: Options) -> str:
    if options.min_cell and 0 < count < options.min_cell:
        return "–"
    return number(value, options.decimals)


# --------------------------------------------------------------------------------------------
# Items


def label_text(value: d.Text, options: Options) -> str:
    return text_in(value, options.language)


def question(item: Item, options: Options) -> str:
    label = label_text(item.label, options)
    return f"{item.number}. {label}" if item.number else label


def choice_label(choice: d.Choice, options: Options) -> str:
    """A choice's label; an unlabelled scale point (2–6 of a 1–7 scale) shows its code."""
    return label_text(choice.label, options) or choice.code


def table_choices(item: Item, options: Options) -> list[d.Choice]:
    if options.exclude_nonsubstantive:
        return [c for c in item.choices if not c.nonsubstantive]
    return list(item.choices)


def _frequency_rows(
    labels: list[str], counts: list[int], base: int, options: Options
) -> list[list[str]]:
    shares, total = percentages(counts, base, options)
    rows = [
        [label, _count_cell(count, options), percent_cell(count, share, options)]
        for label, count, share in zip(labels, counts, shares, strict=True)
    ]
    rows.append([_("Sum"), number(base), number(total, options.decimals)])
    return rows


def frequency(
    item: Item, records: Iterable[Record], options: Options, variable: str | None = None
) -> Table:
    """``<label> | Antall | Prosent`` for a single-choice item (or one grid row ``variable``)."""
    if item.type not in (d.SINGLE, d.GRID_SINGLE):
        raise TableError(_("%(name)s is not a single-choice question.", name=item.name))
    variable = variable or item.name
    choices = table_choices(item, options)
    codes = [c.code for c in choices]
    counter: Counter[str] = Counter()
    for record in records:
        value = record.answers.get(variable)
        if value in codes:
            counter[value] += 1
    counts = [counter[code] for code in codes]
    base = sum(counts)
    caption = question(item, options)
    if variable != item.name:
        row = next((r for r in item.rows if r.name == variable), None)
        caption += f" – {label_text(row.label, options)}" if row else ""
    notes = []
    if options.exclude_nonsubstantive and len(choices) < len(item.choices):
        left_out = ", ".join(label_text(c.label, options) for c in item.choices if c.nonsubstantive)
        notes.append(_("%(answers)s are left out.", answers=left_out))
    return Table(
        caption=f"{caption} (n={number(base)})",
        header=["", _("Count"), _("Percent")],
        rows=_frequency_rows([choice_label(c, options) for c in choices], counts, base, options),
        n=base,
        kind="frequency",
        notes=notes,
        total=True,
    )


def multiple(item: Item, records: Iterable[Record], options: Options) -> Table:
    """The share of respondents (who answered the question) that ticked each choice."""
    if item.type != d.MULTIPLE:
        raise TableError(_("%(name)s is not a multiple-choice question.", name=item.name))
    counter: Counter[str] = Counter()
    base = 0
    for record in records:
        ticked = record.answers.get(item.name)
        if isinstance(ticked, list) and ticked:
            base += 1
            counter.update(set(ticked))
    rows = []
    for choice in item.choices:
        count = counter[choice.code]
        share = _round(Decimal(count) * 100 / base, options.decimals) if base else Decimal(0)
        rows.append(
            [
                choice_label(choice, options),
                _count_cell(count, options),
                percent_cell(count, share, options),
            ]
        )
    return Table(
        caption=f"{question(item, options)} (n={number(base)})",
        header=["", _("Count"), _("Percent")],
        rows=rows,
        n=base,
        kind="multiple",
        notes=[multiple_note()],
    )


def grid(item: Item, records: Iterable[Record], options: Options) -> Table:
    """One row per grid row with its own N; a column per scale point, then Sum and N."""
    if item.type != d.GRID_SINGLE:
        raise TableError(_("%(name)s is not a grid with one choice per row.", name=item.name))
    choices = table_choices(item, options)
    codes = [c.code for c in choices]
    counters = {row.name: Counter() for row in item.rows}
    for record in records:
        for row in item.rows:
            value = record.answers.get(row.name)
            if value in codes:
                counters[row.name][value] += 1
    rows = []
    all_n = 0
    for row in item.rows:
        counts = [counters[row.name][code] for code in codes]
        base = sum(counts)
        all_n = max(all_n, base)
        shares, total = percentages(counts, base, options)
        rows.append(
            [label_text(row.label, options)]
            + [percent_cell(c, s, options) for c, s in zip(counts, shares, strict=True)]
            + [number(total, options.decimals), number(base)]
        )
    return Table(
        caption=_("%(question)s Percent.", question=question(item, options)),
        header=["", *[choice_label(c, options) for c in choices], _("Sum"), "N"],
        rows=rows,
        n=all_n,
        kind="grid",
    )


def grid_multiple(item: Item, records: Iterable[Record], options: Options) -> Table:
    """A grid with several choices per row: for each row, the share of those who answered the
    row that ticked each choice, and the row's N."""
    if item.type != d.GRID_MULTIPLE:
        raise TableError(_("%(name)s is not a grid with several choices per row.", name=item.name))
    counters = {row.name: Counter() for row in item.rows}
    bases = Counter()
    for record in records:
        for row in item.rows:
            ticked = record.answers.get(row.name)
            if isinstance(ticked, list) and ticked:
                bases[row.name] += 1
                counters[row.name].update(set(ticked))
    rows = []
    for row in item.rows:
        base = bases[row.name]
        cells = []
        for choice in item.choices:
            count = counters[row.name][choice.code]
            share = _round(Decimal(count) * 100 / base, options.decimals) if base else Decimal(0)
            cells.append(percent_cell(count, share, options))
        rows.append([label_text(row.label, options), *cells, number(base)])
    return Table(
        caption=_("%(question)s Percent.", question=question(item, options)),
        header=["", *[choice_label(c, options) for c in item.choices], "N"],
        rows=rows,
        n=max(bases.values(), default=0),
        kind="grid_multiple",
        notes=[multiple_note()],
    )


def _group_of(record: Record, by: str, by_item: Item | None) -> str | None:
    if by_item is not None:
        value = record.answers.get(by)
        return value if isinstance(value, str) and value else None
    value = record.meta.get("strata", {}).get(by)
    return str(value) if value not in (None, "") else None


def crosstab(
    item: Item,
    records: Iterable[Record],
    by: str,
    options: Options,
    by_item: Item | None = None,
    variable: str | None = None,
) -> Table:
    """``item`` (or its grid row ``variable``) by a frame column or another single-choice
    item: column percentages, N in each header."""
    if item.type not in (d.SINGLE, d.GRID_SINGLE):
        raise TableError(_("%(name)s is not a single-choice question.", name=item.name))
    if by_item is not None and by_item.type != d.SINGLE:
        raise TableError(_("%(name)s is not a single-choice question.", name=by_item.name))
    choices = table_choices(item, options)
    codes = [c.code for c in choices]
    cells: dict[str, Counter[str]] = {}
    for record in records:
        value = record.answers.get(variable or item.name)
        group = _group_of(record, by, by_item)
        if value in codes and group is not None:
            cells.setdefault(group, Counter())[value] += 1
    if by_item is not None:
        groups = [c.code for c in by_item.choices if c.code in cells]
        names = {c.code: choice_label(c, options) for c in by_item.choices}
    else:
        groups = sorted(cells)
        names = {g: g for g in groups}
    total = Counter()
    for counter in cells.values():
        total.update(counter)
    columns = [(names[g], cells[g]) for g in groups] + [(_("Total"), total)]
    header = [""] + [f"{name} (N={number(sum(c.values()))})" for name, c in columns]
    per_column = []
    for _name, counter in columns:
        counts = [counter[code] for code in codes]
        per_column.append((counts, *percentages(counts, sum(counts), options)))
    rows = []
    for index, choice in enumerate(choices):
        rows.append(
            [choice_label(choice, options)]
            + [percent_cell(c[index], s[index], options) for c, s, _t in per_column]
        )
    rows.append([_("Sum")] + [number(t, options.decimals) for _c, _s, t in per_column])
    n = sum(total.values())
    by_label = question(by_item, options) if by_item is not None else by
    return Table(
        caption=_("%(question)s By %(by)s. Percent (n=%(n)s)", question=question(item, options),
                  by=by_label, n=number(n)),
        header=header,
        rows=rows,
        n=n,
        kind="crosstab",
        total=True,
    )  # fmt: skip


def _numbers(item: Item, records: Iterable[Record]) -> list[float]:
    values = []
    for record in records:
        value = record.answers.get(item.name)
        if isinstance(value, bool) or value in (None, ""):
            continue
        if isinstance(value, str):
            try:
                value = float(value.replace(",", ".").replace(" ", ""))
            except ValueError:
                continue
        values.append(value)
    return values


def descriptives(item: Item, records: Iterable[Record], options: Options) -> Table:
    """n, mean, median, minimum and maximum of a number item."""
    if item.type not in d.NUMBER_TYPES:
        raise TableError(_("%(name)s is not a number question.", name=item.name))
    values = _numbers(item, records)
    n = len(values)
    if n:
        row = [
            number(n),
            number(statistics.fmean(values), 1),
            number(statistics.median(values), 1),
            plain_number(min(values)),
            plain_number(max(values)),
        ]
    else:
        row = ["0", "", "", "", ""]
    return Table(
        caption=f"{question(item, options)} (n={number(n)})",
        header=["", "n", _("Mean"), _("Median"), _("Min"), _("Max")],
        rows=[[label_text(item.unit, options) or _("All"), *row]],
        n=n,
        kind="descriptives",
    )


def bands(item: Item, records: Iterable[Record], band_list: list[Band], options: Options) -> Table:
    """A frequency table of a number item grouped into bands."""
    if item.type not in d.NUMBER_TYPES:
        raise TableError(_("%(name)s is not a number question.", name=item.name))
    counts = [0] * len(band_list)
    for value in _numbers(item, records):
        for index, band in enumerate(band_list):
            if band.holds(value):
                counts[index] += 1
                break
    base = sum(counts)
    return Table(
        caption=f"{question(item, options)} (n={number(base)})",
        header=["", _("Count"), _("Percent")],
        rows=_frequency_rows([b.name() for b in band_list], counts, base, options),
        n=base,
        kind="bands",
        total=True,
    )


def table_for(
    questionnaire: Questionnaire,
    name: str,
    records: Iterable[Record],
    options: Options,
    *,
    by: str | None = None,
    band_list: list[Band] | None = None,
) -> Table:
    """The table that suits variable ``name`` (an item, or one row of a grid)."""
    item = questionnaire.item(name)
    variable = None
    if item is None:
        item = questionnaire.variables().get(name)
        variable = name
    if item is None:
        raise TableError(
            _("The questionnaire has no question or variable named “%(name)s”.", name=name)
        )
    if by:
        by_item = questionnaire.item(by)
        return crosstab(item, records, by, options, by_item=by_item, variable=variable)
    if band_list:
        return bands(item, records, band_list, options)
    if item.type == d.SINGLE or variable is not None:
        if item.type != d.GRID_SINGLE and item.type != d.SINGLE:
            raise TableError(
                _("%(name)s is a row of a grid with several choices per row; choose the "
                  "whole grid.", name=name)
            )  # fmt: skip
        return frequency(item, records, options, variable=variable)
    if item.type == d.MULTIPLE:
        return multiple(item, records, options)
    if item.type == d.GRID_SINGLE:
        return grid(item, records, options)
    if item.type == d.GRID_MULTIPLE:
        return grid_multiple(item, records, options)
    if item.type in d.NUMBER_TYPES:
        return descriptives(item, records, options)
    raise TableError(
        _("%(name)s (%(type)s) has no table; export the data to analyse it.", name=name,
          type=item.type)
    )  # fmt: skip
