"""Pipeline files and their DAG: every bad input is a clear error before anything runs."""

import mlflow
import pytest
from click.testing import CliRunner

from nbops.cli import main
from nbops.exceptions import InputError
from nbops.pipeline.dag import build_dag, render_dot, render_mermaid, render_text
from nbops.pipeline.orchestrate import run_pipeline
from nbops.pipeline.spec import apply_overrides, read_pipeline
from nbops.steps.export import declared_data


def invoke(*args):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})


def write(project, text):
    path = project / "bad.yaml"
    path.write_text(text)
    return path


def no_runs(store):
    return store.list_runs() == []


def test_dag_from_snapshot_names(jp_nbops_pipeline):
    dag = build_dag(read_pipeline(jp_nbops_pipeline))
    assert dag.upstream == {
        "prepare": set(),
        "train": {"prepare"},
        "evaluate": {"train"},
        "summary": {"prepare"},
    }
    assert dag.order.index("prepare") < dag.order.index("train") < dag.order.index("evaluate")
    assert dag.descendants("train") == {"evaluate"}
    assert "prepare -->|features, labels| train" in render_mermaid(dag)
    assert '"train" -> "evaluate" [label="predictions"];' in render_dot(dag)
    assert "train  <- prepare" in render_text(dag)
    result = invoke("pipeline", "show", str(jp_nbops_pipeline), "--format", "mermaid")
    assert result.exit_code == 0 and "flowchart LR" in result.output


def test_magics_do_not_hide_declared_snapshots(jp_nbops_notebook_factory):
    from nbops.steps.export import read_notebook

    path = jp_nbops_notebook_factory(
        "m.ipynb",
        [
            ('%load_ext nbops\nimport nbops\nx = nbops.load_snapshot("a")', []),
            ('%%track\n!echo hi\nnbops.snapshot(x, "b", role="output")', []),
        ],
    )
    assert declared_data(read_notebook(path)) == (["a"], ["b"])


BAD = {
    "cycle": (
        "steps:\n  a: {notebook: a.ipynb, after: [b]}\n  b: {notebook: b.ipynb, after: [a]}\n",
        "cycle",
    ),
    "missing producer": (
        "steps:\n  c: {notebook: c.ipynb}\n",
        "loads the snapshot 'ghost', which no step of the pipeline produces",
    ),
    "input made nowhere": (
        "steps:\n  a: {notebook: a.ipynb, inputs: [ghost]}\n",
        "reads the snapshot 'ghost', made by another pipeline, and no snapshot has that name",
    ),
    "two producers": (
        "steps:\n  a: {notebook: a.ipynb, outputs: [x]}\n  b: {notebook: b.ipynb, outputs: [x]}\n",
        "steps 'a' and 'b' both produce 'x'",
    ),
    "unknown after": ("steps:\n  a: {notebook: a.ipynb, after: [zz]}\n", "comes after 'zz'"),
    "no steps": ("name: x\n", "no `steps:`"),
    "unknown key": ("steps:\n  a: {notebook: a.ipynb, cmd: rm}\n", "unknown keys ['cmd']"),
    "both kinds": ("steps:\n  a: {notebook: a.ipynb, step: a}\n", "exactly one of"),
    "missing notebook": ("steps:\n  a: {notebook: nope.ipynb}\n", "no notebook at"),
    "not yaml": ("steps: [unclosed\n", "Cannot read the pipeline"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_pipeline_files(case, jp_nbops_project, jp_nbops_notebook_factory, jp_nbops_store):
    for name in ("a", "b"):
        jp_nbops_notebook_factory(f"{name}.ipynb", [("x = 1", [])])
    loads = 'import nbops\nframe = nbops.load_snapshot("ghost")'
    jp_nbops_notebook_factory("c.ipynb", [(loads, [])])
    text, message = BAD[case]
    path = write(jp_nbops_project, text)
    with pytest.raises(InputError, match=None) as caught:
        run_pipeline(path, echo=lambda line: None)
    assert message in str(caught.value)
    result = invoke("pipeline", "run", str(path))
    assert result.exit_code == 2 and message in result.output
    assert no_runs(jp_nbops_store)  # nothing ran, nothing was recorded


def test_unknown_step_or_parameter_in_overrides(jp_nbops_pipeline, jp_nbops_store):
    result = invoke("pipeline", "run", str(jp_nbops_pipeline), "-p", "trian.C", "2")
    assert result.exit_code == 2
    assert "the pipeline has no step 'trian'" in result.output and "train" in result.output
    result = invoke("pipeline", "run", str(jp_nbops_pipeline), "-p", "C", "2")
    assert result.exit_code == 2 and "names no step" in result.output
    result = invoke("pipeline", "run", str(jp_nbops_pipeline), "-p", "train.gamma", "2")
    assert result.exit_code == 2 and "Unknown parameter 'gamma'" in result.output
    result = invoke("pipeline", "run", str(jp_nbops_pipeline), "-p", "train.C", "abc")
    assert result.exit_code == 2 and "expects float" in result.output
    assert no_runs(jp_nbops_store)


def test_overrides_apply_to_one_step(jp_nbops_pipeline):
    spec = read_pipeline(jp_nbops_pipeline)
    apply_overrides(spec, [("train.C", "0.5"), ("prepare.rows", "90")])
    assert spec.steps["train"].parameters == {"C": "0.5"}
    assert spec.steps["prepare"].parameters == {"rows": "90"}


def test_unknown_executor_and_unreachable_scheduler(jp_nbops_pipeline, jp_nbops_store):
    result = invoke("pipeline", "run", str(jp_nbops_pipeline), "--executor", "daks")
    assert result.exit_code == 2 and "Did you mean 'dask'?" in result.output
    result = invoke("pipeline", "run", str(jp_nbops_pipeline), "--address", "tcp://127.0.0.1:9")
    assert result.exit_code == 2 and "takes no --address" in result.output
    result = invoke(
        "pipeline", "run", str(jp_nbops_pipeline), "--executor", "dask",
        "--address", "tcp://127.0.0.1:9",
    )  # fmt: skip
    assert result.exit_code == 2 and "a file on this machine" in result.output  # embedded store
    assert no_runs(jp_nbops_store)


def test_unreachable_scheduler(jp_nbops_pipeline, jp_nbops_mlflow_server):
    result = invoke(
        "pipeline", "run", str(jp_nbops_pipeline), "--executor", "dask",
        "--address", "tcp://127.0.0.1:9",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "No Dask scheduler answers at tcp://127.0.0.1:9" in result.output
    client = mlflow.MlflowClient(jp_nbops_mlflow_server.uri)
    assert not client.search_runs([e.experiment_id for e in client.search_experiments()])
