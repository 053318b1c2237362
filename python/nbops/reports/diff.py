"""What changed between two runs, and which changes could explain their metrics.

``nbops diff A B``: parameters, the code of their notebooks cell by cell (matched by id, then by
content; outputs and errors that changed marked, execution counts and metadata ignored), the data
each read and wrote (fingerprints, rows), the environment (packages, Python, git) and the metrics,
each facet ranked differing first, under a summary that says what is unchanged and what comes
with a metric's change.
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import asdict, dataclass, field

from ..capture.environment import diff_environments
from ..exceptions import NotFoundError
from ..names import ENVIRONMENT_FILE, SOURCE_TAG
from ..store import Store
from .notebooks import load_run_notebook

MAX_DIFF_CELLS = 2_000  # cells of both notebooks together that a code diff compares
MAX_DIFF_CHARS = 2_000_000  # characters of code, both notebooks together


@dataclass
class Change:
    """One named value in both runs (``None`` where a run has none)."""

    name: str
    a: object
    b: object


@dataclass
class MetricChange(Change):
    """A metric's values, with ``delta`` (b - a) and ``relative`` (delta / |a|) when both are
    numbers."""

    delta: float | None = None
    relative: float | None = None


@dataclass
class CellChange:
    """A code cell that differs: ``kind`` ``added``, ``removed``, ``changed`` (source) or
    ``outputs`` (same source, other outputs or error); cell numbers from 1 as JupyterLab shows."""

    kind: str
    cell_a: int | None
    cell_b: int | None
    diff: str = ""
    outputs: str = ""


@dataclass
class DataChange:
    """A snapshot name the runs read or wrote: its id and rows in each run."""

    name: str
    role: str
    id_a: str | None
    id_b: str | None
    rows_a: int | None = None
    rows_b: int | None = None

    @property
    def same(self) -> bool:
        return self.id_a == self.id_b


@dataclass
class Changes:
    """What a report's "Changes since" block shows: ``diff`` of the reported run against an
    earlier one, ``why`` that one, and whether to show the code's changes (not in a report
    without code)."""

    diff: RunDiff
    why: str
    code: bool = True


@dataclass
class RunDiff:
    """Every difference between run ``run_b`` and run ``run_a``, by facet."""

    run_a: str
    run_b: str
    params: list[Change] = field(default_factory=list)
    metrics: list[MetricChange] = field(default_factory=list)
    code: list[CellChange] = field(default_factory=list)
    code_note: str = ""
    data: list[DataChange] = field(default_factory=list)
    packages: dict[str, list] = field(default_factory=dict)
    platform: list[Change] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        """Whether anything differs (what ``--exit-code`` answers)."""
        changed_data = any(not d.same for d in self.data)
        facets = (self.params, self.metrics, self.code, self.platform, self.code_note)
        return changed_data or any(facets) or any(self.packages.values())

    def facets(self) -> dict[str, bool]:
        """Whether each facet that could explain a result differs."""
        return {
            "parameters": bool(self.params),
            "code": any(c.kind != "outputs" for c in self.code),  # a note: not known to differ
            "data": any(not d.same for d in self.data),
            "environment": bool(self.platform) or any(self.packages.values()),
        }

    def summary(self) -> list[str]:
        """One line per facet, then what the metrics' change comes with."""
        lines = [
            f"parameters: {_params_line(self.params)}",
            f"code: {_code_line(self.code, self.code_note)}",
        ]
        lines += [f"{d.role or 'data'} `{d.name}`: {_data_line(d)}" for d in self.data] or [
            "data: none recorded"
        ]
        lines.append(f"environment: {_environment_line(self.packages, self.platform)}")
        lines.append(f"metrics: {_metrics_line(self.metrics)}")
        if self.metrics:
            lines.append(_explanation(self.facets()))
        return lines

    def to_dict(self) -> dict:
        """A JSON-ready dict (``--json``): the facets and the summary."""
        data = asdict(self)
        data["differs"], data["summary"] = self.differs, self.summary()
        return data

    def lines(self) -> list[str]:
        """The summary, then each facet's details."""
        return [f"Run {self.run_b} against {self.run_a}", "", *self.summary(), *self.details()]

    def details(self, code: bool = True) -> list[str]:
        """Each facet's details, each under a blank line and its title."""
        out = []
        if self.params:
            out += ["", "Parameters"] + [
                f"  {c.name}: {_show(c.a)} -> {_show(c.b)}" for c in self.params
            ]
        if code and (self.code or self.code_note):
            out += ["", "Code"] + ([f"  {self.code_note}"] if self.code_note else [])
            for cell in self.code:
                out.append(f"  {_cell_label(cell)}")
                out += [f"    {line}" for line in (cell.diff or cell.outputs).splitlines()]
        changed = [d for d in self.data if not d.same]
        if changed:
            out += ["", "Data"]
            out += [f"  {d.role} {d.name}: {d.id_a or '-'} -> {d.id_b or '-'}" for d in changed]
        if self.platform or any(self.packages.values()):
            out += ["", "Environment"] + [
                f"  {c.name}: {_show(c.a)} -> {_show(c.b)}" for c in self.platform
            ]
            for kind in ("added", "removed", "changed"):
                out += [f"  {kind} {item}" for item in self.packages.get(kind, [])]
        if self.metrics:
            out += ["", "Metrics"] + [f"  {_metric_detail(m)}" for m in self.metrics]
        return out

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {"text/plain": "\n".join(self.lines())}


