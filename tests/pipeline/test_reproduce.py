"""``nbops reproduce``: real runs executed again through papermill, verdicts and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nbops.cli import main
from nbops.config import load_settings
from nbops.data.snapshot import catalog_for
from nbops.execution.run import run
from nbops.names import (
    ENV_CHECK_TAG,
    REPORT_FILE,
    REPRODUCED_BY_TAG,
    REPRODUCES_TAG,
    REPRODUCTION_FILE,
    VERDICT_TAG,
)
from nbops.reproduction.reproduce import reproduce
from nbops.store import open_store

PREPARE = [
    ("rows = 50", ["parameters"]),
    (
        "import nbops, pandas as pd\n"
        "nbops.snapshot(pd.DataFrame({'x': range(rows)}), 'data', role='output')",
        [],
    ),
]
SCALE = [
    ("scale = 2.0", ["parameters"]),
    (
        "import nbops\n"
        "df = nbops.load_snapshot('data')\n"
        "out = df * scale\n"
        "nbops.snapshot(out, 'scaled', role='output')\n"
        "nbops.log_metric('total', float(out.x.sum()))",
        [],
    ),
]
RANDOM = [
    ("n = 3", ["parameters"]),
    ("import nbops, random\nnbops.log_metric('score', 1.0 + random.random() * 1e-3)", []),
]


def cli(*args: str):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})


@pytest.fixture
def project(jp_nbops_project, jp_nbops_notebook_factory):
    jp_nbops_notebook_factory("prepare.ipynb", PREPARE)
    jp_nbops_notebook_factory("scale.ipynb", SCALE)
    jp_nbops_notebook_factory("random.ipynb", RANDOM)
    return jp_nbops_project


def store_of(project: Path):
    return open_store(load_settings(project))


def test_a_deterministic_run_is_identical_and_reads_the_same_snapshot(project):
    run("prepare.ipynb", progress=False)
    original = run("scale.ipynb", {"scale": 3.0}, progress=False)
    run("prepare.ipynb", {"rows": 80}, progress=False)  # a newer version of 'data'

    result = cli("reproduce", original.run_id)

    assert result.exit_code == 0, result.output
    assert "IDENTICAL" in result.output and "total" in result.output
    store = store_of(project)
    new = store.get_run(store.get_run(original.run_id).tags[REPRODUCED_BY_TAG])
    assert new.tags[REPRODUCES_TAG] == original.run_id
    assert new.tags[VERDICT_TAG] == "IDENTICAL" and new.params["scale"] == "3.0"
    assert new.metrics["total"] == store.get_run(original.run_id).metrics["total"] == 3675.0
    catalog = catalog_for(load_settings(project))
    reads = {e.name: e.id for e in catalog.records_of(new.run_id) if e.action == "read"}
    originally = {e.name: e.id for e in catalog.records_of(original.run_id) if e.action == "read"}
    assert reads == originally  # the fingerprint it read, not the newest 'data'
    verdict = json.loads(store.load_text(new.run_id, REPRODUCTION_FILE))
    assert verdict["verdict"] == "IDENTICAL" and verdict["original"] == original.run_id
    kept = json.loads(store.load_text(original.run_id, f"reproductions/{new.run_id}.json"))
    assert kept["run_id"] == new.run_id
    report = store.load_text(new.run_id, REPORT_FILE)
    assert "Reproduction" in report and "IDENTICAL" in report and original.run_id in report


def test_an_unseeded_random_metric_is_different_then_within_tolerance(project, jp_nbops_receiver):
    original = run("random.ipynb", progress=False)
    (project / "nbops.toml").write_text(
        f'[[notify]]\non = ["reproduction-different"]\nurl = "{jp_nbops_receiver.url()}"\n'
    )

    different = cli("reproduce", original.run_id)
    assert different.exit_code == 1, different.output
    assert "DIFFERENT" in different.output and "score" in different.output
    assert "differs" in different.output and "not deterministic" in different.output
    [message] = jp_nbops_receiver.messages()  # the person is told
    new = open_store(load_settings(project)).list_runs("random.ipynb", 1)[0].run_id
    assert message["title"] == f"nbops: run {original.run_id[:8]} did not reproduce"
    assert (
        f"reproduced as run {new}" in message["message"] and "metric score:" in message["message"]
    )
    assert f"nbops report {new}" in message["message"]

    tolerant = reproduce(original.run_id, rtol=0.01, cwd=project, echo=lambda line: None)
    assert tolerant.verdict == "WITHIN TOLERANCE" and tolerant.exit_code == 0
    assert [r.status for r in tolerant.rows] == ["within tolerance"]
    assert len(jp_nbops_receiver.received) == 1  # within tolerance: nothing sent


def test_output_data_within_tolerance(project, jp_nbops_notebook_factory):
    jp_nbops_notebook_factory(
        "noisy.ipynb",
        [
            (
                "import nbops, random, pandas as pd\n"
                "values = [1.0 + random.random() * 1e-9 for _ in range(5)]\n"
                "nbops.snapshot(pd.DataFrame({'v': values}), 'noisy', role='output')",
                [],
            )
        ],
    )
    original = run("noisy.ipynb", progress=False)
    exact = reproduce(original.run_id, cwd=project, echo=lambda line: None)
    assert exact.verdict == "DIFFERENT"
    assert [(r.kind, r.name, r.status) for r in exact.rows] == [("output", "noisy", "differs")]
    assert len(exact.explanations) == 1, exact.explanations  # same code, inputs, environment
    (explained,) = exact.explanations
    assert explained.startswith(
        "output noisy: 0 rows added, 0 removed; values changed: v in 5 rows"
    )
    tolerant = reproduce(original.run_id, atol=1e-6, cwd=project, echo=lambda line: None)
    assert tolerant.verdict == "WITHIN TOLERANCE"


def test_missing_input_data_is_not_reproducible_and_runs_nothing(project):
    run("prepare.ipynb", progress=False)
    original = run("scale.ipynb", progress=False)
    catalog = catalog_for(load_settings(project))
    data = catalog.resolve("data").id
    catalog.local_copy(data).unlink()
    store = store_of(project)
    before = len(store.list_runs(None, 100))

    result = cli("reproduce", original.run_id)

    assert result.exit_code == 3, result.output
    assert "NOT REPRODUCIBLE" in result.output
    assert "input snapshot 'data'" in result.output and data[:12] in result.output
    assert len(store.list_runs(None, 100)) == before  # no new run
    assert store.get_run(original.run_id).tags[VERDICT_TAG] == "NOT REPRODUCIBLE"


@pytest.mark.parametrize(
    "args, words",
    [
        (["0123456789abcdef0123456789abcdef"], "No run 0123456789abcdef"),
        (["not-a-run"], "is not a run id"),
        (["{run}", "--rtol", "-1"], "is not a tolerance"),
        (["{run}", "--atol", "abc"], "is not a tolerance"),
        (["{run}", "--env", "docker"], "--env 'docker' is not known"),
    ],
)
def test_bad_input_exits_2_and_records_nothing(project, args, words):
    original = run("random.ipynb", progress=False)
    store = store_of(project)
    before = len(store.list_runs(None, 100))
    result = cli("reproduce", *(a.format(run=original.run_id) for a in args))
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert len(store.list_runs(None, 100)) == before
    assert VERDICT_TAG not in store.get_run(original.run_id).tags


def test_a_failed_run_is_refused(project, jp_nbops_notebook_factory):
    jp_nbops_notebook_factory("boom.ipynb", [("raise ValueError('boom')", [])])
    failed = run("boom.ipynb", progress=False)
    result = cli("reproduce", failed.run_id)
    assert result.exit_code == 2 and "ended FAILED" in result.output


def test_a_pipeline_step_is_reproduced_with_its_pinned_inputs(jp_nbops_pipeline):
    from nbops.pipeline.orchestrate import run_pipeline

    pipeline = run_pipeline(jp_nbops_pipeline, echo=lambda line: None)
    assert pipeline.ok
    train = pipeline.outcomes["train"].run_id
    project = jp_nbops_pipeline.parent
    run("prepare.ipynb", {"rows": 120}, progress=False)  # newer features and labels

    result = reproduce(train, cwd=project, echo=lambda line: None)

    assert result.verdict == "IDENTICAL", result.summary
    names = {(r.kind, r.name) for r in result.rows}
    assert {("input", "features"), ("input", "labels"), ("output", "predictions")} <= names
    assert ("metric", "train_accuracy") in names


def test_an_interactive_run_is_executed_from_its_saved_notebook(
    jp_nbops_project, jp_nbops_notebook_factory
):
    from nbops.capture.session import Session

    notebook = jp_nbops_notebook_factory(
        "explore.ipynb",
        [
            ("alpha = 0.5", ["parameters"]),
            ("import nbops\nnbops.log_metric('double', alpha * 2)", []),
        ],
    )
    session = Session(notebook=notebook)
    original = session.start_run("by hand")
    session.log_params({"alpha": 0.1, "comment": "tried by hand"})
    session.log_metrics({"double": 0.2})
    session.end_run()
    session.close()

    result = reproduce(original, cwd=jp_nbops_project, echo=lambda line: None)

    assert result.verdict == "IDENTICAL", result.summary
    assert any("cells in another order" in note for note in result.notes)
    assert any("comment" in note and "not injected" in note for note in result.notes)
    new = store_of(jp_nbops_project).get_run(result.run_id)
    assert new.params["alpha"] == "0.1"


# -- the environment ------------------------------------------------------------------------------

EXTRA = "text-unidecode==1.3"  # pure Python, not a dependency of nbops
USES_EXTRA = [("import nbops, text_unidecode\nnbops.log_metric('chars', len('abc'))", [])]


def layered_python(folder: Path) -> Path:
    """A virtual environment that sees this one's packages, plus the extra package."""
    import sysconfig

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    site = next(folder.glob("lib/python*/site-packages"))
    base = sysconfig.get_paths()["purelib"]
    (site / "base.pth").write_text(f"import site; site.addsitedir({base!r})\n")
    python = folder / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", EXTRA]
    subprocess.run(pip, check=True)
    return python


