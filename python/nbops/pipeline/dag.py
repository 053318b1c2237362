"""The pipeline's DAG: which step produces each snapshot, which steps wait for which."""

from __future__ import annotations

from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter

from ..exceptions import InputError
from .spec import PipelineSpec


@dataclass
class Dag:
    """Steps and their upstream steps, checked: no cycle, every input produced once."""

    spec: PipelineSpec
    upstream: dict[str, set[str]]
    producers: dict[str, str]
    #: inputs made elsewhere (listed under ``inputs:``): the snapshot id each step reads, pinned
    #: to the latest version when the pipeline starts
    external: dict[str, str] = field(default_factory=dict)

    @property
    def made_elsewhere(self) -> list[str]:
        """The inputs that no step of the pipeline produces."""
        names = {i for step in self.spec.steps.values() for i in step.inputs}
        return sorted(names - set(self.producers))

    def pin(self, name: str, outcomes: dict) -> str | None:
        """The snapshot id a step's input ``name`` reads: what its producing step wrote (from
        ``outcomes``, by step), or the version pinned at the start for an input made
        elsewhere."""
        producer = self.producers.get(name)
        if producer is None:
            return self.external.get(name)
        done = outcomes.get(producer)
        return done.outputs.get(name) if done is not None else None

    @property
    def order(self) -> list[str]:
        """The steps in an order that runs every step after its upstream steps."""
        return list(TopologicalSorter(self.upstream).static_order())

    def descendants(self, step: str) -> set[str]:
        """Every step that waits, directly or not, for ``step``."""
        found, todo = set(), [step]
        while todo:
            current = todo.pop()
            for name, ups in self.upstream.items():
                if current in ups and name not in found:
                    found.add(name)
                    todo.append(name)
        return found

    def edges(self) -> list[tuple[str, str, str]]:
        """``(upstream, downstream, label)``: the snapshot names or ``after``."""
        result = []
        for name in self.order:
            step = self.spec.steps[name]
            for up in sorted(self.upstream[name]):
                data = [i for i in step.inputs if self.producers.get(i) == up]
                result.append((up, name, ", ".join(data) if data else "after"))
        return result


def build_dag(spec: PipelineSpec) -> Dag:
    """Derive and check the DAG of a pipeline.

    Parameters
    ----------
    spec:
        The parsed pipeline file.

    Raises :class:`InputError` for two producers of one name, an input that no step produces
    unless the step lists it under ``inputs:`` (another pipeline, or another user, makes it: the
    step reads its latest version), an unknown ``after`` step, or a cycle.
    """
    producers: dict[str, str] = {}
    for name, step in spec.steps.items():
        for output in step.outputs:
            if output in producers:
                raise InputError(
                    f"{spec.path}: steps {producers[output]!r} and {name!r} "
                    f"both produce {output!r}.",
                    "Give one of the snapshots another name.",
                )
            producers[output] = name
    upstream = {name: set() for name in spec.steps}
    for name, step in spec.steps.items():
        for after in step.after:
            if after not in spec.steps:
                raise InputError(
                    f"{spec.path}: step {name!r} comes after {after!r}, which is not a step.",
                    f"Its steps: {', '.join(spec.steps)}.",
                )
            upstream[name].add(after)
        for consumed in step.inputs:
            if consumed not in producers and step.listed_inputs:
                continue  # made elsewhere, as the file says
            if consumed not in producers:
                raise InputError(
                    f"{spec.path}: step {name!r} loads the snapshot {consumed!r}, "
                    "which no step of the pipeline produces.",
                    "Add the step that writes it (nbops.snapshot(df, NAME, role='output')), "
                    "or list it under the step's `inputs:` only if another pipeline makes it.",
                )
            if producers[consumed] != name:
                upstream[name].add(producers[consumed])
    dag = Dag(spec, upstream, producers)
    try:
        dag.order  # noqa: B018 - raises on a cycle
    except CycleError as err:
        cycle = " -> ".join(reversed(err.args[1]))
        raise InputError(
            f"{spec.path}: the steps form a cycle: {cycle}.",
            "Remove an `after:` or a snapshot that feeds back into an earlier step.",
        ) from err
    return dag


def render_text(dag: Dag) -> str:
    """The DAG as indented text: each step with what it waits for and what it writes."""
    lines = [f"pipeline {dag.spec.name} ({len(dag.spec.steps)} steps)"]
    for name in dag.order:
        step = dag.spec.steps[name]
        ups = ", ".join(sorted(dag.upstream[name])) or "-"
        lines.append(f"  {name}  <- {ups}")
        if step.inputs:
            lines.append(f"      reads  {', '.join(step.inputs)}")
        if step.outputs:
            lines.append(f"      writes {', '.join(step.outputs)}")
    return "\n".join(lines)


def render_mermaid(dag: Dag) -> str:
    """The DAG as a Mermaid flowchart (GitHub and JupyterLab's Markdown render it)."""
    lines = ["flowchart LR"]
    lines += [f"    {name}[{name}]" for name in dag.order]
    for up, down, label in dag.edges():
        lines.append(f"    {up} -->|{label}| {down}")
    return "\n".join(lines)


def render_dot(dag: Dag) -> str:
    """The DAG in Graphviz DOT."""
    lines = [f'digraph "{dag.spec.name}" {{', "  rankdir=LR;"]
    lines += [f'  "{name}";' for name in dag.order]
    lines += [f'  "{u}" -> "{d}" [label="{label}"];' for u, d, label in dag.edges()]
    return "\n".join([*lines, "}"])
