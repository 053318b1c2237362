"""``nbops.live()`` and ``%%track --live`` in a real kernel: the chart's data grows while a loop
logs, and the saved notebook keeps the final chart as a plain Vega-Lite output."""

from __future__ import annotations

import mlflow
import nbformat
import pytest
from nbclient import NotebookClient

VEGALITE = "application/vnd.vegalite.v5+json"
WIDGET = "application/vnd.jupyter.widget-view+json"
LOOP = (
    "import time\n"
    "chart = nbops.live(every=0.1)\n"
    "for step in range(40):\n"
    "    nbops.log_metrics({'loss': 1 / (step + 1), 'accuracy': step / 40}, step=step)\n"
    "    time.sleep(0.05)  # one step of training"
)
TRACKED = (
    "%%track --live\n"
    "for epoch in range(20):\n"
    "    nbops.log_metric('val_loss', 2 / (epoch + 1), step=epoch)\n"
    "    time.sleep(0.05)\n"
    "final = 0.5"
)


class Recording(NotebookClient):
    """A notebook client that keeps every message the kernel sends about the cells."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.messages = []

    def process_message(self, msg, cell, cell_index):
        self.messages.append((cell_index, msg))
        return super().process_message(msg, cell, cell_index)


def drawn_sizes(messages, cell_index: int) -> list[int]:
    """How many points each drawing of the live chart sent while the cell ran."""
    sizes = []
    for index, msg in messages:
        state = msg["content"].get("data", {}).get("state", {})
        if index == cell_index and msg["msg_type"] == "comm_msg" and state.get("outputs"):
            sizes.append(len(state["outputs"][0]["data"][VEGALITE]["data"]["values"]))
    return sizes


@pytest.fixture
def executed(jp_nbops_project, jp_nbops_write_notebook, monkeypatch):
    path = jp_nbops_write_notebook(
        jp_nbops_project / "live.ipynb",
        [
            "%load_ext nbops\nimport nbops",
            LOOP,
            "print(chart.closed, chart.draws)",
            TRACKED,
            "nbops.end_run()",
        ],
    )
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    nb = nbformat.read(path, as_version=4)
    client = Recording(nb, timeout=120, resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return nb, client.messages


def test_the_chart_grows_while_the_loop_logs_and_stays_as_a_spec(executed, jp_nbops_store):
    nb, messages = executed
    sizes = drawn_sizes(messages, 1)
    assert len(sizes) >= 3 and sizes == sorted(sizes) and sizes[0] < sizes[-1] <= 80, sizes
    [saved] = nb.cells[1].outputs  # the widget was replaced by the final chart
    assert saved.output_type == "display_data" and WIDGET not in saved.data
    values = saved.data[VEGALITE]["data"]["values"]
    assert len(values) == 80 and {v["metric"] for v in values} == {"loss", "accuracy"}
    assert values[-1]["step"] == 39 and "80 values" in saved.data["text/plain"]
    closed, draws = nb.cells[2].outputs[0].text.split()
    assert closed == "True" and int(draws) == len(sizes)  # nothing drawn after the cell

    client = mlflow.MlflowClient(jp_nbops_store.uri)
    run = client.search_runs([client.get_experiment_by_name("live.ipynb").experiment_id])[0]
    assert len(client.get_metric_history(run.info.run_id, "loss")) == 40  # still all logged

    # %%track --live: the same for what the cell logs as it runs
    assert len(drawn_sizes(messages, 3)) >= 2
    outputs = nb.cells[3].outputs
    [chart] = [o for o in outputs if o.output_type == "display_data"]
    values = chart.data[VEGALITE]["data"]["values"]
    assert [v["step"] for v in values] == list(range(20)) and WIDGET not in chart.data
    assert any("final" in o.get("text", "") and "Logged" in o.get("text", "") for o in outputs), (
        outputs
    )


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"every": 0}, "every=0 is not a number of seconds from 0.05"),
        ({"every": "fast"}, "every='fast'"),
        ({"metrics": 3}, "metrics=3 is not a list of metric names"),
        ({}, "nbops.live() draws in a notebook: no IPython kernel"),
    ],
)
def test_bad_live_arguments_and_scripts_are_refused(jp_nbops_project, monkeypatch, kwargs, words):
    import nbops
    from nbops.exceptions import InputError

    monkeypatch.chdir(jp_nbops_project)
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        nbops.live(**kwargs)
