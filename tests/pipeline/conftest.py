"""A small real pipeline (iris from scikit-learn): prepare -> train -> evaluate, and summary."""

from pathlib import Path

import pytest

PREPARE = [
    ("rows = 150", ["parameters"]),
    (
        "import nbops\n"
        "from sklearn.datasets import load_iris\n"
        "frame = load_iris(as_frame=True).frame.head(rows)\n"
        'nbops.snapshot(frame.drop(columns="target"), "features", role="output")\n'
        'nbops.snapshot(frame[["target"]], "labels", role="output")',
        [],
    ),
]
TRAIN = [
    ('C = 1.0\nfail = False\ndie = ""  # once or always\nmarker = ""', ["parameters"]),
    (
        "import os, pathlib, signal\n"
        "import pandas as pd\n"
        "import nbops\n"
        "from sklearn.linear_model import LogisticRegression\n"
        'X = nbops.load_snapshot("features")\n'
        'y = nbops.load_snapshot("labels")["target"]',
        [],
    ),
    (
        'if fail:\n    raise RuntimeError("train failed on purpose")\n'
        'if die == "always" or (die == "once" and not pathlib.Path(marker).exists()):\n'
        "    pathlib.Path(marker or 'died').touch()\n"
        "    os.kill(os.getppid(), signal.SIGKILL)  # the worker running this kernel dies",
        [],
    ),
    (
        "model = LogisticRegression(C=C, max_iter=1000).fit(X, y)\n"
        'nbops.log_metric("train_accuracy", model.score(X, y))\n'
        'predicted = pd.DataFrame({"predicted": model.predict(X), "target": y})\n'
        'nbops.snapshot(predicted, "predictions", role="output")',
        [],
    ),
]
EVALUATE = [
    (
        "import nbops\n"
        'p = nbops.load_snapshot("predictions")\n'
        'nbops.log_metric("accuracy", float((p.predicted == p.target).mean()))',
        [],
    ),
]
SUMMARY = [
    (
        "import nbops\n"
        'features = nbops.load_snapshot("features")\n'
        'nbops.log_metric("feature_rows", len(features))',
        [],
    ),
]
PIPELINE = """\
name: iris
steps:
  prepare:
    notebook: prepare.ipynb
  train:
    notebook: train.ipynb
    parameters: {C: 1.0}
  evaluate:
    notebook: evaluate.ipynb
  summary:
    notebook: summary.ipynb
"""


@pytest.fixture
def jp_nbops_pipeline(jp_nbops_project, jp_nbops_notebook_factory) -> Path:
    """The pipeline file of a four-step iris project; the working directory is the project."""
    for name, cells in (
        ("prepare", PREPARE),
        ("train", TRAIN),
        ("evaluate", EVALUATE),
        ("summary", SUMMARY),
    ):
        jp_nbops_notebook_factory(f"{name}.ipynb", cells)
    path = jp_nbops_project / "pipeline.yaml"
    path.write_text(PIPELINE)
    return path
