import numpy as np
import pandas as pd
import pytest

import nbops
from nbops.data.drift import compare


@pytest.fixture
def reference():
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {"x": rng.normal(0, 1, 5000), "city": rng.choice(["a", "b", "c"], 5000), "gone": 1}
    )


def test_same_distribution_does_not_drift(reference):
    rng = np.random.default_rng(2)
    current = pd.DataFrame({"x": rng.normal(0, 1, 5000), "city": rng.choice(["a", "b", "c"], 5000)})
    report = compare(reference, current)
    assert report.drifted == []
    x = next(c for c in report.columns if c.column == "x")
    assert x.test == "ks" and x.p_value > 0.01 and x.psi < 0.1


def test_shifted_numeric_and_categorical_columns_drift(reference):
    rng = np.random.default_rng(3)
    current = pd.DataFrame(
        {"x": rng.normal(1.5, 1, 5000), "city": rng.choice(["a", "d"], 5000), "new": 2}
    )
    report = compare(reference, current, threshold=0.2)
    assert report.drifted == ["x", "city"]
    city = next(c for c in report.columns if c.column == "city")
    assert city.test == "chi-square" and city.p_value < 1e-6
    assert (report.missing, report.added) == (["gone"], ["new"])
    bundle = report._repr_mimebundle_()
    assert "DRIFT" in bundle["text/plain"] and "missing in current: gone" in bundle["text/plain"]


def test_small_samples_get_scipys_asymptotic_p_value_without_a_warning():
    """Five values against five: scipy cannot compute the exact p-value and falls back to the
    asymptotic one with a RuntimeWarning, which pytest turns into an error here."""
    reference = pd.DataFrame({"v": [1.0, 2.0, 3.0, 4.0, 5.0]})
    current = pd.DataFrame({"v": [1.5, 2.5, 3.5, 4.5, 5.5]})
    (column,) = compare(reference, current).columns
    assert column.test == "ks" and 0.0 < column.p_value <= 1.0
    assert column.statistic == pytest.approx(0.2)


def test_drift_api_logs_to_the_run(reference, jp_nbops_project, monkeypatch):
    monkeypatch.chdir(jp_nbops_project)
    nbops.snapshot(reference, "reference")
    shifted = reference.assign(x=reference["x"] + 3)
    report = nbops.drift("reference", shifted)
    assert "x" in report.drifted
    run_id = nbops.end_run()
    from nbops.capture.session import current_session

    stored = current_session().store.get_run(run_id)
    assert stored.metrics["drift.psi.x"] > 0.2 and stored.metrics["drift.columns_drifted"] >= 1
    assert "drift" in current_session().store.list_artifacts(run_id)
