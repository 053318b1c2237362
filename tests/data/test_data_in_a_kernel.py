"""Snapshots and drift from a notebook executed by a real kernel, read back from the store."""

import mlflow
import nbformat
from nbclient import NotebookClient

from nbops.reports.charts import VEGALITE_MIME

CELLS = [
    "%load_ext nbops\nimport numpy as np, pandas as pd\nimport nbops",
    "df = pd.DataFrame({'x': np.arange(1000.0), 'c': ['a', 'b'] * 500})",
    "%snapshot df --name raw",
    "current = df.assign(x=df.x + 400)\n%drift df current",
    "back = nbops.load_snapshot('raw')\nassert back.equals(df)",
    "%nbops end",
]


def test_notebook_snapshots_and_drift(jp_nbops_project, jp_nbops_write_notebook, monkeypatch):
    path = jp_nbops_write_notebook(jp_nbops_project / "data.ipynb", CELLS)
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=120, resources={"metadata": {"path": str(jp_nbops_project)}}
    ).execute()
    outputs = "".join(
        o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells
        for o in c.get("outputs", [])
    )
    assert "Snapshot raw (input): 1000 rows x 2 columns" in outputs
    assert "DRIFT" in outputs
    (table,) = [o["data"] for o in nb.cells[3].outputs if "text/html" in o.get("data", {})]
    assert "application/vnd.jupyter.widget-view+json" in table  # a widget in JupyterLab
    assert "DRIFT" in table["text/html"]  # the plain table for exports
    (chart,) = [
        o["data"][VEGALITE_MIME]
        for o in nb.cells[3].outputs
        if "data" in o and VEGALITE_MIME in o["data"]
    ]
    assert {row["column"]: row["drifted"] for row in chart["data"]["values"]} == {
        "x": "drift",
        "c": "ok",
    }
    client = mlflow.MlflowClient(f"sqlite:///{jp_nbops_project / '.nbops' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("data.ipynb")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.data.metrics["drift.psi.x"] > 0.2
    (dataset,) = run.inputs.dataset_inputs
    assert dataset.dataset.name == "raw" and len(dataset.dataset.digest) == 32
    catalog = jp_nbops_project / ".nbops" / "artifacts" / "snapshots" / "catalog.jsonl"
    assert catalog.read_text().count('"name": "raw"') == 2  # taken, then read back (lineage)
