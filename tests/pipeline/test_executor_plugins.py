"""Executors installed by another package, found through the entry-point group
``nbops.executors`` as papermill finds engines: listed, used by `--executor`, and a broken one
refused before anything runs."""

import sys

import pytest
from click.testing import CliRunner

from nbops.cli import main
from nbops.execution.executors import base

STEP = [
    ("a = 1.0", ["parameters"]),
    ("import nbops\nnbops.log_metric('twice', a * 2)", []),
]
PLUGIN = '''
from pathlib import Path

from nbops.execution.executors.local import LocalExecutor


class EchoExecutor(LocalExecutor):
    """The local executor, noting each task it is handed."""

    def submit(self, task):
        with open(Path(__file__).with_name("submitted.txt"), "a") as out:
            out.write(task.run_id + "\\n")
        return super().submit(task)
'''


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """A folder on sys.path holding the package `nbops_echo` with three entry points: a working
    executor, one whose module fails to import and one that is not an Executor."""
    site = tmp_path / "site"
    (site / "nbops_echo").mkdir(parents=True)
    (site / "nbops_echo" / "__init__.py").write_text(PLUGIN)
    (site / "nbops_broken.py").write_text("raise ImportError('no module named slurmpy')\n")
    info = site / "nbops_echo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: nbops-echo\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[nbops.executors]\necho = nbops_echo:EchoExecutor\n"
        "broken = nbops_broken:Executor\nplain = nbops_echo:Path\n"
    )
    monkeypatch.syspath_prepend(str(site))
    for module in ("nbops_echo", "nbops_broken"):  # this test's copy, not an earlier test's
        monkeypatch.delitem(sys.modules, module, raising=False)
    yield site
    # forget this test's executors only: nbops's own, registered when first imported (maybe
    # during this test), stay registered for the tests after it
    for name in ("echo", "broken", "plain"):
        base._REGISTRY.pop(name, None)


def invoke(*args):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})


def test_an_installed_executor_is_listed_and_runs_a_sweep(
    installed, jp_nbops_notebook_factory, jp_nbops_store
):
    listed = invoke("executors")
    assert listed.exit_code == 0, listed.output
    names = [line.split()[0] for line in listed.output.splitlines()]
    assert names == ["local", "dask", "broken", "echo", "plain"]
    assert "nbops_echo:EchoExecutor (nbops-echo 1.0)" in listed.output
    notebook = jp_nbops_notebook_factory("step.ipynb", STEP)
    result = invoke("run", str(notebook), "--sweep", "a=1,2", "--executor", "echo")
    assert result.exit_code == 0, result.output
    kids = [r for r in jp_nbops_store.list_runs() if r.tags.get("nbops.sweep_index")]
    assert sorted(r.metrics["twice"] for r in kids) == [2.0, 4.0]
    submitted = (installed / "nbops_echo" / "submitted.txt").read_text().split()
    assert sorted(submitted) == sorted(r.run_id for r in kids)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("broken", "installed as nbops_broken:Executor (package nbops-echo) but cannot be "
                   "imported: no module named slurmpy"),
        ("plain", "is not an nbops Executor class"),
        ("slurm", "Unknown executor 'slurm'. Known: broken, dask, echo, local, plain."),
    ],
)  # fmt: skip
def test_an_executor_that_cannot_be_used_is_refused_before_anything_runs(
    installed, jp_nbops_notebook_factory, jp_nbops_store, name, message
):
    notebook = jp_nbops_notebook_factory("step.ipynb", STEP)
    result = invoke("run", str(notebook), "--sweep", "a=1,2", "--executor", name)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert jp_nbops_store.list_runs() == []


@pytest.fixture
def jp_server_config(jp_server_config, installed):
    """The lab's jobs on the installed `echo` executor."""
    return {**jp_server_config, "NbopsApp": {"executor": "echo"}}


async def test_the_labs_jobs_run_on_the_configured_executor(
    installed, jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_tagged
):
    import asyncio
    import json

    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    jp_nbops_write_tagged(jp_root_dir / "train.ipynb", STEP)
    body = json.dumps({"notebook": "train.ipynb", "parameters": {"a": "3"}})
    response = await jp_fetch("nbops", "api", "jobs", method="POST", body=body)
    job = json.loads(response.body)
    for _ in range(480):  # asking until the job ends, for up to two minutes
        job = json.loads((await jp_fetch("nbops", "api", "jobs", job["id"])).body)
        if job["status"] != "RUNNING":
            break
        await asyncio.sleep(0.25)
    assert job["status"] == "FINISHED", job
    submitted = (installed / "nbops_echo" / "submitted.txt").read_text().split()
    assert submitted == [job["run_id"]]


def test_a_server_configured_with_an_unknown_executor_says_which_exist():
    from traitlets import TraitError

    from nbops.server.app import NbopsApp

    with pytest.raises(TraitError, match="unknown executor 'slurm'; installed: dask, local"):
        NbopsApp(executor="slurm")
