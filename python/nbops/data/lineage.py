"""Lineage: the snapshots, the runs that wrote and read them, and the model versions they led to,
as a graph centred on a run, a snapshot or a model version (``nbops lineage``).

The graph is read from the snapshot catalog's record (every write and read, with its run) in one
pass, and from the registry for the runs it reaches; nodes at most ``depth`` hops from the centre
are kept, in both directions (where it came from, what it led to). Names come from a shared
server: the Mermaid and DOT forms quote every label.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from ..exceptions import InputError, NotFoundError
from ..store import Store
from ..store.ids import full_run_id
from .catalog import READ, WRITE, Catalog, Entry

RUN, SNAPSHOT, MODEL = "run", "snapshot", "model"
MODEL_REFERENCE = re.compile(r"^(?P<model>[^/]+)/(?P<version>[0-9]+)$")
MAX_DEPTH = 10
FORMATS = ("json", "mermaid", "dot")


@dataclass(frozen=True)
class Node:
    """A run, a snapshot or a model version: its key (``kind:id``), what it is, and a label."""

    key: str
    kind: str
    label: str
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Edge:
    """``source`` led to ``target``: a snapshot ``read`` by a run, a run that ``wrote`` a
    snapshot, a run whose model was ``registered`` as a version."""

    source: str
    target: str
    relation: str


@dataclass
class Lineage:
    """The graph around ``centre``."""

    centre: str
    nodes: dict[str, Node]
    edges: list[Edge]

    def to_dict(self) -> dict:
        """``{centre, nodes, edges}``, JSON-ready."""
        return {
            "centre": self.centre,
            "nodes": [asdict(n) for n in self.nodes.values()],
            "edges": [asdict(e) for e in self.edges],
        }

    def render(self, form: str) -> str:
        """The graph as ``json``, ``mermaid`` (a flowchart) or ``dot`` (Graphviz)."""
        if form == "json":
            return json.dumps(self.to_dict(), indent=1)
        if form == "mermaid":
            return self._mermaid()
        if form == "dot":
            return self._dot()
        raise InputError(f"No lineage format {form!r}.", f"Use one of {', '.join(FORMATS)}.")

    def _mermaid(self) -> str:
        shapes = {RUN: ('["', '"]'), SNAPSHOT: ('[("', '")]'), MODEL: ('{{"', '"}}')}
        ids = {key: f"n{i}" for i, key in enumerate(self.nodes)}
        lines = ["flowchart LR"]
        for key, node in self.nodes.items():
            left, right = shapes[node.kind]
            lines.append(f"  {ids[key]}{left}{_mermaid_text(node.label)}{right}")
        lines += [f"  {ids[e.source]} -->|{e.relation}| {ids[e.target]}" for e in self.edges]
        lines.append(f"  style {ids[self.centre]} stroke-width:3px")
        return "\n".join(lines) + "\n"

    def _dot(self) -> str:
        shapes = {RUN: "box", SNAPSHOT: "cylinder", MODEL: "hexagon"}
        lines = ["digraph lineage {", "  rankdir=LR;"]
        for key, node in self.nodes.items():
            bold = ", penwidth=3" if key == self.centre else ""
            lines.append(f"  {_dot_text(key)} [label={_dot_text(node.label)}, "
                         f"shape={shapes[node.kind]}{bold}];")  # fmt: skip
        for e in self.edges:
            lines.append(f"  {_dot_text(e.source)} -> {_dot_text(e.target)} "
                         f"[label={_dot_text(e.relation)}];")  # fmt: skip
        return "\n".join(lines) + "\n}\n"


def _mermaid_text(text: str) -> str:
    """A label inside Mermaid's quotes: its quotes and markup characters as entities."""
    for char, entity in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, entity)
    return " ".join(text.split())


def _dot_text(text: str) -> str:
    """A DOT string: quoted, backslashes and quotes escaped, on one line."""
    return '"' + " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"') + '"'


