"""The snapshot cache of a machine that reads from a tracking server stays under its limit."""

import os
import time

import mlflow
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from nbops.capture.session import Session
from nbops.cli import main
from nbops.data import registry as catalog_module
from nbops.data.cache import cache_folder, cache_limit, parse_size, trim, usage
from nbops.data.snapshot import load, take_snapshot
from nbops.exceptions import ConfigError
from nbops.execution.environments import env_folder
from nbops.names import SNAPSHOT_EXPERIMENT


def write(path, size, age_s):
    """A file of ``size`` bytes last used ``age_s`` seconds ago."""
    path.write_bytes(b"x" * size)
    used = time.time() - age_s
    os.utime(path, (used, used))
    return path


def age(path, age_s):
    used = time.time() - age_s
    os.utime(path, (used, used))


@pytest.mark.parametrize(
    "text, size",
    [("0", 0), ("700", 700), ("20GB", 20 * 1000**3), ("500 mb", 500 * 1000**2), ("2GiB", 2**31)],
)
def test_sizes_are_read_with_their_units(text, size):
    assert parse_size(text, "NBOPS_CACHE_LIMIT") == size


@pytest.mark.parametrize("text", ["lots", "-1GB", "10 parsecs", "GB"])
def test_a_malformed_limit_is_named(monkeypatch, text):
    monkeypatch.setenv("NBOPS_CACHE_LIMIT", text)
    with pytest.raises(ConfigError, match=f"NBOPS_CACHE_LIMIT is {text!r}, which is not a size"):
        cache_limit()


def test_caches_follow_xdg_cache_home_unless_their_own_folder_is_set(tmp_path, monkeypatch):
    for variable in ("NBOPS_CACHE_DIR", "NBOPS_ENV_DIR"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_folder() == tmp_path / "xdg" / "nbops" / "snapshots"
    assert env_folder() == tmp_path / "xdg" / "nbops" / "envs"
    monkeypatch.setenv("NBOPS_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("NBOPS_ENV_DIR", str(tmp_path / "envs"))
    assert cache_folder() == tmp_path / "mine" / "snapshots"
    assert env_folder() == tmp_path / "envs"


def test_the_files_used_longest_ago_go_first_and_files_in_use_stay(tmp_path):
    oldest = write(tmp_path / "a.parquet", 400, 600)
    older = write(tmp_path / "b.parquet", 400, 300)
    newer = write(tmp_path / "c.parquet", 400, 120)
    in_use = write(tmp_path / "d.parquet", 400, 5)
    partial = write(tmp_path / "e.123-4.partial", 10_000, 900)  # still being written
    (tmp_path / "tmpupload").mkdir()  # an upload under way

    assert trim(tmp_path, 900) == [oldest, older]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "c.parquet", "d.parquet", "e.123-4.partial", "tmpupload"
    ]  # fmt: skip
    assert trim(tmp_path, 0) == [newer]  # over the limit, but d was used seconds ago
    assert in_use.exists() and partial.exists()
    assert usage(tmp_path, 0).files == 1


@pytest.fixture
def server_session(jp_nbops_mlflow_server, jp_nbops_project, tmp_path, monkeypatch):
    """A notebook session on a real tracking server, its cache in ``tmp_path / 'cache'``."""
    monkeypatch.setattr(catalog_module, "_server_catalogs", {})  # read this test's settings
    monkeypatch.setenv("NBOPS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(jp_nbops_project)
    sessions = []

    def start(limit):
        monkeypatch.setenv("NBOPS_CACHE_LIMIT", limit)
        sessions.append(Session(capture_environment=False))
        return sessions[-1]

    yield start
    for session in sessions:
        session.close()


def frame(seed):
    """About 370 KB of Parquet that does not compress."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({f"c{i}": rng.random(10_000) for i in range(4)})


def test_a_server_cache_keeps_under_its_limit_and_reads_removed_snapshots_again(
    server_session, tmp_path
):
    session = server_session("900KB")  # two of the frames, not three
    cache = tmp_path / "cache" / "snapshots"
    a, b, c = (take_snapshot(session, frame(n), f"f{n}") for n in range(3))
    assert {a.path, b.path, c.path} <= set(cache.iterdir())  # all in use: none removed yet

    age(a.path, 300)
    age(b.path, 200)
    age(c.path, 100)
    d = take_snapshot(session, frame(3), "f3")  # over the limit: a and b were used longest ago
    assert not a.path.exists() and not b.path.exists()
    assert c.path.exists() and d.path.exists()
    assert usage(cache, 0).size <= 900_000

    age(c.path, 300)
    age(d.path, 200)
    pd.testing.assert_frame_equal(load(session, "f0"), frame(0))  # downloaded and verified again
    assert a.path.exists() and not c.path.exists() and d.path.exists()
    assert usage(cache, 0).size <= 900_000


def test_a_malformed_limit_stops_a_snapshot_before_anything_is_written(
    server_session, jp_nbops_mlflow_server, tmp_path
):
    session = server_session("lots")
    with pytest.raises(ConfigError, match="NBOPS_CACHE_LIMIT is 'lots'"):
        take_snapshot(session, frame(0), "f0")
    client = mlflow.MlflowClient(jp_nbops_mlflow_server.uri)
    assert client.get_experiment_by_name(SNAPSHOT_EXPERIMENT) is None
    assert not (tmp_path / "cache").exists()


def test_cache_commands_show_and_clear_what_is_not_in_use(tmp_path, monkeypatch):
    cache = tmp_path / "cache" / "snapshots"
    cache.mkdir(parents=True)
    write(cache / "a.parquet", 2_000_000, 300)
    write(cache / "b.parquet", 1_000_000, 5)
    monkeypatch.setenv("NBOPS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NBOPS_CACHE_LIMIT", "2GiB")
    runner = CliRunner()

    shown = runner.invoke(main, ["cache", "info"])
    assert shown.exit_code == 0, shown.output
    assert f"folder  {cache}" in shown.output
    assert "holds   2 files, 3.0 MB" in shown.output and "limit   2.1 GB" in shown.output

    cleared = runner.invoke(main, ["cache", "clear"])
    assert cleared.exit_code == 0, cleared.output
    assert f"Removed 1 file (2.0 MB) from {cache}." in cleared.output
    assert "Kept 1 file used in the last minute" in cleared.output
    assert sorted(p.name for p in cache.iterdir()) == ["b.parquet"]

    monkeypatch.setenv("NBOPS_CACHE_LIMIT", "lots")
    refused = runner.invoke(main, ["cache", "info"])
    assert refused.exit_code != 0 and "NBOPS_CACHE_LIMIT is 'lots'" in refused.output
