import re
import subprocess
import sys

import pytest
from IPython.core.error import UsageError
from IPython.testing import globalipapp

from nbops.magics.display import StatusView


@pytest.fixture
def shell(jp_nbops_project, monkeypatch):
    """A real InteractiveShell, its notebook inside a project, with nbops loaded."""
    monkeypatch.chdir(jp_nbops_project)
    monkeypatch.setenv("JPY_SESSION_NAME", str(jp_nbops_project / "nb" / "train.ipynb"))
    globalipapp.start_ipython()
    ip = globalipapp.get_ipython()
    ip.run_line_magic("load_ext", "nbops")
    return ip


def test_status_shows_store_experiment_and_no_run(shell, jp_nbops_project):
    view = shell.run_line_magic("nbops", "status")
    assert isinstance(view, StatusView)
    text = view.text()
    assert f"sqlite:///{jp_nbops_project / '.nbops' / 'mlflow.db'}" in text
    assert "[embedded]" in text
    assert "nb/train.ipynb" in text
    assert "active run  none" in text
    assert "<table" in view._repr_mimebundle_()["text/html"]


def test_start_and_end_a_run(shell, jp_nbops_store):
    view = shell.run_line_magic("nbops", "start --name first-try")
    assert "first-try" in view.text()
    run_id = view.status.run_id
    assert jp_nbops_store.get_run(run_id).status == "RUNNING"
    shell.run_line_magic("nbops", "end")
    run = jp_nbops_store.get_run(run_id)
    assert (run.status, run.experiment, run.name) == ("FINISHED", "nb/train.ipynb", "first-try")
    assert run.tags["nbops.notebook"] == "nb/train.ipynb"


def test_unreachable_store_is_reported_not_raised(shell, jp_nbops_unreachable_uri):
    view = shell.run_line_magic("nbops", "status")
    assert jp_nbops_unreachable_uri in view.status.error
    assert "NBOPS_TRACKING_URI" in view.status.error
    assert "error" in view.text()


def test_start_on_unreachable_store_raises_a_usage_error(shell, jp_nbops_unreachable_uri):
    with pytest.raises(UsageError, match=r"127\.0\.0\.1:9"):
        shell.run_line_magic("nbops", "start")


@pytest.mark.parametrize("line", ["frobnicate", "start --bogus", "end --status"])
def test_bad_usage_says_how(shell, line):
    with pytest.raises(UsageError, match="Usage"):
        shell.run_line_magic("nbops", line)


