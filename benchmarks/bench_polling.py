"""The lab polling a job whose executed notebook is 50 MB: ``GET /runs`` latency with 20
clients polling ``GET /jobs`` next to the same requests with nobody polling.

Run by hand: ``python benchmarks/bench_polling.py [--seconds S]``. A real ``jupyter server``
with nbops serves a project with 50 runs; one job runs a notebook whose first cell writes 50 MB
of output and whose second cell sleeps (so the job stays RUNNING with its big notebook saved).
Goal: ``GET /runs`` p95 <= 100 ms while 20 clients poll ``GET /jobs`` every 0.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

import nbformat
from scratch import scratch_folder
from tornado.httpclient import AsyncHTTPClient

TOKEN = "bench-token"
BIG = "print('x' * 1_000_000)\n" * 50  # 50 outputs of 1 MB
SEED = """
import sys, pathlib
from nbops.capture.session import Session
session = Session(notebook=pathlib.Path(sys.argv[1]))
for i in range(50):
    session.start_run(f"run {i}")
    session.log_metrics({"rmse": 1.0 / (i + 1)})
    session.end_run()
session.close()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def notebook(path, cells) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, path)


def start_server(root) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root", f"--port={port}",
         f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={TOKEN}"],
        cwd=root, env={**os.environ, "NBOPS_ROOT": str(root)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/nbops/api"
    for _ in range(300):
        try:
            request = urllib.request.Request(f"{url}/config", headers=headers())
            urllib.request.urlopen(request, timeout=2).close()
            return server, url
        except OSError:
            time.sleep(0.2)
    raise SystemExit("jupyter server did not start")


def headers() -> dict[str, str]:
    return {"Authorization": f"token {TOKEN}"}


async def latencies(client, url: str, seconds: float) -> list[float]:
    """Milliseconds of each ``GET /runs`` made one after another for ``seconds``."""
    found = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        await client.fetch(f"{url}/runs?notebook=train.ipynb&limit=50", headers=headers())
        found.append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(0.05)
    return found


async def poll(client, url: str, stop: asyncio.Event) -> int:
    polls = 0
    while not stop.is_set():
        await client.fetch(f"{url}/jobs", headers=headers())
        polls += 1
        await asyncio.sleep(0.5)
    return polls


async def measure(url: str, seconds: float, pollers: int) -> tuple[list[float], int]:
    client = AsyncHTTPClient(max_clients=pollers + 2)
    stop = asyncio.Event()
    polling = [asyncio.create_task(poll(client, url, stop)) for _ in range(pollers)]
    found = await latencies(client, url, seconds)
    stop.set()
    return found, sum(await asyncio.gather(*polling))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    root = scratch_folder()
    (root / "nbops.toml").write_text("")
    notebook(root / "train.ipynb", ["x = 1"])
    notebook(root / "big.ipynb", [BIG, "import time\ntime.sleep(600)"])
    subprocess.run([sys.executable, "-c", SEED, str(root / "train.ipynb")], check=True, cwd=root)
    server, url = start_server(root)
    try:
        quiet, _ = asyncio.run(measure(url, args.seconds, 0))
        body = json.dumps({"notebook": "big.ipynb"}).encode()
        request = urllib.request.Request(f"{url}/jobs", data=body, headers=headers())
        job = json.loads(urllib.request.urlopen(request).read())
        executed = None
        for _ in range(600):  # wait until the 50 MB notebook is saved and the job sleeps
            request = urllib.request.Request(f"{url}/jobs/{job['id']}", headers=headers())
            described = json.loads(urllib.request.urlopen(request).read())
            if described["cells_done"] >= 1:
                executed = described
                break
            time.sleep(0.5)
        assert executed, "the job never finished its first cell"
        busy, polls = asyncio.run(measure(url, args.seconds, 20))
    finally:
        server.terminate()
        server.wait(30)
    print(
        f"GET /runs alone:            p50 {statistics.median(quiet):6.1f} ms  "
        f"p95 {p95(quiet):6.1f} ms  ({len(quiet)} requests)"
    )
    print(
        f"GET /runs, 20 polling /jobs: p50 {statistics.median(busy):6.1f} ms  "
        f"p95 {p95(busy):6.1f} ms  ({len(busy)} requests, {polls} polls of /jobs)"
    )
    print(f"ratio of p95: {p95(busy) / p95(quiet):.2f}x; goal: p95 <= 100 ms")  # fmt: skip


if __name__ == "__main__":
    main()