def diff_of(settings, run_a: str, run_b: str) -> RunDiff:
    """:func:`diff_runs` of two runs (ids or their first characters) of a project's store."""
    from ..data.registry import catalog_for
    from ..store import open_store
    from ..store.ids import full_run_id

    store = open_store(settings)
    ids = [full_run_id(store, run) for run in (run_a, run_b)]
    return diff_runs(store, catalog_for(settings), *ids)


def diff_runs(store: Store, catalog, run_a: str, run_b: str) -> RunDiff:
    """Every difference of run ``run_b`` against run ``run_a``.

    Parameters
    ----------
    store:
        Where both runs are.
    catalog:
        The project's snapshot catalog (rows of the data each run read and wrote), or ``None``.
    run_a, run_b:
        Whole run ids; :class:`~nbops.exceptions.NotFoundError` names one that does not exist.
    """
    a, b = store.get_run(run_a), store.get_run(run_b)
    result = RunDiff(run_a, run_b)
    result.params = _changes(a.params, b.params, Change)
    result.metrics = [_metric(m) for m in _changes(a.metrics, b.metrics, MetricChange)]
    result.code, result.code_note = _code(store, run_a, run_b)
    result.data = _data(store, catalog, run_a, run_b)
    result.packages, result.platform = _environment(store, run_a, run_b)
    return result


def _changes(a: dict, b: dict, kind) -> list:
    return [
        kind(k, a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)
    ]


def _metric(change: MetricChange) -> MetricChange:
    if isinstance(change.a, int | float) and isinstance(change.b, int | float):
        change.delta = change.b - change.a
        change.relative = change.delta / abs(change.a) if change.a else None
    return change


def _cells(store: Store, run_id: str):
    try:
        nb = load_run_notebook(store, run_id)
    except NotFoundError:  # the run kept no notebook; a store failure propagates
        return None
    injected = "injected-parameters"  # papermill's: the parameters facet shows those values
    return [
        c
        for c in nb.cells
        if c.cell_type == "code" and injected not in c.get("metadata", {}).get("tags", [])
    ]


def _outputs(cell) -> str:
    """What a cell showed, without execution counts and metadata: text, kinds of data, errors."""
    shown = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            shown.append("".join(output.get("text", "")))
        elif output.output_type == "error":
            shown.append(f"{output.get('ename')}: {output.get('evalue')}")
        else:
            data = output.get("data", {})
            shown.append("".join(data.get("text/plain", "")) or ", ".join(sorted(data)))
    return "\n".join(shown)


