"""Notebooks with thin metadata (no kernelspec, no language_info, nbformat 4.2 without cell ids)
run on the Python kernel; an unknown kernel stops with exit 2 and the fix, recording nothing."""

import json

import mlflow
import nbformat
import pytest
from click.testing import CliRunner

from nbops.cli import main


def invoke(*args):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})


def write(path, metadata, minor=5):
    """A notebook with a parameters cell (papermill reads its language from the kernel)."""
    nb = nbformat.v4.new_notebook()
    nb.nbformat_minor = minor
    nb.metadata = metadata
    cells = [
        nbformat.v4.new_code_cell("n = 6", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import nbops\nnbops.log_metric('value', n * 7)"),
    ]
    for cell in cells if minor < 5 else []:
        del cell["id"]
    nb.cells = cells
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def runs(store):
    client = mlflow.MlflowClient(store.uri)
    ids = [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(ids) if ids else []


@pytest.mark.parametrize(
    ("metadata", "minor"),
    [
        ({}, 5),  # nbformat's new_notebook(): no kernelspec, no language_info
        ({}, 2),  # an older nbformat 4 minor version, cells without ids
        ({"language_info": {"name": "python"}}, 4),
        ({"kernelspec": {"name": "python3", "display_name": "Python 3"}}, 5),
    ],
)
def test_thin_metadata_runs_and_exports_on_the_python_kernel(
    jp_nbops_project, jp_nbops_store, monkeypatch, metadata, minor
):
    monkeypatch.chdir(jp_nbops_project)
    write(jp_nbops_project / "thin.ipynb", metadata, minor)
    result = invoke("run", "thin.ipynb", "-p", "n", "2")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert [r.data.metrics["value"] for r in runs(jp_nbops_store)] == [14.0]
    exported = invoke("export", "thin.ipynb")
    assert exported.exit_code == 0, exported.output
    (manifest,) = (jp_nbops_project / "steps" / "thin").glob("*/step.yaml")
    assert "kernel: python3" in manifest.read_text() and "name: n" in manifest.read_text()
    step = nbformat.read(manifest.parent / "step.ipynb", as_version=4)
    assert step.metadata.kernelspec.name == "python3"
    assert invoke("run", "thin").exit_code == 0
    assert sorted(r.info.status for r in runs(jp_nbops_store)) == ["FINISHED", "FINISHED"]


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        (
            {"kernelspec": {"name": "ir", "display_name": "R", "language": "R"}},
            "asks for the kernel 'ir', which is not installed here",
        ),
        ({"language_info": {"name": "julia"}}, "names no kernel and is written in julia"),
    ],
)
def test_a_kernel_that_is_not_here_exits_2_naming_the_fix(
    jp_nbops_project, jp_nbops_store, monkeypatch, metadata, message
):
    monkeypatch.chdir(jp_nbops_project)
    write(jp_nbops_project / "other.ipynb", metadata)
    for command in (["run", "other.ipynb"], ["export", "other.ipynb"]):
        result = invoke(*command)
        assert result.exit_code == 2, result.output
        assert message in result.output and "--kernel NAME" in result.output
        assert "python3" in result.output and "Traceback" not in result.output
    assert runs(jp_nbops_store) == [] and not (jp_nbops_project / "steps").exists()
    assert invoke("run", "other.ipynb", "--kernel", "python3", "-p", "n", "1").exit_code == 0
    assert [r.data.metrics["value"] for r in runs(jp_nbops_store)] == [7.0]
    assert invoke("export", "other.ipynb", "--kernel", "python3").exit_code == 0
    assert invoke("run", "other").exit_code == 0


def test_an_unknown_kernel_option_exits_2(jp_nbops_project, jp_nbops_store, monkeypatch):
    monkeypatch.chdir(jp_nbops_project)
    write(jp_nbops_project / "plain.ipynb", {})
    result = invoke("run", "plain.ipynb", "--kernel", "nope")
    assert result.exit_code == 2 and "No kernel named 'nope' is installed here" in result.output
    assert runs(jp_nbops_store) == []