def lineage(store: Store, catalog: Catalog, reference: str, depth: int = 2) -> Lineage:
    """The lineage graph around ``reference``.

    Parameters
    ----------
    store:
        The tracking store (runs, the model registry).
    catalog:
        Its snapshot catalog (who wrote and read what).
    reference:
        A run id or its first 8 or more characters, ``NAME@VERSION`` of a snapshot, or
        ``MODEL/VERSION`` of a registered model's version.
    depth:
        How many hops from the centre, both ways (1 to 10).

    An unknown reference or a bad depth is an :class:`InputError`.
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise InputError(f"--depth {depth!r} is not a whole number from 1 to {MAX_DEPTH}.", "")
    graph = _Graph(store, catalog.entries())
    centre = graph.centre(reference, catalog)
    keys = graph.around(centre, depth)
    return Lineage(centre, graph.nodes(keys), graph.edges_among(keys))


class _Graph:
    """The catalog's writes and reads indexed by run and by snapshot (edges are made only for the
    nodes a search reaches); model versions added for the runs it meets."""

    def __init__(self, store: Store, entries: list[Entry]) -> None:
        self.store = store
        self.by_run: dict[str, list[Entry]] = defaultdict(list)
        self.by_snapshot: dict[str, list[Entry]] = defaultdict(list)
        self.registered: dict[str, set[Edge]] = defaultdict(set)  # run and model version keys
        self.numbers: dict[str, int] = {}  # version under its name, as the Data section counts
        self.models: dict[str, dict] = {}
        self.looked_up: set[str] = set()
        last: dict[str, str] = {}
        count: dict[str, int] = defaultdict(int)
        for entry in entries:
            self.by_snapshot[entry.id].append(entry)
            if entry.action == WRITE and last.get(entry.name) != entry.id:
                count[entry.name] += 1
                last[entry.name] = entry.id
                self.numbers[entry.id] = count[entry.name]  # the latest version with it
            if entry.run_id:
                self.by_run[entry.run_id].append(entry)

    def links(self, key: str) -> set[Edge]:
        """The edges at ``key``, either way."""
        kind, ident = key.split(":", 1)
        found = set(self.registered.get(key, ()))
        if kind == RUN:
            entries, run_of = self.by_run.get(ident, []), lambda e: key
        elif kind == SNAPSHOT:
            entries, run_of = self.by_snapshot.get(ident, []), lambda e: f"{RUN}:{e.run_id}"
        else:  # a model version: only its registration
            return found
        for entry in entries:
            if not entry.run_id:
                continue
            run, snapshot = run_of(entry), f"{SNAPSHOT}:{entry.id}"
            found.add(Edge(snapshot, run, "read") if entry.action == READ
                      else Edge(run, snapshot, "wrote"))  # fmt: skip
        return found

    def _register(self, run_id: str, key: str) -> None:
        edge = Edge(f"{RUN}:{run_id}", key, "registered")
        self.registered[edge.source].add(edge)
        self.registered[key].add(edge)

    def centre(self, reference: str, catalog: Catalog) -> str:
        """The key of the node ``reference`` names."""
        reference = reference.strip()
        found = MODEL_REFERENCE.match(reference)
        if found:
            return self._model_centre(found["model"], found["version"])
        if "@" in reference:
            return f"{SNAPSHOT}:{catalog.find(reference).id}"
        try:
            run_id = full_run_id(self.store, reference)
            self.store.get_run(run_id)
        except (NotFoundError, InputError) as err:  # no such run: a snapshot's id, or a typo
            try:
                return f"{SNAPSHOT}:{catalog.find(reference).id}"
            except InputError:
                raise InputError(
                    err.message,
                    "Give a run id (or its first 8 characters), NAME@VERSION of a snapshot (or "
                    "its id), or MODEL/VERSION of a model version.",
                ) from err
        return f"{RUN}:{run_id}"

    def _model_centre(self, model: str, version: str) -> str:
        key = f"{MODEL}:{model}/{version}"
        version_info = self.store.registry.version(model, version)
        if version_info is None:
            raise InputError(
                f"No version {version} of the registered model {model!r} in "
                f"{self.store.display_uri}.",
                "Write MODEL/VERSION as the registry shows it (e.g. diabetes/3).",
            )
        self.models[key] = version_info
        if version_info.get("run_id"):
            self._register(version_info["run_id"], key)
        return key

    def around(self, centre: str, depth: int) -> list[str]:
        """The keys at most ``depth`` hops from ``centre``, following edges both ways."""
        seen, frontier = {centre: 0}, [centre]
        for hop in range(1, depth + 1):
            self._add_models([k for k in frontier if k.startswith(f"{RUN}:")])
            following = []
            for key in frontier:
                for edge in self.links(key):
                    other = edge.target if edge.source == key else edge.source
                    if other not in seen:
                        seen[other] = hop
                        following.append(other)
            frontier = following
        return list(seen)

    def _add_models(self, runs: list[str]) -> None:
        """Link the runs to the model versions registered from them (one registry query)."""
        wanted = [key.split(":", 1)[1] for key in runs if key not in self.looked_up]
        self.looked_up.update(runs)
        for version in self.store.model_versions(wanted) if wanted else []:
            key = f"{MODEL}:{version['model']}/{version['version']}"
            self.models[key] = version
            self._register(version["run_id"], key)

    def nodes(self, keys: list[str]) -> dict[str, Node]:
        """The nodes of ``keys``, runs described from the store."""
        return {key: self._node(key) for key in keys}

    def _node(self, key: str) -> Node:
        kind, ident = key.split(":", 1)
        if kind == SNAPSHOT:
            entry = self.by_snapshot[ident][0]
            number = self.numbers.get(ident)
            label = f"{entry.name}@{number}" if number else f"{entry.name} ({ident[:12]})"
            details = {"id": ident, "name": entry.name, "version": number,
                       "rows": entry.rows, "columns": entry.columns}  # fmt: skip
            return Node(key, kind, label, details)
        if kind == MODEL:
            info = self.models.get(key, {})
            aliases = info.get("aliases") or []
            shown = f" @{', @'.join(aliases)}" if aliases else ""
            details = {"model": ident.split("/")[0], "version": ident.split("/")[1],
                       "run_id": info.get("run_id"), "aliases": aliases}  # fmt: skip
            return Node(key, kind, f"{ident.replace('/', ' v')}{shown}", details)
        try:
            run = self.store.get_run(ident)
        except NotFoundError:  # recorded by a run since deleted
            return Node(key, kind, f"run {ident[:8]} (deleted)", {"run_id": ident})
        details = {"run_id": ident, "name": run.name, "experiment": run.experiment,
                   "status": run.status}  # fmt: skip
        return Node(key, kind, f"{run.name or 'run'} ({ident[:8]})", details)

    def edges_among(self, keys: list[str]) -> list[Edge]:
        """The edges whose ends are both kept, in a stable order."""
        kept = set(keys)
        edges = {e for key in kept for e in self.links(key) if {e.source, e.target} <= kept}
        return sorted(edges, key=lambda e: (e.source, e.target, e.relation))
