"""JupyterLab for the browser tests: Galata's settings, plus a notebook with two real runs.

The notebook in ``notebooks/experiment.ipynb`` is executed twice through a real kernel before the
server starts, so its two runs are recorded by nbops itself in the embedded store of the root.
A copy, ``tuning.ipynb``, runs as a sweep of three trials and as the step of a one-step pipeline
(whose runs live in the pipeline's experiment), through the real ``nbops`` command.
"""

import os
import shutil
import subprocess
import sys
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
notebook = root / "experiment.ipynb"
shutil.copy(Path(__file__).parent / "notebooks" / "experiment.ipynb", notebook)
os.environ["NBOPS_ROOT"] = str(root)
os.environ["JPY_SESSION_NAME"] = str(notebook)  # what jupyter_server tells the kernels it starts
for alpha in (0.1, 0.5):
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[0].source = f"alpha = {alpha}"
    NotebookClient(nb, resources={"metadata": {"path": str(root)}}, timeout=120).execute()
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
    ["pipeline", "run", "pipeline.yaml"],
):
    subprocess.run([*nbops, *command], cwd=root, check=True)