def _pairs(a: list, b: list) -> list[tuple[int | None, int | None]]:
    """Cells of ``a`` and ``b`` paired: by id where both have it, the rest by content."""
    ids_b = {c.get("id"): j for j, c in enumerate(b) if c.get("id")}
    by_id = {i: ids_b[c.get("id")] for i, c in enumerate(a) if c.get("id") in ids_b}
    if len(set(by_id.values())) != len(by_id):
        by_id = {}
    rest_a = [i for i in range(len(a)) if i not in by_id]
    rest_b = [j for j in range(len(b)) if j not in set(by_id.values())]
    matcher = difflib.SequenceMatcher(
        a=[a[i].source for i in rest_a], b=[b[j].source for j in rest_b], autojunk=False
    )
    pairs = [(i, j) for i, j in by_id.items()]
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = rest_a[i1:i2], rest_b[j1:j2]
        if op in ("equal", "replace"):
            pairs += list(zip(old, new, strict=False))
            old, new = old[len(new) :], new[len(old) :]
        pairs += [(i, None) for i in old] + [(None, j) for j in new]
    return sorted(pairs, key=lambda p: (p[1] if p[1] is not None else p[0], p[1] is None))


def _code(store: Store, run_a: str, run_b: str) -> tuple[list[CellChange], str]:
    a, b = _cells(store, run_a), _cells(store, run_b)
    if a is None or b is None:
        missing = run_a if a is None else run_b
        return [], f"run {missing} kept no notebook: its code cannot be compared"
    if len(a) + len(b) > MAX_DIFF_CELLS or sum(len(c.source) for c in a + b) > MAX_DIFF_CHARS:
        return [], (
            f"the notebooks have {len(a)} and {len(b)} code cells: more than compared here "
            f"({MAX_DIFF_CELLS:,} cells or {MAX_DIFF_CHARS:,} characters); use nbdime"
        )
    changes = []
    for i, j in _pairs(a, b):
        if i is None or j is None:
            cell = b[j] if i is None else a[i]
            kind = "added" if i is None else "removed"
            changes.append(
                CellChange(
                    kind,
                    _n(i),
                    _n(j),
                    _unified("", cell.source, run_a, run_b)
                    if i is None
                    else _unified(cell.source, "", run_a, run_b),
                )
            )
        elif a[i].source != b[j].source:
            changes.append(
                CellChange(
                    "changed", i + 1, j + 1, _unified(a[i].source, b[j].source, run_a, run_b)
                )
            )
        elif _outputs(a[i]) != _outputs(b[j]):
            shown = _unified(_outputs(a[i]), _outputs(b[j]), run_a, run_b)
            changes.append(CellChange("outputs", i + 1, j + 1, outputs=shown))
    return changes, ""


def _n(index: int | None) -> int | None:
    return None if index is None else index + 1


def _unified(old: str, new: str, run_a: str, run_b: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), run_a[:8], run_b[:8], lineterm="", n=1
    )
    return "\n".join(list(lines)[2:])  # the file header names the runs; the facet does already


def _data(store: Store, catalog, run_a: str, run_b: str) -> list[DataChange]:
    def records(run_id: str) -> dict[tuple[str, str], tuple[str, int | None]]:
        found = {(d["role"], d["name"]): (d["digest"], None) for d in store.datasets(run_id)}
        for entry in catalog.records_of(run_id) if catalog is not None else []:
            role = "output" if entry.role == "output" else "input"
            found[(role, entry.name)] = (entry.id, entry.rows)
        return found

    ra, rb = records(run_a), records(run_b)
    changes = []
    for role, name in sorted(ra.keys() | rb.keys()):
        (id_a, rows_a), (id_b, rows_b) = (
            ra.get((role, name), (None, None)),
            rb.get((role, name), (None, None)),
        )
        changes.append(DataChange(name, role, id_a, id_b, rows_a, rows_b))
    return sorted(changes, key=lambda d: (d.same, d.role != "input", d.name))


def _environment(store: Store, run_a: str, run_b: str) -> tuple[dict[str, list], list[Change]]:
    try:
        env_a = json.loads(store.load_text(run_a, ENVIRONMENT_FILE))
        env_b = json.loads(store.load_text(run_b, ENVIRONMENT_FILE))
    except NotFoundError:  # recorded without environment capture
        return {}, []
    found = diff_environments(run_a, env_a, run_b, env_b)
    packages = {
        "added": [f"{k}=={v}" for k, v in sorted(found.added.items())],
        "removed": [f"{k}=={v}" for k, v in sorted(found.removed.items())],
        "changed": [f"{k} {a} -> {b}" for k, (a, b) in found.changed.items()],
    }
    other = sorted(found.other.items())  # the code's hash: the code facet shows its cells
    return packages, [Change(k, a, b) for k, (a, b) in other if k != "code_hash"]


