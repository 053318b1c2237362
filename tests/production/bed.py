"""A multi-machine test bed on one machine: PostgreSQL, an MLflow server with proxied artifacts, a
Dask scheduler, and workers that see neither the project folder nor the server's artifact folder.

Each worker runs in its own mount namespace (``unshare --mount``) where those two folders are empty
tmpfs mounts: it reaches the tracking server and the scheduler over loopback, and nothing else of
the lab. See ``../shared/CLUSTER.md`` for the commands this follows.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
AS_ROOT = os.geteuid() == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float, what: str, every: float = 0.2):
    """Poll ``condition`` until it returns something truthy; fail naming ``what`` at the end."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if AS_ROOT else command


class Postgres:
    """A PostgreSQL 15 server in a temporary folder of its own (the ``postgres`` user must reach
    it: pytest's folders are private to root), on a free loopback port."""

    def __init__(self) -> None:
        self.folder, self.port = Path(tempfile.mkdtemp(prefix="nbops-pg-")), free_port()

    def start(self) -> Postgres:
        if AS_ROOT:
            shutil.chown(self.folder, "postgres")
        data, log = self.folder / "data", self.folder / "log"
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        for command in (
            ["initdb", "-D", str(data), "-A", "trust", "-U", "postgres"],
            ["pg_ctl", "-D", str(data), "-l", str(log), "-w", "start", "-o", options],
            ["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "mlflow"],
        ):
            command[0] = str(PG_BIN / command[0])
            subprocess.run(_as_postgres(command), check=True, capture_output=True)
        return self

    @property
    def uri(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/mlflow"

    def stop(self) -> None:
        command = [str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "stop"]
        subprocess.run(_as_postgres(command), capture_output=True, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


class MlflowServer:
    """``mlflow server`` on PostgreSQL with artifacts proxied into ``artifacts``; restartable.

    ``gunicorn`` serves it with gunicorn's workers instead of uvicorn's (MLflow's default), which
    with more than one worker stalls every request after the first on a kept-alive connection
    ~40 ms (uvicorn issue 3149; see docs/operators.md).
    """

    def __init__(
        self,
        backend: str,
        artifacts: Path,
        log: Path,
        workers: int = 1,
        gunicorn: bool = False,
        auth: Path | None = None,
        storage: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.backend, self.artifacts, self.log = backend, artifacts, log
        self.workers, self.gunicorn = workers, gunicorn
        # auth: an auth config file (MLflow's basic-auth app); storage: the artifact options
        # (default: proxied into the folder ``artifacts``)
        self.auth, self.storage, self.env = auth, storage, env or {}
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MlflowServer:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
        storage = self.storage or ["--artifacts-destination", str(self.artifacts)]
        command = [str(BIN / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(self.port),
                   "--backend-store-uri", self.backend, *storage]  # fmt: skip
        if self.auth is not None:
            command += ["--app-name", "basic-auth"]
            env |= {"MLFLOW_AUTH_CONFIG_PATH": str(self.auth),
                    "MLFLOW_FLASK_SERVER_SECRET_KEY": "nbops-test-secret"}  # fmt: skip
        if self.gunicorn:
            command += ["--gunicorn-opts", f"--workers {self.workers}"]
        else:
            command += ["--workers", str(self.workers)]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=log, env=env, start_new_session=True
            )
        wait_until(self._healthy, 120, f"the MLflow server on port {self.port} answering")
        return self

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"mlflow server exited; see {self.log}")
        try:
            with urllib.request.urlopen(f"{self.uri}/health", timeout=2):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is None:
            return
        _stop_group(self.process)
        self.process = None


def _stop_group(process: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM the process group, then SIGKILL what is left of it."""
    with _ignore_lookup():
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(grace)
    with _ignore_lookup():
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class _ignore_lookup:
    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        return kind is ProcessLookupError


ADMIN = ("admin", "admin-pw-12345")


def write_auth_config(folder: Path) -> Path:
    """An auth config for MLflow's basic-auth app: an admin, and READ on everything for every
    other user (a team's usual default: each writes only what they created)."""
    path = folder / "auth.ini"
    path.write_text(
        "[mlflow]\ndefault_permission = READ\n"
        f"database_uri = sqlite:///{folder / 'auth.db'}\n"
        f"admin_username = {ADMIN[0]}\nadmin_password = {ADMIN[1]}\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
    )
    return path


def create_user(server_uri: str, name: str, password: str) -> None:
    """Create a user through the basic-auth app's REST API, as its admin."""
    import base64
    import json

    request = urllib.request.Request(
        f"{server_uri}/api/2.0/mlflow/users/create",
        data=json.dumps({"username": name, "password": password}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": "Basic " + base64.b64encode(":".join(ADMIN).encode()).decode(),
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


class S3Server:
    """moto's S3 server on a free loopback port, with one bucket: a real S3-compatible HTTP
    server for artifacts, proxied by MLflow's server or written by its clients."""

    def __init__(self, log: Path, bucket: str = "nbops-team") -> None:
        self.log, self.bucket, self.port = log, bucket, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        """What a process that reaches the bucket itself sets."""
        return {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test-secret-key",
            "AWS_DEFAULT_REGION": "us-east-1",
            "MLFLOW_S3_ENDPOINT_URL": f"http://127.0.0.1:{self.port}",
        }

    def start(self) -> S3Server:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log, stderr=log, start_new_session=True,
            )  # fmt: skip
        wait_until(self._up, 60, f"moto's S3 server on port {self.port}")
        self.client().create_bucket(Bucket=self.bucket)
        return self

    def _up(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2):
                return True
        except OSError:
            return False

    def client(self):
        import boto3

        env = self.env
        return boto3.client(
            "s3",
            endpoint_url=env["MLFLOW_S3_ENDPOINT_URL"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=env["AWS_DEFAULT_REGION"],
        )

    def keys(self, prefix: str = "") -> list[str]:
        """Every object key under ``prefix`` in the bucket."""
        pages = (
            self.client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self.bucket, Prefix=prefix)
        )
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def stop(self) -> None:
        if self.process is not None:
            _stop_group(self.process, grace=5)
            self.process = None


class DaskCluster:
    """A scheduler and isolated workers; each worker in a mount namespace where ``hidden``
    folders are empty."""

    def __init__(self, folder: Path, hidden: list[Path], env: dict[str, str]) -> None:
        self.folder, self.hidden, self.env = folder, hidden, env
        self.port = free_port()
        self.scheduler: subprocess.Popen | None = None
        self.workers: dict[str, subprocess.Popen] = {}

    @property
    def address(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def start(self, workers: dict[str, dict[str, float]]) -> DaskCluster:
        """Start the scheduler and one worker per name, each with its resources."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "scheduler.log", "ab") as log:  # the child keeps its own handle
            self.scheduler = subprocess.Popen(
                [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                 "--no-dashboard"], stdout=log, stderr=log, start_new_session=True,
            )  # fmt: skip
        for name, resources in workers.items():
            self.start_worker(name, resources)
        self.wait_for_workers(len(workers))
        return self

    def worker_folder(self, name: str) -> Path:
        return self.folder / name

    def cache(self, name: str) -> Path:
        """The snapshot cache of worker ``name`` (inside its private folder)."""
        return self.worker_folder(name) / "cache" / "snapshots"

    def start_worker(self, name: str, resources: dict[str, float]) -> None:
        home = self.worker_folder(name)
        home.mkdir(parents=True, exist_ok=True)
        mounts = " && ".join(f"mount -t tmpfs none {p}" for p in self.hidden)
        spec = ",".join(f"{k}={v:g}" for k, v in resources.items())
        worker = (f"exec {BIN / 'dask'} worker {self.address} --nthreads 1 --name {name} "
                  f"--resources {spec} --local-directory {home} --no-dashboard")  # fmt: skip
        env = {**os.environ, **self.env, "HOME": str(home), "NBOPS_CACHE_DIR": str(home / "cache")}
        with open(home / "worker.log", "ab") as log:
            self.workers[name] = subprocess.Popen(
                ["unshare", "--mount", "sh", "-c", f"{mounts} && {worker}"],
                cwd=home, env=env, stdout=log, stderr=log, start_new_session=True,
            )  # fmt: skip

    def wait_for_workers(self, count: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(count, timeout=60)

    def stop(self) -> None:
        for process in self.workers.values():
            _stop_group(process, grace=5)
        if self.scheduler is not None:
            _stop_group(self.scheduler, grace=5)