def test_load_ext_does_not_import_mlflow():
    code = (
        "import sys\n"
        "from IPython.testing import globalipapp\n"
        "globalipapp.start_ipython()\n"
        "globalipapp.get_ipython().run_line_magic('load_ext', 'nbops')\n"
        "heavy = [m for m in ('mlflow', 'pandas', 'jupyter_server') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


def test_runs_shows_this_notebooks_runs(shell, capsys):
    shell.run_line_magic("nbops", "start --name one")
    shell.run_line_magic("nbops", "end")
    view = shell.run_line_magic("nbops", "runs --limit 5")
    assert [run.name for run in view.runs] == ["one"]
    bundle = view._repr_mimebundle_()
    assert "Runs of nb/train.ipynb" in bundle["text/html"] and "FINISHED" in bundle["text/plain"]
    assert "Ended run one" in capsys.readouterr().out


def test_runs_of_the_notebook_in_other_experiments_and_their_charts(shell, jp_nbops_store):
    """A pipeline's step run of this notebook is one of its runs; ``--chart`` charts them with
    JupyterLab's Vega-Lite renderer, as ``nbops.compare`` charts chosen runs."""
    from nbops.names import SOURCE_TAG
    from nbops.reports.charts import VEGALITE_MIME

    for alpha, rmse in ((0.1, 3.0), (1.0, 2.0)):
        shell.run_line_magic("nbops", f"start --name a{alpha}")
        shell.run_cell("import nbops")
        shell.run_cell(f"nbops.log_params({{'alpha': {alpha}}}); nbops.log_metric('rmse', {rmse})")
        shell.run_line_magic("nbops", "end")
    step = jp_nbops_store.start_run("pipeline.yaml", "step", {SOURCE_TAG: "nb/train.ipynb"})
    jp_nbops_store.end_run(step)
    jp_nbops_store.start_run("pipeline.yaml", "other notebook", {SOURCE_TAG: "nb/other.ipynb"})

    view = shell.run_line_magic("nbops", "runs")
    assert [run.name for run in view.runs] == ["step", "a1.0", "a0.1"]
    # a widget in the kernel: sort by a metric (runs without it last), pick the columns
    view.sort.value = "metric: rmse"
    view.descending.value = False
    assert [run.name for run in view.ordered()] == ["a1.0", "a0.1", "step"]
    names = re.findall(r"<td style='text-align:left'>(a1\.0|a0\.1|step)</td>", view.table.value)
    assert names == ["a1.0", "a0.1", "step"]
    view.columns.value = ("name", "metrics")
    assert "<th style='text-align:left'>status</th>" not in view.table.value
    assert "rmse=2" in view.table.value
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # shown in JupyterLab
    assert "Runs of nb/train.ipynb" in bundle["text/html"]  # kept for exported notebooks
    charts = shell.run_line_magic("nbops", "runs --chart rmse")
    assert [c.title for c in charts.charts] == ["rmse by run", "rmse against each parameter"]
    spec = charts._repr_mimebundle_()[VEGALITE_MIME]
    assert [view["title"] for view in spec["vconcat"]] == [
        "rmse by run",
        "rmse against each parameter",
    ]
    with pytest.raises(UsageError, match=r"a metric named 'mae'\. Their metrics: rmse"):
        shell.run_line_magic("nbops", "runs --chart mae")

    ids = [run.run_id for run in view.runs[1:]]
    shell.user_ns["ids"] = [ids[0][:8], ids[1]]  # a short id as `nbops runs` shows it
    compared = shell.ev("nbops.compare(*ids)")
    assert [c.title for c in compared.charts] == [
        "rmse by step", "rmse against each parameter", "rmse: parallel coordinates"
    ]  # fmt: skip
    from nbops.exceptions import InputError

    with pytest.raises(InputError, match="Chart 1 to 20 runs, not 0"):
        shell.ev("nbops.compare()")
    with pytest.raises(InputError, match="by 'epoch'"):
        shell.ev("nbops.compare(*ids, by='epoch')")


def test_track_cell_logs_changed_numbers_and_strings(shell, jp_nbops_store, capsys):
    shell.user_ns["alpha"] = 0.1
    shell.user_ns["kept"] = 5
    shell.run_cell_magic("track", "", "alpha = 0.2\nkept = 5\nlabel = 'x'\n_skip = 3\nrmse = 0.7")
    run_id = shell.run_line_magic("nbops", "status").status.run_id
    shell.run_line_magic("nbops", "end")
    run = jp_nbops_store.get_run(run_id)
    assert run.params == {"label": "x"}
    assert set(run.metrics) == {"alpha", "rmse", "cell_duration_s"}
    assert "Logged label, alpha, rmse" in capsys.readouterr().out


def test_track_of_a_failing_cell_logs_nothing(shell):
    shell.run_cell_magic("track", "", "x = 1\nraise ValueError('boom')")
    assert shell.run_line_magic("nbops", "status").status.run_id is None


def test_autolog_switch(shell, capsys):
    shell.run_line_magic("nbops", "autolog on")
    shell.run_line_magic("nbops", "autolog off")
    assert "autologging is off" in capsys.readouterr().out
    with pytest.raises(UsageError, match="Usage"):
        shell.run_line_magic("nbops", "autolog maybe")


@pytest.mark.parametrize(
    ("line", "cell", "magic"),
    [("snapshot", "missing_frame", "%snapshot"), ("expect", "missing_frame", "%%expect")],
)
def test_frame_magics_name_themselves_on_an_unknown_variable(shell, line, cell, magic):
    with pytest.raises(UsageError) as err:
        if line == "snapshot":
            shell.run_line_magic(line, cell)
        else:
            shell.run_cell_magic(line, cell, "rows: 1..10")
    message = str(err.value)
    assert message.startswith(f"{magic}: the notebook has no variable named 'missing_frame'")
    assert "%%track" not in message and "--params" not in message


def test_reproduce_magic_shows_the_verdict(shell, jp_nbops_project, jp_nbops_write_tagged):
    from nbops.execution.run import run

    notebook = jp_nbops_write_tagged(
        jp_nbops_project / "nb" / "step.ipynb",
        [("n = 4", ["parameters"]), ("import nbops\nnbops.log_metric('square', n * n)", [])],
    )
    original = run(notebook, progress=False)
    result = shell.run_line_magic("nbops", f"reproduce {original.run_id} --rtol 0.001")
    assert result.verdict == "IDENTICAL" and result.rtol == 0.001
    bundle = result._repr_mimebundle_()
    assert "IDENTICAL" in bundle["text/plain"] and "<table>" in bundle["text/html"]
    again = shell.run_line_magic("nbops", f"reproduce {original.run_id[:8]}")  # as tables show
    assert again.verdict == "IDENTICAL" and again.original == original.run_id
    with pytest.raises(UsageError, match="is not a run id"):
        shell.run_line_magic("nbops", "reproduce nope")
    with pytest.raises(UsageError, match="No run's id starts with 'fedcba98'"):
        shell.run_line_magic("nbops", "reproduce fedcba98")
    with pytest.raises(UsageError, match="invalid choice"):
        shell.run_line_magic("nbops", f"reproduce {original.run_id} --env docker")


def test_drift_table_sorts_by_psi_and_keeps_only_drifted_columns():
    import numpy as np
    import pandas as pd

    from nbops.data.drift import compare
    from nbops.magics.widgets import drift_table

    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"same": rng.normal(size=500), "moved": rng.normal(size=500)})
    current = pd.DataFrame({"same": rng.normal(size=500), "moved": rng.normal(3, 1, size=500)})
    table = drift_table(compare(reference, current))
    assert table.drifted == ["moved"]  # reads as the report
    table.sort.value = "PSI"
    table.descending.value = True
    assert [row[0] for row in table.rows()] == ["moved", "same"]
    table.only.value = True
    assert [row[0] for row in table.rows()] == ["moved"]
    assert "same" not in table.table.value
