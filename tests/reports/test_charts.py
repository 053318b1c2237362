"""The Vega-Lite charts of runs: what they plot, their axes and legends, and what they leave out."""

import math

import pytest

from nbops.exceptions import InputError
from nbops.reports.charts import (
    VEGALITE_MIME,
    comparison_charts,
    drift_chart,
    history_chart,
    parallel_chart,
    sweep_chart,
)
from nbops.store import RunSummary


def run(i: int, params: dict, metrics: dict) -> RunSummary:
    return RunSummary(
        run_id=str(i) * 32, name=f"t{i}", experiment="nb.ipynb", status="FINISHED",
        start_time=1, end_time=2, params=params, metrics=metrics,
    )  # fmt: skip


def test_history_lines_by_step_or_time_leave_out_values_no_axis_can_show():
    runs = [run(1, {}, {"loss": 0.5}), run(2, {}, {"loss": 0.4})]
    history = {
        runs[0].run_id: {"loss": [{"step": 0, "value": 0.9, "timestamp": 10},
                                  {"step": 1, "value": math.nan, "timestamp": 11},
                                  {"step": 2, "value": 0.5, "timestamp": 12}]},
        runs[1].run_id: {"loss": [{"step": 0, "value": 0.4, "timestamp": 20}]},
    }  # fmt: skip
    chart = history_chart(runs, history, "loss")
    values = chart.spec["data"]["values"]
    assert [(v["run"], v["step"], v["value"]) for v in values] == [
        ("t1 (11111111)", 0, 0.9),
        ("t1 (11111111)", 2, 0.5),
        ("t2 (22222222)", 0, 0.4),
    ]
    assert chart.spec["mark"] == {"type": "line", "point": True}
    assert chart.spec["encoding"]["color"]["scale"]["domain"] == ["t1 (11111111)", "t2 (22222222)"]
    by_time = history_chart(runs, history, "loss", by="time")
    assert by_time.spec["encoding"]["x"] == {"field": "time", "type": "temporal", "title": "time"}
    assert by_time.title == "loss by time"
    bundle = chart._repr_mimebundle_()
    assert bundle[VEGALITE_MIME] is chart.spec and "loss by step" in bundle["text/plain"]
    with pytest.raises(InputError, match=r"by 'epoch'\. Use step or time"):
        history_chart(runs, history, "loss", by="epoch")


def test_a_sweep_plots_the_metric_against_each_varying_parameter():
    runs = [
        run(1, {"model.alpha": "0.1", "kind": "ridge", "seed": "7"}, {"rmse": 3.0}),
        run(2, {"model.alpha": "1", "kind": "lasso", "seed": "7"}, {"rmse": 2.0}),
        run(3, {"model.alpha": "10", "kind": "ridge", "seed": "7"}, {"rmse": math.nan}),
    ]
    chart = sweep_chart(runs, "rmse")
    kind, alpha = chart.spec["hconcat"]  # by name; seed does not vary
    assert kind["encoding"]["x"] == {"field": "x", "title": "kind", "type": "nominal"}
    assert alpha["encoding"]["x"]["type"] == "quantitative"
    assert alpha["encoding"]["x"]["title"] == "model.alpha"  # a dotted name is only a title
    assert [(v["x"], v["y"]) for v in alpha["data"]["values"]] == [(0.1, 3.0), (1.0, 2.0)]
    assert sweep_chart([runs[0], run(4, runs[0].params, {"rmse": 1.0})], "rmse") is None
    assert sweep_chart(runs, "absent") is None


def test_parallel_coordinates_scale_each_numeric_axis_to_its_range():
    runs = [
        run(1, {"alpha": "0.1", "depth": "3", "kind": "a"}, {"rmse": 3.0}),
        run(2, {"alpha": "1", "depth": "3", "kind": "b"}, {"rmse": 2.0}),
        run(3, {"alpha": "10", "depth": "5", "kind": "a"}, {"rmse": 2.5}),
    ]
    chart = parallel_chart(runs, "rmse")
    assert chart.spec["encoding"]["x"]["sort"] == ["alpha", "depth", "rmse"]  # kind: no number
    rows = {(v["run"][:2], v["axis"]): v for v in chart.spec["data"]["values"]}
    assert rows[("t1", "alpha")]["scaled"] == 0.0 and rows[("t3", "alpha")]["scaled"] == 1.0
    assert rows[("t2", "depth")]["scaled"] == 0.0 and rows[("t3", "depth")]["value"] == 5.0
    assert rows[("t3", "rmse")]["scaled"] == 0.5 and rows[("t3", "rmse")]["score"] == 2.5
    assert parallel_chart(runs[:1], "rmse") is None


def test_drift_per_column_marks_the_drifted_and_draws_the_threshold():
    columns = [
        {"column": "age", "psi": 0.05, "drifted": False},
        {"column": "bmi", "psi": 0.9, "drifted": True},
        {"column": "sex", "psi": math.inf, "drifted": True},
    ]
    chart = drift_chart(columns, 0.2)
    bars, rule = chart.spec["layer"]
    assert [(v["column"], v["drifted"]) for v in chart.spec["data"]["values"]] == [
        ("bmi", "drift"),
        ("age", "ok"),
    ]
    assert chart.title == "drift per column (PSI); no PSI for sex"
    many = [{"column": f"c{i}", "psi": i / 100, "drifted": False} for i in range(70)]
    cut = drift_chart(many, 0.2)
    assert cut.title == "drift per column (PSI), the 60 largest of 70"
    assert cut.spec["data"]["values"][0]["column"] == "c69"
    assert bars["encoding"]["x"]["title"] == "PSI" and rule["encoding"]["x"] == {"datum": 0.2}


def test_comparison_charts_add_sweep_views_only_when_parameters_differ():
    same = [run(1, {"a": "1"}, {"m": 1.0}), run(2, {"a": "1"}, {"m": 2.0})]
    history = {
        r.run_id: {"m": [{"step": 0, "value": r.metrics["m"], "timestamp": 1}]} for r in same
    }
    assert [c.title for c in comparison_charts(same, history)] == ["m by step"]
    differ = [run(1, {"a": "1"}, {"m": 1.0}), run(2, {"a": "2"}, {"m": 2.0})]
    assert [c.title for c in comparison_charts(differ, history)] == [
        "m by step",
        "m against each parameter",
        "m: parallel coordinates",
    ]
