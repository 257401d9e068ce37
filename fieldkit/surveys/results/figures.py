"""Report figures as SVG: 100 % stacked horizontal bars for scales and grids, and bar
distributions for 1–7 scales.

Computed from the same counts and rounding as the tables (``tables.percentages``), so a figure
never disagrees with its table. Each SVG has a ``<title>`` and a ``<desc>`` that states every
figure in words, for screen readers; colours are presentation attributes (the
Content-Security-Policy forbids inline styles).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

from fieldkit.surveys.questionnaires import definition as d
from fieldkit.surveys.questionnaires.definition import Item
from fieldkit.surveys.results import tables
from fieldkit.surveys.results.dataset import Record
from fieldkit.surveys.results.numbers import TableError, number
from fieldkit.surveys.results.tables import Options, question

#: From strong agreement (dark blue) to strong disagreement (dark orange); grey for "Vet ikke".
SCALE_COLOURS = ["#1f4e79", "#4f81bd", "#a6c1e0", "#f4b183", "#c55a11", "#843c0c", "#5b2a05"]
NONSUBSTANTIVE_COLOUR = "#bfbfbf"
#: Suppressed small cells: white with a dashed grey outline, labelled, never a coloured share.
SUPPRESSED_FILL = "#ffffff"
SUPPRESSED_STROKE = "#595959"
BAR_COLOUR = "#1f4e79"
WIDTH = 680
LABEL_WIDTH = 210
BAR_HEIGHT = 26
GAP = 10


@dataclass
class Figure:
    """A figure: its caption (without the number) and its SVG."""

    caption: str
    svg: Markup
    n: int
    kind: str

    def numbered(self, figure_number: int) -> str:
        """The caption after its label: "Figur 2. …"."""
        label = _("Figure %(number)s.", number=figure_number)
        return f"{label} {self.caption}"


def _colours(choices: list[d.Choice]) -> list[str]:
    substantive = [c for c in choices if not c.nonsubstantive]
    palette = SCALE_COLOURS[: max(len(substantive), 1)]
    if len(substantive) > len(SCALE_COLOURS):
        palette = [SCALE_COLOURS[i % len(SCALE_COLOURS)] for i in range(len(substantive))]
    colours, index = [], 0
    for choice in choices:
        if choice.nonsubstantive:
            colours.append(NONSUBSTANTIVE_COLOUR)
        else:
            colours.append(palette[index])
            index += 1
    return colours


def _text_colour(fill: str) -> str:
    red, green, blue = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else "#ffffff"


def stacked_bars(item: Item, records: Iterable[Record], options: Options) -> Figure:
    """100 % stacked horizontal bars: one per grid row, or one for a single-choice scale."""
    if item.type == d.GRID_SINGLE:
        bars = [(row.name, tables.label_text(row.label, options)) for row in item.rows]
    elif item.type == d.SINGLE:
        bars = [(item.name, "")]
    else:
        raise TableError(_("%(name)s is neither a scale nor a grid.", name=item.name))
    choices = tables.table_choices(item, options)
    codes = [c.code for c in choices]
    counters = {name: Counter() for name, _label in bars}
    for record in records:
        for name, _label in bars:
            value = record.answers.get(name)
            if value in codes:
                counters[name][value] += 1
    colours = _colours(choices)
    labels = [tables.choice_label(c, options) for c in choices]
    height = len(bars) * (BAR_HEIGHT + GAP) + 60
    area = WIDTH - LABEL_WIDTH - 20
    parts, words = [], []
    n_all = 0
    any_suppressed = False
    for index, (name, label) in enumerate(bars):
        counts = [counters[name][code] for code in codes]
        base = sum(counts)
        n_all = max(n_all, base)
        shares, _total = tables.percentages(counts, base, options)
        y = 10 + index * (BAR_HEIGHT + GAP)
        row_label = f"{label} (n={number(base)})" if label else f"n={number(base)}"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT / 2 + 4}" text-anchor="end" '
            f'font-size="12">{escape(row_label)}</text>'
        )
        x = float(LABEL_WIDTH)
        described = []
        hidden = 0
        for count, share, colour, choice_label in zip(counts, shares, colours, labels, strict=True):
            if suppressed(count, options):
                # Its share is neither drawn nor printed: small cells go together, last.
                hidden += count
                described.append(f"{choice_label} {hidden_text(options)}")
                continue
            # Widths from the exact shares (rounded ones can add up to 101 %).
            width = area * count / base if base else 0.0
            if width > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                    f'fill="{colour}"/>'
                )
                if share >= 5:
                    parts.append(
                        f'<text x="{x + width / 2:.1f}" y="{y + BAR_HEIGHT / 2 + 4}" '
                        f'text-anchor="middle" font-size="11" fill="{_text_colour(colour)}">'
                        f"{number(share, options.decimals)}</text>"
                    )
            x += width
            described.append(f"{choice_label} {number(share, options.decimals)} %")
        if hidden:
            any_suppressed = True
            width = area * hidden / base
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 0.5}" width="{max(width - 0.5, 0.5):.1f}" '
                f'height="{BAR_HEIGHT - 1}" fill="{SUPPRESSED_FILL}" '
                f'stroke="{SUPPRESSED_STROKE}" stroke-dasharray="3 2"/>'
            )
        words.append(f"{label or question(item, options)}: " + ", ".join(described))
    legend_y = 10 + len(bars) * (BAR_HEIGHT + GAP) + 8
    legend = list(zip(colours, labels, strict=True))
    x = 10.0
    for colour, choice_label in legend:
        parts.append(f'<rect x="{x:.1f}" y="{legend_y}" width="12" height="12" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + 16:.1f}" y="{legend_y + 10}" font-size="11">'
            f"{escape(choice_label)}</text>"
        )
        x += 16 + 6.5 * len(choice_label) + 14
    if any_suppressed:
        height += 22
        parts.append(
            f'<rect x="10" y="{legend_y + 22}" width="12" height="12" fill="{SUPPRESSED_FILL}" '
            f'stroke="{SUPPRESSED_STROKE}" stroke-dasharray="3 2"/>'
        )
        parts.append(
            f'<text x="26" y="{legend_y + 32}" font-size="11">{escape(suppressed_note(options))}'
            "</text>"
        )
        words.append(suppressed_note(options))
    caption = f"{question(item, options)} (n={number(n_all)})"
    return Figure(caption, _svg(caption, "; ".join(words), height, parts), n_all, "stacked")


#: In the place of a suppressed bar, as in the tables' count cells.
SUPPRESSED_MARK = tables.SUPPRESSED


def suppressed(count: int, options: Options) -> bool:
    """A cell the tables suppress (fewer than ``min_cell`` but not none) is not drawn either."""
    return bool(options.min_cell) and 0 < count < options.min_cell


def hidden_text(options: Options) -> str:
    return _("fewer than %(count)s responses (hidden)", count=options.min_cell)


def suppressed_note(options: Options, *, stacked: bool = True) -> str:
    """The note a figure with suppressed cells carries (inside the SVG, so every copy has it)."""
    if stacked:
        return _(
            "Categories with fewer than %(count)s responses are hidden for privacy (together in "
            "the dashed box).",
            count=options.min_cell,
        )
    return _(
        "Bars with fewer than %(count)s responses are hidden for privacy (marked %(mark)s).",
        count=options.min_cell,
        mark=SUPPRESSED_MARK.format(threshold=options.min_cell),
    )


def distribution(item: Item, records: Iterable[Record], options: Options) -> Figure:
    """Vertical bars: the share at each point of a numbered scale (e.g. 1–7)."""
    if item.type != d.SINGLE:
        raise TableError(_("%(name)s is not a single-choice question.", name=item.name))
    choices = tables.table_choices(item, options)
    codes = [c.code for c in choices]
    counter: Counter[str] = Counter()
    for record in records:
        value = record.answers.get(item.name)
        if value in codes:
            counter[value] += 1
    counts = [counter[code] for code in codes]
    base = sum(counts)
    shares, _total = tables.percentages(counts, base, options)
    plot_height, left, bottom = 180, 40, 210
    slot = (WIDTH - left - 20) / max(len(choices), 1)
    parts = [f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - 10}" y2="{bottom}" stroke="#333"/>']
    words = []
    hidden = [suppressed(count, options) for count in counts]
    top = max([float(s) for s, h in zip(shares, hidden, strict=True) if not h] + [1.0])
    for index, (choice, share) in enumerate(zip(choices, shares, strict=True)):
        x = left + index * slot + slot * 0.2
        if hidden[index]:
            # No bar: its height would give the small count away; the mark says why.
            parts.append(
                f'<text x="{x + slot * 0.3:.1f}" y="{bottom - 4}" text-anchor="middle" '
                f'font-size="11">{escape(SUPPRESSED_MARK.format(threshold=options.min_cell))}'
                "</text>"
            )
        else:
            bar = plot_height * float(share) / top
            colour = NONSUBSTANTIVE_COLOUR if choice.nonsubstantive else BAR_COLOUR
            parts.append(
                f'<rect x="{x:.1f}" y="{bottom - bar:.1f}" width="{slot * 0.6:.1f}" '
                f'height="{bar:.1f}" fill="{colour}"/>'
            )
            parts.append(
                f'<text x="{x + slot * 0.3:.1f}" y="{bottom - bar - 4:.1f}" '
                f'text-anchor="middle" font-size="11">{number(share, options.decimals)}</text>'
            )
        label = tables.label_text(choice.label, options)
        parts.append(
            f'<text x="{x + slot * 0.3:.1f}" y="{bottom + 16}" text-anchor="middle" '
            f'font-size="12">{escape(choice.code)}</text>'
        )
        if label:
            parts.append(
                f'<text x="{x + slot * 0.3:.1f}" y="{bottom + 31}" text-anchor="middle" '
                f'font-size="10">{escape(label)}</text>'
            )
        shown = hidden_text(options) if hidden[index] else f"{number(share)} %"
        words.append(f"{choice.code}{' ' + label if label else ''}: {shown}")
    height = bottom + 45
    if any(hidden):
        parts.append(
            f'<text x="{left}" y="{height}" font-size="11">'
            f"{escape(suppressed_note(options, stacked=False))}</text>"
        )
        words.append(suppressed_note(options, stacked=False))
        height += 14
    caption = f"{question(item, options)} (n={number(base)})"
    return Figure(caption, _svg(caption, "; ".join(words), height, parts), base, "bars")


def _svg(title: str, desc: str, height: float, parts: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="{WIDTH}" height="{height:.0f}" role="img" font-family="sans-serif">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{''.join(parts)}</svg>"
    )


def is_numbered_scale(item: Item) -> bool:
    """A single choice whose substantive codes are 1..k with 5 <= k <= 11 (e.g. 1–7)."""
    codes = [c.code for c in item.choices if not c.nonsubstantive]
    return (
        item.type == d.SINGLE
        and 5 <= len(codes) <= 11
        and codes == [str(i) for i in range(1, len(codes) + 1)]
        and sum(1 for c in item.choices if text_of(c)) < len(codes)
    )


def text_of(choice: d.Choice) -> str:
    return next(iter(choice.label.values()), "") if choice.label else ""


def figure_for(item: Item, records: Iterable[Record], options: Options) -> Figure | None:
    """The figure that suits ``item``, or None (multiple choice, numbers and texts have none)."""
    if item.type == d.GRID_SINGLE:
        return stacked_bars(item, records, options)
    if item.type == d.SINGLE and is_numbered_scale(item):
        return distribution(item, records, options)
    if item.type == d.SINGLE and item.ordinal:
        return stacked_bars(item, records, options)
    return None
