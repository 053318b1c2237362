"""One live progress display for a pipeline or a sweep on a terminal; plain lines elsewhere.

The coordinator reports each event as a line whose first word says what happened (``started``,
``done``, ``FAILED``, ``cached``, ``skipped``, ``retrying``). On a terminal, starts and ends
become the counts of one live line (rich); failures, retries and skipped steps are printed above
it, as they matter. Elsewhere (a log, CI), every line is printed as it comes.
"""

from __future__ import annotations

import os
from collections import Counter

from .base import LINE_COLORS, progress_line

SHOWN_LIVE = {"started", "done", "cached"}  # counted on the live line, not printed


class LiveProgress:
    """A context manager whose value is the ``echo`` callback of a pipeline or sweep."""

    def __init__(self, what: str) -> None:
        from rich.console import Console

        self.what = what
        self.console = Console(stderr=True)
        self.counts: Counter[str] = Counter()
        self.progress = None

    def __enter__(self):
        if not self.live():
            return progress_line
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=self.console,
        )
        self.task = self.progress.add_task(self.summary())
        self.progress.start()
        return self.echo

    def live(self) -> bool:
        """Whether to animate: on an interactive terminal, or where the user says the output is
        one (rich's ``TTY_COMPATIBLE=1`` or ``TTY_INTERACTIVE=1``). ``FORCE_COLOR`` alone, which
        CI systems set for colored logs, keeps plain lines: a log cannot redraw a line."""
        console = self.console
        said = "1" in (os.environ.get("TTY_COMPATIBLE"), os.environ.get("TTY_INTERACTIVE"))
        return console.is_interactive and (said or console.file.isatty())

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.update(self.task, description=self.summary())
            self.progress.stop()

    def echo(self, line: str) -> None:
        """Count ``line``'s event on the live line; print it above if it is not a routine one."""
        from rich.text import Text

        word = line.split(" ", 1)[0]
        self.counts[word] += 1
        if word not in SHOWN_LIVE:
            self.progress.console.print(Text(line, style=LINE_COLORS.get(word, "")))
        self.progress.update(self.task, description=self.summary())

    def summary(self) -> str:
        """The live line: how many runs are running, done, failed and cached."""
        c = self.counts
        running = c["started"] - c["done"] - c["FAILED"] - c["retrying"]
        parts = [f"{running} running", f"{c['done']} done"]
        parts += [f"{c[w]} {w.lower()}" for w in ("FAILED", "cached", "skipped") if c[w]]
        return f"{self.what}: " + ", ".join(parts)
