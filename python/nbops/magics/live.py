"""``nbops.live()`` and ``%%track --live``: the active run's metrics as a chart that updates while
the cell runs.

The chart is an ipywidgets ``Output`` holding a Vega-Lite specification (JupyterLab draws it with
its own renderer). It listens to the kernel's session, so a logged value costs an append and no
store round trip; a thread draws at most every ``every`` seconds (the first time ``every``
after the call), only when something new was logged. When the cell ends, the widget's output is
replaced by the final chart as a plain Vega-Lite output: what the saved notebook (and its report)
keeps.
"""

from __future__ import annotations

import html
import threading

from ..capture.session import Session
from ..exceptions import InputError
from ..reports.charts import VEGALITE_MIME, metrics_chart
from ..store import Metric

DEFAULT_EVERY_S = 0.5
MAX_POINTS = 500  # drawn per metric; every value is still logged


class LiveChart:
    """A chart of the metrics logged from now on, redrawn while the cell runs.

    Parameters
    ----------
    session:
        The kernel's session (its logged values are charted).
    metrics:
        Only these metrics (default: every metric logged).
    every:
        At least this many seconds between two drawings.
    """

    def __init__(self, session: Session, metrics: list[str] | None, every: float) -> None:
        import ipywidgets

        self.metrics = set(metrics) if metrics else None
        self.every = every
        self.run_id = session.run_id
        self.series: dict[str, list[tuple[int, float]]] = {}
        self.draws = 0
        self.output = ipywidgets.Output()
        self.caption = ipywidgets.HTML(self._caption())
        self.widget = ipywidgets.VBox([self.caption, self.output])
        self.widget.add_class("nbops-live")
        self._dirty = threading.Event()
        self._closed = threading.Event()
        self._handle = None
        self._stop_watching = session.watch(self._logged)
        self._thread = threading.Thread(target=self._loop, name="nbops-live", daemon=True)
        self._thread.start()

    @property
    def closed(self) -> bool:
        """Whether the chart stopped following the run."""
        return self._closed.is_set()

    def show(self) -> LiveChart:
        """Display the widget (once) where the cell's output goes; return the chart."""
        from IPython.display import display

        if self._handle is None:
            self._handle = display(self.widget, display_id=True)
        return self

    def _ipython_display_(self) -> None:
        # the chart is shown once, where it was started: a cell ending with it adds nothing
        self.show()

    def close(self) -> None:
        """Stop following the run and leave the final chart in the output as a plain Vega-Lite
        output (what the saved notebook keeps)."""
        if self.closed:
            return
        self._stop_watching()
        self._closed.set()
        self._dirty.set()
        self._thread.join(timeout=5)
        if self._handle is not None:
            self._handle.update(self.bundle(), raw=True)
        self.widget.close()

    def spec(self) -> dict:
        """The Vega-Lite specification of what was logged so far."""
        series = {name: list(points) for name, points in list(self.series.items())}
        return metrics_chart(series, MAX_POINTS).spec

    def bundle(self) -> dict:
        """The chart as a mime bundle: the specification, and a line of text."""
        return {VEGALITE_MIME: self.spec(), "text/plain": self._caption()}

    def _logged(self, run_id: str, metrics: list[Metric]) -> None:
        # no lock: on the logging path, appends and the drawer's copies are atomic steps
        if run_id != self.run_id:  # a new run: its own chart
            self.run_id, self.series = run_id, {}
        series = self.series
        for metric in metrics:
            if self.metrics is None or metric.key in self.metrics:
                points = series.get(metric.key)
                if points is None:
                    points = series[metric.key] = []
                points.append((metric.step, metric.value))
        if not self._dirty.is_set():
            self._dirty.set()

    def _loop(self) -> None:
        if self._closed.wait(self.every):  # the first drawing too comes `every` after the call
            return
        while True:
            self._dirty.wait()
            if self.closed:
                return
            self._dirty.clear()
            self._draw()
            if self._closed.wait(self.every):
                return

    def _draw(self) -> None:
        output = {"output_type": "display_data", "data": {VEGALITE_MIME: self.spec()}}
        self.output.outputs = ({**output, "metadata": {}},)
        self.caption.value = self._caption()
        self.draws += 1

    def _caption(self) -> str:
        count = sum(len(points) for points in self.series.values())
        run = f"run {self.run_id[:8]}" if self.run_id else "no run yet"
        names = ", ".join(html.escape(name) for name in self.series) or "waiting for metrics"
        return f"<small>nbops live · {run} · {count:,} values · {names}</small>"


def start_live(
    session: Session, metrics=None, every: float = DEFAULT_EVERY_S, until_cell_ends: bool = True
) -> LiveChart:
    """Show a :class:`LiveChart` of ``session``'s metrics until the running cell ends.

    Parameters
    ----------
    session:
        The kernel's session.
    metrics:
        A metric name or a list of names (default: every metric).
    every:
        Seconds between drawings (at least 0.05).
    until_cell_ends:
        Close it when the running cell ends (else the caller closes it: ``%%track --live``
        runs the cell itself and closes it when the cell's code ends).
    """
    if isinstance(metrics, str):
        metrics = [metrics]
    if metrics is not None and (
        not isinstance(metrics, list | tuple) or not all(isinstance(m, str) for m in metrics)
    ):
        raise InputError(f"metrics={metrics!r} is not a list of metric names.", "")
    if isinstance(every, bool) or not isinstance(every, int | float) or every < 0.05:
        raise InputError(f"every={every!r} is not a number of seconds from 0.05.", "")
    from IPython import get_ipython

    shell = get_ipython()
    if getattr(shell, "kernel", None) is None:  # no shell, or a terminal's: no frontend draws
        raise InputError(
            "nbops.live() draws in a notebook: no IPython kernel runs this code.",
            "Call it in a notebook cell; a script's metrics are charted by `nbops runs` instead.",
        )
    chart = LiveChart(session, list(metrics) if metrics else None, float(every))
    if until_cell_ends:
        _close_after_cell(shell, chart)
    return chart.show()


def _close_after_cell(shell, chart: LiveChart) -> None:
    """Close ``chart`` when the cell that started it ends."""

    def closing(result=None) -> None:
        shell.events.unregister("post_run_cell", closing)
        chart.close()

    shell.events.register("post_run_cell", closing)