def _show(value: object) -> str:
    return "(none)" if value is None else str(value)


def _params_line(params: list[Change]) -> str:
    if not params:
        return "unchanged"
    return ", ".join(f"{c.name} {_show(c.a)} -> {_show(c.b)}" for c in params)


def _code_line(cells: list[CellChange], note: str) -> str:
    if note:
        return note
    counts: dict[str, int] = {}
    for cell in cells:
        counts[cell.kind] = counts.get(cell.kind, 0) + 1
    outputs = counts.pop("outputs", 0)
    line = ", ".join(f"{n} cell{'s' * (n > 1)} {k}" for k, n in counts.items()) or "unchanged"
    if outputs:
        line += f" ({outputs} cell{'s' * (outputs > 1)} with other outputs)"
    return line


def _data_line(change: DataChange) -> str:
    if change.id_a is None or change.id_b is None:
        return f"only in run {'B' if change.id_a is None else 'A'}"
    if change.same:
        return "same content"
    rows = ""
    if change.rows_a is not None and change.rows_b is not None:
        rows = f"{change.rows_a:,} -> {change.rows_b:,} rows ({change.rows_b - change.rows_a:+,}), "
    return f"{rows}other content ({change.id_a[:8]} -> {change.id_b[:8]})"


def _environment_line(packages: dict[str, list], platform: list[Change]) -> str:
    parts = [f"{c.name} {_show(c.a)} -> {_show(c.b)}" for c in platform]
    parts += [f"{len(v)} package{'s' * (len(v) > 1)} {k}" for k, v in packages.items() if v]
    return ", ".join(parts) or "unchanged"


def _metrics_line(metrics: list[MetricChange]) -> str:
    return ", ".join(_metric_detail(m) for m in metrics) or "unchanged"


def _metric_detail(m: MetricChange) -> str:
    text = f"{m.name} {_number(m.a)} -> {_number(m.b)}"
    if m.delta is not None:
        text += f" ({m.delta:+.4g}" + (f", {m.relative:+.1%})" if m.relative is not None else ")")
    return text


def _number(value: object) -> str:
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.6g}"
    return _show(value)


def _explanation(facets: dict[str, bool]) -> str:
    """Which recorded changes the metrics' change comes with."""
    changed = [name for name, differs in facets.items() if differs]
    if not changed:
        return (
            "the metric change comes with nothing recorded: parameters, code, data and "
            "environment are the same (unseeded randomness? `nbops.seed(n)`)"
        )
    if len(changed) == 1:
        return f"the metric change comes with the {changed[0]}"
    return f"the metric change comes with the {', '.join(changed[:-1])} and {changed[-1]}"


def _cell_label(cell: CellChange) -> str:
    if cell.kind == "added":
        return f"cell {cell.cell_b} added"
    if cell.kind == "removed":
        return f"cell {cell.cell_a} removed"
    where = f"cell {cell.cell_a}" + (f" (now {cell.cell_b})" if cell.cell_a != cell.cell_b else "")
    return f"{where}: {'source changed' if cell.kind == 'changed' else 'outputs changed'}"


def baseline(store: Store, run, registry: list[dict]) -> tuple[str, str] | None:
    """The run a report's "Changes since" block compares ``run`` with, and why that one: the
    champion of a model ``run`` registered a version of, else the last FINISHED run of the same
    notebook before it; ``None`` when there is neither.

    Parameters
    ----------
    store:
        Where the runs are.
    run:
        The reported run (a :class:`~nbops.store.RunSummary`).
    registry:
        The model versions registered from ``run`` (``report_html``'s ``model_registry``).
    """
    for version in registry:
        champion = version.get("champion_run")
        if champion and champion != run.run_id:
            return champion, f"the champion of {version['model']}, v{version['champion_version']}"
    source = run.tags.get(SOURCE_TAG)
    if not source or run.start_time is None:
        return None
    before = f"attributes.start_time < {int(run.start_time)}"
    runs, _ = store.runs_page(None, 1, "FINISHED", tags={SOURCE_TAG: source}, where=before)
    return (runs[0].run_id, f"the previous finished run of {source}") if runs else None
