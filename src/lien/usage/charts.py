"""Light SVG charts drawn on the server: no JavaScript, a few kilobytes each.

Each chart is an image with a <title> for screen readers; the page shows the same figures in a
table next to it. Colours are presentation attributes (the CSP forbids inline styles) and the
series differ by dash as well as by colour.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 640
COLOURS = ("#0b4f8a", "#1e6b34")
DASHES = ("", ' stroke-dasharray="6 4"')
GRID = "#c9d1d9"
INK = "#1b1f23"
MAX_COLUMNS = 62
LABEL_CHARACTERS = 28


def _number(value: float) -> str:
    return number_format(round(value), force_grouping=True)


def _ceiling(value: float) -> float:
    """A round maximum for the axis: 1, 2 or 5 times a power of ten, at least the value."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 5, 10) if value <= step * magnitude)


def _svg(chart_id: str, title: str, height: int, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 (every text below is escaped)
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}-title" font-family="system-ui, sans-serif" '
        f'font-size="12" fill="{INK}"><title id="{chart_id}-title">{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start") -> str:
    return f'<text x="{x:.0f}" y="{y:.0f}" text-anchor="{anchor}">{escape(text)}</text>'


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"


class _Plot:
    """The frame of a chart over days: a value axis with four grid lines on the left."""

    left, right, top, bottom = 64, 8, 24, 28
    height = 220

    def __init__(self, maximum: float) -> None:
        # Four round steps: 0, 1 000, 2 000, 3 000, 4 000 rather than 0, 1 250… 5 000.
        self.ceiling = 4 * _ceiling(maximum / 4)
        self.width = WIDTH - self.left - self.right
        self.plot_height = self.height - self.top - self.bottom

    def y(self, value: float) -> float:
        return self.top + self.plot_height * (1 - value / self.ceiling)

    def grid(self) -> list[str]:
        lines = []
        for step in range(5):
            value = self.ceiling * step / 4
            y = self.y(value)
            lines.append(
                f'<line x1="{self.left}" x2="{WIDTH - self.right}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="{GRID}"/>'
            )
            lines.append(_text(self.left - 6, y + 4, _number(value), "end"))
        return lines

    def x_labels(self, labels: list[str], centre) -> list[str]:
        every = math.ceil(len(labels) / 10) or 1
        return [
            _text(centre(index), self.height - 8, label, "middle")
            for index, label in enumerate(labels)
            if index % every == 0
        ]


def column_chart(chart_id: str, title: str, columns: list[tuple[str, int]]) -> SafeString:
    """Vertical bars, one per label (days or weeks)."""
    plot = _Plot(max((value for _, value in columns), default=0))
    slot = plot.width / max(len(columns), 1)
    bar_width = max(slot * 0.7, 1)
    body = plot.grid()
    for index, (_label, value) in enumerate(columns):
        if value:
            y = plot.y(value)
            x = plot.left + index * slot + (slot - bar_width) / 2
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" '
                f'height="{plot.top + plot.plot_height - y:.1f}" fill="{COLOURS[0]}"/>'
            )
    body += plot.x_labels(
        [label for label, _ in columns], lambda index: plot.left + (index + 0.5) * slot
    )
    return _svg(chart_id, title, plot.height, body)


def line_chart(
    chart_id: str, title: str, labels: list[str], series: list[tuple[str, list[int]]]
) -> SafeString:
    """One line per series over the labels, with a legend."""
    plot = _Plot(max((max(values, default=0) for _, values in series), default=0))
    step = plot.width / max(len(labels) - 1, 1)
    body = plot.grid()
    for index, (name, values) in enumerate(series):
        points = " ".join(
            f"{plot.left + position * step:.1f},{plot.y(value):.1f}"
            for position, value in enumerate(values)
        )
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{COLOURS[index]}" '
            f'stroke-width="2"{DASHES[index]}/>'
        )
        legend_x = plot.left + index * 200
        body.append(
            f'<line x1="{legend_x}" x2="{legend_x + 24}" y1="10" y2="10" '
            f'stroke="{COLOURS[index]}" stroke-width="2"{DASHES[index]}/>'
        )
        body.append(_text(legend_x + 30, 14, name))
    body += plot.x_labels(labels, lambda index: plot.left + index * step)
    return _svg(chart_id, title, plot.height, body)


def bar_chart(chart_id: str, title: str, bars: list[tuple[str, int]]) -> SafeString:
    """Horizontal bars, one per label, with the value at the end of each."""
    label_width, value_width, row_height = 210, 90, 26
    height = row_height * len(bars) + 8
    ceiling = _ceiling(max((value for _, value in bars), default=0))
    plot_width = WIDTH - label_width - value_width
    body = []
    for index, (label, value) in enumerate(bars):
        y = 4 + index * row_height
        width = plot_width * value / ceiling
        body.append(_text(label_width - 8, y + 17, _short(label), "end"))
        body.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{width:.1f}" height="{row_height - 8}" '
            f'fill="{COLOURS[0]}"/>'
        )
        body.append(_text(label_width + width + 6, y + 17, _number(value)))
    return _svg(chart_id, title, height, body)


def days_for_chart(by_day: list[tuple[date, int]]) -> tuple[str, list[tuple[str, int]]]:
    """Days as columns ("24/11"); over MAX_COLUMNS days, weeks (from Monday) instead.
    Returns the unit ("par jour" or "par semaine") and the labelled values."""
    if len(by_day) <= MAX_COLUMNS:
        return _("par jour"), [(day.strftime("%d/%m"), value) for day, value in by_day]
    weeks: dict[date, int] = {}
    for day, value in by_day:
        monday = day - timedelta(days=day.weekday())
        weeks[monday] = weeks.get(monday, 0) + value
    return _("par semaine"), [(monday.strftime("%d/%m"), value) for monday, value in weeks.items()]