def test_env_rebuild_installs_the_recorded_package(
    jp_nbops_project, jp_nbops_notebook_factory, tmp_path, monkeypatch
):
    jp_nbops_notebook_factory("extra.ipynb", USES_EXTRA)
    python = layered_python(tmp_path / "original-env")
    ran = subprocess.run(
        [str(python), "-c", "from nbops.cli import main; main()", "run", "extra.ipynb"],
        capture_output=True,
        text=True,
        cwd=jp_nbops_project,
        env={**os.environ, "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")},
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    original = ran.stdout.split("Run ", 1)[1].split(":", 1)[0]
    monkeypatch.setenv("NBOPS_ENV_DIR", str(tmp_path / "envs"))

    here = cli("reproduce", original)
    assert here.exit_code == 3, here.output
    assert "text-unidecode 1.3 (not installed)" in here.output  # listed before the run
    assert "No module named 'text_unidecode'" in here.output

    rebuilt = cli("reproduce", original, "--env", "rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "IDENTICAL" in rebuilt.output
    built = list((tmp_path / "envs").iterdir())
    assert len(built) == 1 and (built[0] / ".complete").is_file()
    again = cli("reproduce", original, "--env", "rebuild")  # the cached environment
    assert again.exit_code == 0 and "Building" not in again.output


def test_a_package_that_cannot_be_installed_is_named(tmp_path, monkeypatch):
    from nbops.exceptions import EnvironmentBuildError
    from nbops.execution.environments import rebuild

    monkeypatch.setenv("NBOPS_ENV_DIR", str(tmp_path / "envs"))
    recorded = {"nbops-no-such-package-here": "1.0.0"}
    with pytest.raises(EnvironmentBuildError, match=r"nbops-no-such-package-here==1\.0\.0"):
        rebuild(recorded, "{}.{}.0".format(*sys.version_info[:2]), echo=lambda line: None)
    assert not any((tmp_path / "envs").glob("*/.complete"))
    with pytest.raises(EnvironmentBuildError, match=r"Python 2\.7"):
        rebuild({}, "2.7.18", echo=lambda line: None)


def test_the_environment_is_checked_before_a_step_runs(jp_nbops_tagged_notebook):
    project = jp_nbops_tagged_notebook.parent
    exported = cli("export", "train.ipynb")
    assert exported.exit_code == 0, exported.output
    lock = next(project.glob("steps/train/*/requirements.txt"))
    lock.write_text(lock.read_text() + f"{EXTRA}\n")  # exported where it was installed

    warned = cli("run", "train", "-p", "dataset", "d")
    assert warned.exit_code == 0, warned.output
    assert "differs from the lock" in warned.output and "text-unidecode 1.3" in warned.output
    store = store_of(project)
    last = store.list_runs(None, 1)[0]
    assert last.tags[ENV_CHECK_TAG] == "1 missing, 0 at another version"
    check = json.loads(store.load_text(last.run_id, "environment-check.json"))
    assert check["missing"] == {"text-unidecode": "1.3"}

    before = len(store.list_runs(None, 100))
    strict = cli("run", "train", "-p", "dataset", "d", "--strict-env")
    assert strict.exit_code == 2 and "--strict-env" in strict.output
    assert len(store.list_runs(None, 100)) == before


def test_seed_makes_randomness_repeatable_and_is_logged(jp_nbops_project, jp_nbops_store):
    import random

    import numpy

    import nbops
    from nbops.capture.session import current_session, reset_session
    from nbops.exceptions import InputError

    reset_session()
    notebook = jp_nbops_project / "seeded.ipynb"
    notebook.write_text("{}")
    current_session(str(notebook))
    nbops.seed(7)
    first = (random.random(), numpy.random.rand())
    nbops.seed(7)
    assert (random.random(), numpy.random.rand()) == first
    run_id = nbops.end_run()
    logged = jp_nbops_store.get_run(run_id)
    assert logged.params["seed"] == "7" and logged.tags["nbops.seeded"] == "random,numpy"
    for bad in (-1, 2**32, 1.5, "7", True):
        with pytest.raises(InputError, match="is not valid"):
            nbops.seed(bad)


@pytest.mark.parametrize(
    ("recorded", "line"),
    [
        ({"--index-url": "http://127.0.0.1:9/simple"}, "--index-url==http://127.0.0.1:9/simple"),
        ({"requests": "2.0 --index-url http://127.0.0.1:9"}, "requests==2.0 --index-url"),
        ({"-e": "git+https://127.0.0.1:9/x.git"}, "-e==git+https"),
        ({"requests": "2.0; python_version > '3'"}, "requests==2.0; python_version"),
        ({"requests @ http://127.0.0.1:9/r.whl": "2.0"}, "requests @ http://127.0.0.1:9/r.whl"),
        ({"requests[socks]": "2.0"}, "requests[socks]==2.0"),
        ({"requests": "not-a-version"}, "requests==not-a-version"),
        ({"requests": 2}, "requests==2"),
    ],
)
def test_a_crafted_package_record_is_refused_before_pip_sees_it(
    recorded, line, tmp_path, monkeypatch
):
    from nbops.exceptions import EnvironmentBuildError
    from nbops.execution.environments import rebuild

    monkeypatch.setenv("NBOPS_ENV_DIR", str(tmp_path / "envs"))
    with pytest.raises(EnvironmentBuildError, match="is not a package name with a version") as err:
        rebuild(recorded, "{}.{}.0".format(*sys.version_info[:2]), echo=lambda text: None)
    assert line in str(err.value)
    assert not (tmp_path / "envs").exists()  # nothing created, nothing installed


def test_a_run_whose_record_was_tampered_with_is_not_reproducible(
    jp_nbops_project, jp_nbops_notebook_factory, jp_nbops_store, tmp_path, monkeypatch
):
    jp_nbops_notebook_factory("plain.ipynb", [("import nbops\nnbops.log_metric('m', 1.0)", [])])
    ran = cli("run", "plain.ipynb")
    assert ran.exit_code == 0, ran.output
    (original,) = [r.run_id for r in jp_nbops_store.list_runs()]
    env = json.loads(jp_nbops_store.load_text(original, "environment.json"))
    env["packages"]["--index-url"] = "http://127.0.0.1:9/simple"
    jp_nbops_store.log_text(original, json.dumps(env), "environment.json")
    monkeypatch.setenv("NBOPS_ENV_DIR", str(tmp_path / "envs"))
    result = cli("reproduce", original, "--env", "rebuild")
    assert result.exit_code == 3, result.output
    assert "NOT REPRODUCIBLE" in result.output
    assert "'--index-url==http://127.0.0.1:9/simple' is not a package name" in result.output
    assert not (tmp_path / "envs").exists()
