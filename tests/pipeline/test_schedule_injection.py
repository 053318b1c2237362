"""Generated schedules cannot be injected and hold no secret: every value of a pipeline reaches an
Airflow DAG file as a literal (the file's shape is the same whatever the values), names are
checked when the pipeline is read, and nothing that would split a crontab line gets into one."""

import ast
import json
import os
import subprocess
import textwrap

import pytest
from click.testing import CliRunner

from nbops.cli import main
from nbops.pipeline.dag import build_dag
from nbops.pipeline.schedule import airflow_dag
from nbops.pipeline.spec import read_pipeline

EVIL = '"""\'\'\'\nimport os; os.system("touch /tmp/pwned") #{}'
PIPELINE = """\
name: {name}
steps:
  first:
    notebook: first.ipynb
    parameters: {{label: {label}}}
  second:
    notebook: second.ipynb
    after: [first]
monitor:
  reference: features
  current: {current}
"""


def invoke(*args, env=None):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "200", **(env or {})})


def project_at(folder, write, label: str, current: str):
    """A two-step project in ``folder`` whose values are ``label`` and ``current``."""
    folder.mkdir(parents=True)
    (folder / "nbops.toml").write_text("")
    write(folder / "first.ipynb", [("label = ''", ["parameters"]), ("print(label)", [])])
    write(folder / "second.ipynb", [("print(2)", [])])
    path = folder / "pipeline.yaml"
    path.write_text(
        PIPELINE.format(name="flow", label=json.dumps(label), current=json.dumps(current))
    )
    return path


def shape(text: str) -> str:
    """The file's syntax tree with every literal blanked: what it does, not with which values."""
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            node.value = None
    return ast.dump(tree)


def constants(text: str) -> dict[str, object]:
    """The module-level NAME = literal assignments of a generated file."""
    found = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return found


@pytest.mark.parametrize("mode", ["per-step", "whole", "monitor"])
def test_a_dag_has_the_same_code_whatever_the_pipeline_holds(
    mode, tmp_path, jp_nbops_write_tagged, monkeypatch
):
    monkeypatch.setenv("NBOPS_TRACKING_URI", "http://alice:s3cret-pw@127.0.0.1:9/")
    plain = project_at(tmp_path / "plain", jp_nbops_write_tagged, "x", "today.csv")
    evil_folder = tmp_path / EVIL.format("folder").replace("/", "_")
    evil = project_at(evil_folder, jp_nbops_write_tagged, EVIL.format(1), EVIL.format(2))
    options = {"per-step": {}, "whole": {"executor": "dask", "address": EVIL.format(3)},
               "monitor": {"monitor": True}}[mode]  # fmt: skip
    texts = [
        airflow_dag(build_dag(read_pipeline(p)), "0 3 * * *", **options) for p in (plain, evil)
    ]
    assert shape(texts[1]) == shape(texts[0])  # the same calls, names and statements
    found = constants(texts[1])
    assert found["PROJECT"] == str(evil_folder) and found["PIPELINE"] == str(evil)
    assert found["SCHEDULE"] == "0 3 * * *" and found["DAG_ID"].startswith("nbops_")
    if mode == "monitor":
        assert EVIL.format(2) in found["MONITOR"]
    if mode == "whole":
        assert found["EXECUTOR"] == ["--executor", "dask", "--address", EVIL.format(3)]
    docstring = ast.get_docstring(ast.parse(texts[1]))
    assert "import os" not in docstring and str(evil_folder) not in docstring
    # neither the store nor its credentials are written: workers take them from their own side
    for text in texts:
        assert "s3cret-pw" not in text and "127.0.0.1:9" not in text and "alice" not in text


@pytest.mark.parametrize("name", ['a"""b', "a\nb", "1abc", "a b", "a;b", "x'y"])
def test_a_pipeline_name_that_is_not_a_step_name_is_refused(name, tmp_path, jp_nbops_write_tagged):
    path = project_at(tmp_path / "p", jp_nbops_write_tagged, "x", "today.csv")
    path.write_text(path.read_text().replace("name: flow", f"name: {json.dumps(name)}"))
    out = tmp_path / "dags" / "flow.py"
    result = invoke("schedule", str(path), "--cron", "@daily", "--to", "airflow", "-o", str(out))
    assert result.exit_code == 2, result.output
    assert "the pipeline name" in result.output and "is not valid" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_an_unknown_key_in_the_pipeline_file_is_named_with_the_likely_one(
    tmp_path, jp_nbops_write_tagged
):
    path = project_at(tmp_path / "p", jp_nbops_write_tagged, "x", "today.csv")
    path.write_text(path.read_text() + "retires: 2\n")
    result = invoke("pipeline", "show", str(path))
    assert result.exit_code == 2, result.output
    assert "unknown keys ['retires']" in result.output and "Did you mean retries?" in result.output


@pytest.mark.parametrize("where", ["folder", "monitor"])
def test_nothing_with_a_line_break_reaches_a_crontab_line(where, tmp_path, jp_nbops_write_tagged):
    folder = tmp_path / ("a\n* * * * * touch pwned\n" if where == "folder" else "p")
    current = "today.csv\n* * * * * touch pwned" if where == "monitor" else "today.csv"
    path = project_at(folder, jp_nbops_write_tagged, "x", current)
    extra = ["--monitor"] if where == "monitor" else []
    result = invoke("schedule", str(path), "--cron", "@daily", "--to", "cron", *extra)
    assert result.exit_code == 2, result.output
    assert "holds a line break or another control character" in result.output
    assert "pwned" not in result.output.split("Error")[0]  # no line was printed before the error


@pytest.mark.airflow
def test_tasks_take_the_store_and_credentials_from_airflows_connection(
    airflow_python, tmp_path, jp_nbops_write_tagged
):
    path = project_at(tmp_path / "p", jp_nbops_write_tagged, "x", "today.csv")
    dag = tmp_path / "dags" / "flow.py"
    result = invoke("schedule", str(path), "--cron", "@daily", "--to", "airflow", "-o", str(dag))
    assert result.exit_code == 0, result.output
    check = textwrap.dedent(
        f"""
        import importlib.util, json
        spec = importlib.util.spec_from_file_location("flow", {str(dag)!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(json.dumps(module.tracking_environment()))
        """
    )
    base = {"PATH": os.environ["PATH"], "AIRFLOW_HOME": str(tmp_path / "airflow")}
    connection = {"AIRFLOW_CONN_NBOPS_MLFLOW": "http://alice:pw-12345@127.0.0.1:5999/prefix"}
    found = []
    for extra in ({}, connection, {**connection, "NBOPS_TRACKING_URI": "http://other:5000"}):
        done = subprocess.run([airflow_python, "-c", check], capture_output=True, text=True,
                              env={**base, **extra}, timeout=300, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        found.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert found[0] == {}  # no connection: the project's nbops.toml decides
    assert found[1] == {
        "NBOPS_TRACKING_URI": "http://127.0.0.1:5999/prefix",
        "MLFLOW_TRACKING_USERNAME": "alice",
        "MLFLOW_TRACKING_PASSWORD": "pw-12345",
    }
    assert found[2] == {}  # the worker's own environment wins
