import json

import nbformat
import pytest
import yaml
from click.testing import CliRunner

from nbops.cli import main
from nbops.exceptions import InputError
from nbops.steps.export import export


def test_export_writes_a_clean_step_with_manifest_and_lock(jp_nbops_tagged_notebook):
    result = export(jp_nbops_tagged_notebook)
    assert result.written
    folder = result.folder
    assert folder.parent.parent.name == "steps" and folder.parent.name == "train"
    assert folder.name == result.manifest.version
    step = nbformat.read(folder / "step.ipynb", as_version=4)
    nbformat.validate(step)
    sources = [c.source for c in step.cells]
    assert not any("exploring" in s for s in sources)  # nbops:skip dropped
    assert any("secret_cell" in s for s in sources)  # nbops:report-hide kept
    assert all(c.outputs == [] and c.execution_count is None for c in step.cells)
    manifest = yaml.safe_load((folder / "step.yaml").read_text())
    assert manifest["name"] == "train" and manifest["source"] == "train.ipynb"
    assert manifest["kernel"] == "python3"
    assert [p["name"] for p in manifest["parameters"]][:3] == ["alpha", "epochs", "label"]
    assert manifest["parameters"][0] == {
        "name": "alpha",
        "type": "float",
        "default": 0.5,
        "help": "regularization strength",
        "required": False,
    }
    lock = (folder / "requirements.txt").read_text().splitlines()
    assert any(line.startswith("mlflow==") for line in lock)


def test_export_is_idempotent_and_versions_change_with_content(
    jp_nbops_tagged_notebook, jp_nbops_notebook_factory
):
    first = export(jp_nbops_tagged_notebook)
    stamp = (first.folder / "step.yaml").stat().st_mtime_ns
    again = export(jp_nbops_tagged_notebook)
    assert (again.written, again.manifest.version) == (False, first.manifest.version)
    assert (first.folder / "step.yaml").stat().st_mtime_ns == stamp

    nb = nbformat.read(jp_nbops_tagged_notebook, as_version=4)
    nb.cells[1].source = "print('other exploration')"  # a skipped cell: same step
    nbformat.write(nb, jp_nbops_tagged_notebook)
    assert export(jp_nbops_tagged_notebook).manifest.version == first.manifest.version

    nb.cells[0].source = nb.cells[0].source.replace("alpha = 0.5", "alpha = 0.7")
    nbformat.write(nb, jp_nbops_tagged_notebook)
    changed_parameter = export(jp_nbops_tagged_notebook)
    assert (
        changed_parameter.written and changed_parameter.manifest.version != first.manifest.version
    )

    nb.cells[2].source += "\nprint('done')"
    nbformat.write(nb, jp_nbops_tagged_notebook)
    changed_code = export(jp_nbops_tagged_notebook).manifest.version
    assert changed_code not in (first.manifest.version, changed_parameter.manifest.version)


def test_declared_data_inputs_and_outputs(jp_nbops_notebook_factory):
    notebook = jp_nbops_notebook_factory(
        "features.ipynb",
        [
            ("import nbops\nraw = nbops.load_snapshot('raw')", []),
            ("nbops.snapshot(raw, 'features', role='output')\nnbops.snapshot(raw, 'peek')", []),
            ("%matplotlib inline", []),
        ],
    )
    manifest = export(notebook).manifest
    assert (manifest.inputs, manifest.outputs) == (["raw"], ["features"])


def test_notebook_without_parameters_exports_and_says_so(jp_nbops_notebook_factory):
    jp_nbops_notebook_factory("plain.ipynb", [("x = 1", [])])
    result = CliRunner().invoke(main, ["export", "plain.ipynb", "--name", "plain-step"])
    assert result.exit_code == 0, result.output
    assert "no 'parameters' cell" in result.output
    listing = CliRunner().invoke(main, ["steps"], env={"COLUMNS": "200"})
    assert "plain-step" in listing.output


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not json at all", "not a valid notebook"),
        (json.dumps({"cells": 3}), "not a valid notebook"),
    ],
)
def test_malformed_notebook_names_the_file(jp_nbops_project, monkeypatch, content, problem):
    monkeypatch.chdir(jp_nbops_project)
    (jp_nbops_project / "broken.ipynb").write_text(content)
    with pytest.raises(InputError, match=problem) as err:
        export(jp_nbops_project / "broken.ipynb")
    assert "broken.ipynb" in str(err.value)
    assert not (jp_nbops_project / "steps").exists()
    result = CliRunner().invoke(main, ["export", "broken.ipynb"])
    assert result.exit_code == 2 and "broken.ipynb" in result.output


def test_bad_step_name_is_refused(jp_nbops_tagged_notebook):
    with pytest.raises(InputError, match="step name"):
        export(jp_nbops_tagged_notebook, name="../escape")


def test_tags_help_documents_every_tag():
    result = CliRunner().invoke(main, ["tags", "--help"])
    for tag in ("parameters", "nbops:skip", "nbops:report-hide"):
        assert tag in result.output


def test_a_typo_in_a_step_manifest_is_named_not_ignored(jp_nbops_tagged_notebook, monkeypatch):
    from nbops.steps.versions import Manifest

    folder = export(jp_nbops_tagged_notebook).folder
    manifest = folder / "step.yaml"
    before = manifest.read_text()
    manifest.write_text(before.replace("outputs:", "outputz:"))
    with pytest.raises(InputError, match=r"unknown keys \[.outputz.\]\. Did you mean outputs\?"):
        Manifest.read(folder)
    monkeypatch.chdir(jp_nbops_tagged_notebook.parent)
    listing = CliRunner().invoke(main, ["steps"], env={"COLUMNS": "200"})
    assert listing.exit_code == 2 and "outputz" in listing.output
    assert manifest.read_text() == before.replace("outputs:", "outputz:")  # nothing rewritten
