"""`feedgate worker --metrics-port` exports the families the worker records, not the gateway's.

The worker stores no traffic and answers no API call, yet its /metrics listed the writer's gauges
(`feedgate_writer_queue_depth 0.0`, `feedgate_writer_spool_bytes 0.0`) and the request families, always empty
there: a dashboard summing the writer's queue over every target read the worker's zeros as a healthy writer.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.cli_run import FEEDGATE, free_port

pytestmark = pytest.mark.timeout(120)


def test_the_workers_metrics_hold_its_clustering_families_and_none_of_the_gateways(tmp_path: Path):
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("FEEDGATE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env["FEEDGATE_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path}/feedgate.db"
    args = [*FEEDGATE, "worker", "--interval", "3600", "--metrics-port", str(port)]
    process = subprocess.Popen(args, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
                break
            except httpx.ConnectError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "feedgate worker did not serve its metrics"
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=30)

    families = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE feedgate_")}
    assert "feedgate_clustering_pass_seconds" in families
    assert sorted(name for name in families if not name.startswith("feedgate_clustering_")) == []
    # The process's own runtime metrics stay.
    assert "process_resident_memory_bytes" in text
