"""JupyterLab for the browser tests: Galata's settings, plus a notebook with two real runs.

The notebook in ``notebooks/experiment.ipynb`` is executed twice through a real kernel before the
server starts, so its two runs are recorded by nbops itself in the embedded store of the root.
``data.ipynb`` snapshots a table twice (two versions: rows added, one value changed). A copy,
``tuning.ipynb``, runs as a sweep of three trials and as the step of a one-step pipeline
(whose runs live in the pipeline's experiment), through the real ``nbops`` command. Schedules
go to a temporary dags folder and crontab.
"""

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from jupyterlab.galata import configure_jupyter_server
from nbclient import NotebookClient

configure_jupyter_server(c)  # noqa: F821 - `c` is the config object Jupyter passes in
c.ServerApp.allow_root = True  # noqa: F821 - CI runs as root
c.ServerApp.open_browser = False  # noqa: F821
c.LabApp.news_url = None  # noqa: F821
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"  # noqa: F821

root = Path(c.ServerApp.root_dir)  # noqa: F821
# schedules from the lab: Airflow's dags folder and a crontab, both temporary (crontab(1) on a file)
scheduling = Path(tempfile.mkdtemp(prefix="nbops-schedules-"))
c.NbopsApp.dags_folder = str(scheduling / "dags")  # noqa: F821
crontab_file = Path(__file__).parents[1] / "tests" / "pipeline" / "crontab_file.py"
c.NbopsApp.crontab_command = shlex.join(  # noqa: F821
    [sys.executable, str(crontab_file), str(scheduling / "crontab")]
)
notebook = root / "experiment.ipynb"
shutil.copy(Path(__file__).parent / "notebooks" / "experiment.ipynb", notebook)
os.environ["NBOPS_ROOT"] = str(root)
os.environ["JPY_SESSION_NAME"] = str(notebook)  # what jupyter_server tells the kernels it starts
for alpha in (0.1, 0.5):
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[0].source = f"alpha = {alpha}"
    NotebookClient(nb, resources={"metadata": {"path": str(root)}}, timeout=120).execute()
data = root / "data.ipynb"
nb = nbformat.v4.new_notebook()
nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
nb.cells = [
    nbformat.v4.new_code_cell("rows = 30", metadata={"tags": ["parameters"]}),
    nbformat.v4.new_code_cell(
        "%load_ext nbops\nimport nbops, pandas as pd\n"
        "frame = pd.DataFrame({'id': range(rows), 'value': [i / 2 for i in range(rows)]})\n"
        "frame.loc[frame.id == 3, 'value'] += rows // 36 * 100\n"
        "nbops.start_run(f'rows={rows}')\nnbops.snapshot(frame, 'table', role='output')\n"
        "nbops.end_run()"
    ),
]
os.environ["JPY_SESSION_NAME"] = str(data)
for rows in (30, 36):
    nb.cells[0].source = f"rows = {rows}"
    NotebookClient(nb, resources={"metadata": {"path": str(root)}}, timeout=120).execute()
nb.cells[0].source = "rows = 30"
nbformat.write(nb, data)
del os.environ["JPY_SESSION_NAME"]
shutil.copy(Path(__file__).parent / "notebooks" / "experiment.ipynb", root / "fresh.ipynb")

shutil.copy(Path(__file__).parent / "notebooks" / "experiment.ipynb", root / "tuning.ipynb")
(root / "pipeline.yaml").write_text(
    "name: tuning\nsteps:\n  train:\n    notebook: tuning.ipynb\n    parameters:\n"
    "      alpha: 4.0\n"
)
nbops = [str(Path(sys.executable).with_name("nbops"))]  # the command of this environment
for command in (
    ["run", "tuning.ipynb", "--sweep", "alpha=0.25,1,2", "--metric", "rmse", "--workers", "2"],
    # as cron runs it once the lab installed its schedule (`--tag nbops.schedule=...`)
    ["pipeline", "run", "pipeline.yaml", "--tag", "nbops.schedule=cron/nbops_tuning"],
):
    subprocess.run([*nbops, *command], cwd=root, check=True)

# live.ipynb: a run started in the first cell, then a loop that logs while the lab watches
live = nbformat.v4.new_notebook()
live.metadata.kernelspec = nb.metadata.kernelspec
live.cells = [
    nbformat.v4.new_code_cell(
        "%load_ext nbops\nimport time, nbops\nnbops.start_run('live')\n"
        "nbops.log_metric('loss', 1.0, step=0)\nnbops.flush()"
    ),
    nbformat.v4.new_code_cell(
        "chart = nbops.live(every=0.25)\n"
        "for step in range(1, 25):\n"
        "    nbops.log_metric('loss', 1 / (step + 1), step=step)\n"
        "    time.sleep(0.5)  # one step of training"
    ),
    nbformat.v4.new_code_cell("nbops.end_run()"),
]
nbformat.write(live, root / "live.ipynb")
