"""Tables that fit the terminal by keeping what matters.

A column is kept whole (ids, statuses, counts) or shares the width left over (names, metrics,
messages), never below its minimum. When the terminal is too narrow for every column, the least
important ones go first: an id is never cut under :data:`MIN_ID`, a name or a metric is not cut
to a few characters while a timestamp keeps its whole width. Times turn relative ("3m ago") on
narrow terminals. ``--wide`` shows every value whole; ``--json`` is unaffected by any of it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

MIN_ID = 8  # the shortest id a table shows: every command takes an id prefix of 8
RELATIVE_BELOW = 100  # terminals narrower than this show times relative to now
OPTIONAL = 2  # columns this unimportant go before any other column is cut


@dataclass(frozen=True)
class Column:
    """One column of a :func:`fitting_table`.

    Attributes
    ----------
    heading:
        Its title.
    share:
        Its share of the width left over; 0: the column keeps its values whole.
    keep:
        How important it is: on a narrow terminal, columns with the lowest ``keep`` go first.
    minimum:
        A sharing column is dropped rather than cut narrower than this.
    """

    heading: str
    share: int = 0
    keep: int = 5
    minimum: int = 0


class Compact(str):
    """A value with a shorter form that narrow terminals show (below :data:`RELATIVE_BELOW`
    columns): ``Compact(snapshot_id, snapshot_id[:12])``.

    Parameters
    ----------
    whole:
        The value.
    compact:
        Its shorter form.
    """

    compact: str

    def __new__(cls, whole: str, compact: str) -> Compact:
        value = super().__new__(cls, whole)
        value.compact = compact
        return value


class When(Compact):
    """A time as a table shows it: ``month-day hh:mm:ss`` whole, ``3m ago`` on narrow
    terminals.

    Parameters
    ----------
    seconds:
        Seconds since the epoch (``None``: no time).
    now:
        What "ago" counts from (default: now).
    """

    def __new__(cls, seconds: float | None, now: float | None = None) -> When:
        if seconds is None:
            return super().__new__(cls, "", "")
        text = datetime.fromtimestamp(seconds).strftime("%m-%d %H:%M:%S")
        return super().__new__(
            cls, text, relative_time(seconds, time.time() if now is None else now)
        )

    @property
    def relative(self) -> str:
        """How long ago, as narrow terminals show it."""
        return self.compact


def relative_time(seconds: float, now: float) -> str:
    """``seconds`` (since the epoch) as how long before ``now``: ``just now``, ``42s ago``,
    ``5m ago``, ``3h ago``, ``12d ago``."""
    ago = max(0.0, now - seconds)
    if ago < 5:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if ago >= size:
            return f"{int(ago // size)}{unit} ago"
    return f"{int(ago)}s ago"


def fitting_table(
    title: str | None,
    columns: list[Column | tuple[str, int]],
    rows: list[tuple],
    wide: bool = False,
    wrap: bool = False,
    width: int | None = None,
):
    """A rich table of ``rows`` that fits the terminal (``width``, default the console's), one
    line per row.

    ``columns``: :class:`Column` objects, or ``(heading, share)`` pairs (kept at the default
    importance). Values of the sharing columns are cut with an ellipsis (``wrap``: wrapped at
    words, for messages). ``wide``: every value whole, wrapped, for terminals that can take it.
    """
    from rich.console import Console

    specs = [c if isinstance(c, Column) else Column(c[0], c[1]) for c in columns]
    width = width or Console().width
    relative = not wide and width < RELATIVE_BELOW
    cells = [[_shown(value, relative) for value in row] for row in rows]
    shown = list(range(len(specs)))
    table = _table(title, specs, cells, shown, wide, wrap)
    if not wide:
        console = Console(width=width)

        def measure(candidate):
            return console.measure(candidate, options=console.options.update(max_width=10**6))

        # optional columns go as soon as something would be cut; the others only when even
        # their minimum widths do not fit (the least important first, the order kept)
        while len(shown) > 1:
            size = measure(table)
            lowest = min(shown, key=lambda i: (specs[i].keep, -i))
            optional = specs[lowest].keep <= OPTIONAL and size.maximum > width
            if not optional and size.minimum <= width:
                break
            shown.remove(lowest)
            table = _table(title, specs, cells, shown, wide, wrap)
        table.expand = measure(table).maximum > width
    return table


def _table(title, specs: list[Column], cells: list[list[str]], shown: list[int], wide, wrap):
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, box=box.SIMPLE_HEAD)
    for i in shown:
        spec = specs[i]
        if wide:
            table.add_column(spec.heading, overflow="fold")
        elif spec.share:
            table.add_column(
                spec.heading, overflow="fold" if wrap else "ellipsis", no_wrap=not wrap,
                ratio=spec.share, min_width=max(spec.minimum, len(spec.heading)),
            )  # fmt: skip
        else:
            table.add_column(spec.heading, no_wrap=True, width=_natural(spec, cells, i))
    for row in cells:
        table.add_row(*(Text(row[i]) for i in shown))  # values are text, never markup
    return table


def _shown(value: object, narrow: bool) -> str:
    if isinstance(value, Compact):
        return value.compact if narrow else str(value)
    return str(value)


def _natural(spec: Column, cells: list[list[str]], i: int) -> int:
    return max([len(spec.heading), *(len(row[i]) for row in cells)])
