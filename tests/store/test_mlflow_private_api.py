"""MLflow's private names nbops uses (store/opening.py's ``PRIVATE_API``, and nowhere else),
checked against the MLflow installed: a release that renames or reshapes one fails here, by name,
rather than as a wrong answer somewhere in a run."""

import ast
import importlib
from pathlib import Path

import mlflow
import pytest

from nbops.store.opening import PRIVATE_API, _database_store

PACKAGE = Path(__file__).parents[2] / "python" / "nbops"


def _resolve(name: str):
    module, _, path = name.partition(":")
    found = importlib.import_module(module)
    for part in path.split("."):
        if part.endswith("()"):
            found = getattr(found, part[:-2])
            continue
        found = getattr(found, part)
    return found


@pytest.mark.parametrize("name", [n for n in PRIVATE_API if "()" not in n])
def test_each_private_name_nbops_uses_exists(name):
    try:
        _resolve(name)
    except (ImportError, AttributeError) as err:
        pytest.fail(
            f"MLflow {mlflow.__version__} no longer has {name} ({err}): update store/opening.py"
        )


def test_the_batch_validation_still_takes_and_returns_what_opening_passes():
    from mlflow.entities import Param, RunTag
    from mlflow.utils.validation import _validate_batch_log_data

    found = _validate_batch_log_data([], [Param("a", "1")], [RunTag("t", "x")])
    assert isinstance(found, tuple) and len(found) == 3, (mlflow.__version__, found)
    assert [p.key for p in found[1]] == ["a"] and [t.key for t in found[2]] == ["t"]


def test_a_run_row_still_takes_every_column_opening_fills():
    from mlflow.store.tracking.dbmodels.models import SqlRun

    source = (PACKAGE / "store" / "opening.py").read_text()
    call = next(
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "SqlRun"
    )
    columns = {keyword.arg for keyword in call.keywords}
    missing = columns - set(SqlRun.__table__.columns.keys()) - {"run_uuid"}
    assert not missing, f"MLflow {mlflow.__version__}'s SqlRun has no column {sorted(missing)}"
    assert "run_uuid" in SqlRun.__table__.columns


def test_the_embedded_stores_client_still_reaches_its_sqlalchemy_store(jp_nbops_store):
    database = _database_store(jp_nbops_store)
    assert database is not None, (
        f"MLflow {mlflow.__version__}: MlflowClient()._tracking_client.store is no longer the "
        "SqlAlchemyStore; runs would be opened one request at a time"
    )
    assert callable(getattr(database, "ManagedSessionMaker", None)), (
        f"MLflow {mlflow.__version__}: SqlAlchemyStore has no ManagedSessionMaker"
    )


def test_no_other_module_uses_mlflows_private_names():
    users = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mlflow"):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.Attribute):
                names = [node.attr] if node.attr == "_tracking_client" else []
            if any(n.startswith("_") for n in names):
                users.append(path.relative_to(PACKAGE).as_posix())
    assert set(users) == {"store/opening.py"}
