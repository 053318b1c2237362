"""``nbops diff``: two real headless runs of a notebook whose parameters, code and data change."""

import json

import nbformat
import pytest
from click.testing import CliRunner

import nbops
from nbops.cli import main
from nbops.config import load_settings
from nbops.data.registry import catalog_for
from nbops.exceptions import InputError
from nbops.reports.diff import diff_of, diff_runs
from nbops.store import open_store

PREPARE = (
    "import nbops, pandas as pd\n"
    "frame = pd.DataFrame({'x': range(rows), 'y': [i % 3 for i in range(rows)]})\n"
    "nbops.snapshot(frame, 'train', role='output')"
)
TRAIN = (
    "import nbops\n"
    "train = nbops.load_snapshot('train')\n"
    "nbops.log_metric('mean_y', float(train.y.mean()) * scale)\n"
    "print('rows', len(train))"
)


def tagged_notebook(path, cells) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src, metadata={"tags": tags}) for src, tags in cells]
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A project and run ids: prepare with 331 rows, train (A); prepare with 442 rows, train
    (B, same code); train with its code and a parameter changed (C, B's data); B's train again
    (D). Made once for the module: six kernels."""
    project = tmp_path_factory.mktemp("diff") / "project"
    project.mkdir()
    (project / "nbops.toml").write_text("")

    def run(name: str, *options: str) -> str:
        result = CliRunner().invoke(main, ["run", name, *options])
        assert result.exit_code == 0, result.output
        return result.output.split()[1].rstrip(":")

    def make(train_source: str) -> None:
        tagged_notebook(
            project / "train.ipynb", [("scale = 1.0", ["parameters"]), (train_source, [])]
        )

    with pytest.MonkeyPatch.context() as patch:
        for name in ("NBOPS_TRACKING_URI", "MLFLOW_TRACKING_URI", "NBOPS_NOTEBOOK", "NBOPS_ROOT"):
            patch.delenv(name, raising=False)
        patch.chdir(project)
        tagged_notebook(project / "prepare.ipynb", [("rows = 331", ["parameters"]), (PREPARE, [])])
        make(TRAIN)
        run("prepare.ipynb")
        a = run("train.ipynb")
        run("prepare.ipynb", "-p", "rows", "442")
        b = run("train.ipynb")
        make(TRAIN.replace("print('rows', len(train))", "print('columns', list(train))"))
        c = run("train.ipynb", "-p", "scale", "2.0")
        make(TRAIN)
        d = run("train.ipynb")
    return project, (a, b, c, d)


@pytest.fixture
def runs(made, monkeypatch):
    """The run ids of ``made``, the working directory its project."""
    monkeypatch.chdir(made[0])
    return made[1]


def test_a_data_change_is_named_as_what_the_metric_change_comes_with(runs, made):
    a, b, _, _ = runs
    settings = load_settings(made[0])
    found = diff_runs(open_store(settings), catalog_for(settings), a, b)
    assert found.params == [] and all(c.kind == "outputs" for c in found.code)
    (train,) = [d for d in found.data if d.name == "train"]
    assert (train.role, train.rows_a, train.rows_b, train.same) == ("input", 331, 442, False)
    (metric,) = found.metrics
    mean = {n: sum(i % 3 for i in range(n)) / n for n in (331, 442)}
    assert (metric.name, metric.a, metric.b) == ("mean_y", mean[331], mean[442])
    assert metric.delta == pytest.approx(mean[442] - mean[331])
    summary = found.summary()
    assert "parameters: unchanged" in summary
    assert "input `train`: 331 -> 442 rows (+111), other content" in " ".join(summary)
    assert summary[-1] == "the metric change comes with the data"
    outputs = [c for c in found.code if c.kind == "outputs"]
    assert [c.cell_a for c in outputs] == [2] and "+rows 442" in outputs[0].outputs


def test_code_and_parameters_cell_by_cell(runs):
    _, b, c, _ = runs
    found = nbops.diff(b, c[:8])  # an id's first characters, as `nbops runs` shows them
    assert [(p.name, p.a, p.b) for p in found.params] == [("scale", "1.0", "2.0")]
    (cell,) = found.code
    assert (cell.kind, cell.cell_a, cell.cell_b) == ("changed", 2, 2)
    assert "-print('rows', len(train))" in cell.diff and "+print('columns'" in cell.diff
    assert all(d.same for d in found.data if d.role == "input")
    assert found.summary()[-1] == "the metric change comes with the parameters and code"


def test_the_cli_prints_json_and_exit_codes_as_git_diff(runs):
    a, b, _, d = runs
    runner = CliRunner()
    same = runner.invoke(main, ["diff", b, d, "--exit-code"])
    assert same.exit_code == 0, same.output
    assert "parameters: unchanged" in same.output and "code: unchanged" in same.output
    differs = runner.invoke(main, ["diff", a, b, "--exit-code"])
    assert differs.exit_code == 1 and "Traceback" not in differs.output
    plain = runner.invoke(main, ["diff", a, b])
    assert plain.exit_code == 0
    data = json.loads(runner.invoke(main, ["diff", a, b, "--json"]).output)
    assert data["differs"] is True and data["run_a"] == a
    assert {d["name"] for d in data["data"]} == {"train"}


def test_an_unknown_run_is_a_usage_error(runs, made):
    a, *_ = runs
    result = CliRunner().invoke(main, ["diff", a, "ffffffff"])
    assert result.exit_code == 2 and "ffffffff" in result.output
    with pytest.raises(InputError):
        diff_of(load_settings(made[0]), a, "ffffffff")


def changes_block(path):
    """The report's "Changes since" block: its title, why, summary items and details (or None)."""
    from bs4 import BeautifulSoup

    card = BeautifulSoup(path.read_text(), "html.parser").select_one("section.nbops-card")
    title = card.select_one("h2.nbops-changes")
    if title is None:
        return None
    details = card.select_one("pre.nbops-changes-details")
    return {
        "title": title.get_text(),
        "why": card.select_one("p.nbops-changes-why").get_text(),
        "summary": [li.get_text() for li in card.select("ul.nbops-changes-summary li")],
        "details": details.get_text() if details else "",
    }


def test_a_report_says_what_changed_since_the_previous_run_of_its_notebook(runs, made):
    a, b, c, _ = runs
    runner = CliRunner()
    out = made[0] / "c.html"
    assert runner.invoke(main, ["report", c, "-o", str(out)]).exit_code == 0
    block = changes_block(out)
    assert block["title"] == f"Changes since run {b[:8]}" and b in block["why"]
    assert "previous finished run of train.ipynb" in block["why"]
    assert "parameters: scale 1.0 -> 2.0" in block["summary"]
    assert "-print('rows', len(train))" in block["details"]
    first = made[0] / "a.html"  # the notebook's first run: nothing before it
    assert runner.invoke(main, ["report", a, "-o", str(first)]).exit_code == 0
    assert changes_block(first) is None


def test_a_report_against_a_chosen_run_and_without_code(runs, made):
    a, b, _, _ = runs
    runner = CliRunner()
    out = made[0] / "b.html"
    result = runner.invoke(main, ["report", b, "--against", a[:8], "--no-input", "-o", str(out)])
    assert result.exit_code == 0, result.output
    block = changes_block(out)
    assert block["title"] == f"Changes since run {a[:8]}"
    assert "input `train`: 331 -> 442 rows (+111), other content" in " ".join(block["summary"])
    assert "code: unchanged (1 cell with other outputs)" in block["summary"]
    assert "Code" not in block["details"] and "print(" not in out.read_text()  # --no-input
    assert runner.invoke(main, ["report", b, "--no-changes", "-o", str(out)]).exit_code == 0
    assert changes_block(out) is None


def test_a_report_asked_for_both_against_and_no_changes_writes_nothing(runs, made):
    _, b, _, _ = runs
    out = made[0] / "both.html"
    result = CliRunner().invoke(main, ["report", b, "--against", b, "--no-changes", "-o", str(out)])
    assert result.exit_code == 2 and "--no-changes" in result.output
    assert not out.exists()


def test_the_champion_is_what_a_registered_runs_report_compares_with(runs, made):
    from nbops.reports.diff import baseline

    a, b, c, _ = runs
    store = open_store(load_settings(made[0]))
    run = store.get_run(c)
    assert baseline(store, run, [])[0] == b  # the previous finished run of its notebook
    champion = {"model": "clf", "champion_version": "3", "champion_run": a}
    assert baseline(store, run, [champion]) == (a, "the champion of clf, v3")
    itself = dict(champion, champion_run=c)  # the run is the champion: the previous run
    assert baseline(store, run, [itself])[0] == b


def test_the_changes_block_escapes_what_runs_recorded():
    from bs4 import BeautifulSoup

    from nbops.reports.diff import Change, Changes, RunDiff
    from nbops.reports.header import _changes

    hostile = "<img src=x onerror=alert(1)>"
    found = RunDiff("a" * 32, "b" * 32, params=[Change(hostile, "1", hostile)])
    html = _changes(Changes(found, hostile))
    assert "<img" not in html
    assert not BeautifulSoup(html, "html.parser").find_all(["img", "script"])
