from pathlib import Path

import pytest

from nbops.config import (
    EMBEDDED,
    experiment_name,
    find_project,
    load_settings,
)
from nbops.exceptions import ConfigError


@pytest.mark.parametrize("marker", ["nbops.toml", "pyproject.toml", ".git"])
def test_project_is_nearest_folder_with_a_marker(tmp_path, marker):
    (tmp_path / marker).mkdir() if marker == ".git" else (tmp_path / marker).write_text("")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_project(deep) == tmp_path
    assert find_project(deep / "nb.ipynb") == tmp_path


def test_project_without_marker_is_the_start_folder(tmp_path):
    assert find_project(tmp_path) == tmp_path


def test_embedded_store_lives_in_the_project(tmp_path):
    (tmp_path / "nbops.toml").write_text("")
    settings = load_settings(tmp_path / "sub")
    assert settings.uri_source == EMBEDDED
    assert settings.tracking_uri == f"sqlite:///{tmp_path / '.nbops' / 'mlflow.db'}"
    assert settings.artifact_root == tmp_path / ".nbops" / "artifacts"


def test_tracking_uri_precedence(tmp_path, monkeypatch):
    (tmp_path / "nbops.toml").write_text('tracking_uri = "http://from-file:5000"\n')
    assert load_settings(tmp_path).tracking_uri == "http://from-file:5000"
    assert load_settings(tmp_path).uri_source == str(tmp_path / "nbops.toml")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow-env:5000")
    assert load_settings(tmp_path).tracking_uri == "http://mlflow-env:5000"
    monkeypatch.setenv("NBOPS_TRACKING_URI", "http://nbops-env:5000")
    settings = load_settings(tmp_path)
    assert (settings.tracking_uri, settings.uri_source) == (
        "http://nbops-env:5000",
        "NBOPS_TRACKING_URI",
    )
    assert settings.artifact_root is None


def test_tool_nbops_table_in_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.nbops]\ntracking_uri = "http://team:5000"\n'
    )
    assert load_settings(tmp_path).tracking_uri == "http://team:5000"


def test_pyproject_without_nbops_table_keeps_embedded(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_settings(tmp_path).uri_source == EMBEDDED


def test_malformed_toml_names_the_file(tmp_path):
    (tmp_path / "nbops.toml").write_text("tracking_uri = [unclosed\n")
    with pytest.raises(ConfigError, match=r"nbops\.toml") as err:
        load_settings(tmp_path)
    assert "TOML" in str(err.value)


@pytest.mark.parametrize("value", ['""', "42"])
def test_bad_tracking_uri_value_is_refused(tmp_path, value):
    (tmp_path / "nbops.toml").write_text(f"tracking_uri = {value}\n")
    with pytest.raises(ConfigError, match="non-empty string"):
        load_settings(tmp_path)


def test_experiment_is_notebook_path_relative_to_project(tmp_path):
    assert experiment_name(tmp_path / "a" / "train.ipynb", tmp_path) == "a/train.ipynb"
    outside = Path("/elsewhere/x.ipynb")
    assert experiment_name(outside, tmp_path) == "/elsewhere/x.ipynb"


def test_fix_hint_names_the_source(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://x:1")
    assert "MLFLOW_TRACKING_URI" in load_settings(tmp_path).fix_hint()


def test_jupyter_root_is_the_fallback_project(tmp_path, monkeypatch):
    notebook_dir = tmp_path / "root" / "analysis"
    notebook_dir.mkdir(parents=True)
    assert find_project(notebook_dir) == notebook_dir
    monkeypatch.setenv("NBOPS_ROOT", str(tmp_path / "root"))
    assert find_project(notebook_dir) == tmp_path / "root"
    assert find_project(tmp_path) == tmp_path  # outside the root: the root does not apply


def test_an_unknown_settings_key_is_named_with_the_likely_one(tmp_path):
    (tmp_path / "nbops.toml").write_text('traking_uri = "http://mlflow:5000"\n')
    with pytest.raises(ConfigError, match=r"unknown keys \['traking_uri'\]") as err:
        load_settings(tmp_path)
    assert "Did you mean tracking_uri?" in str(err.value)
