"""`feedgate serve --workers N`: how the workers get the parent's settings (the processes themselves: tests/scale)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_run import free_port

from gateway.config import Settings, load_settings
from gateway.request_limits import RequestLimits
from gateway.serve_workers import (
    ARGUMENTS_ENV,
    ServeArguments,
    remove_orphaned_metrics_dirs,
    uvicorn_options,
    worker_app,
)


def test_a_worker_loads_the_settings_the_parent_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = tmp_path / "feedgate.toml"
    config.write_text('upstream_url = "http://upstream.test/v1"\nknowledge_refresh_seconds = 2\nport = 9000\n')
    monkeypatch.setenv("FEEDGATE_ADMIN_TOKEN", "from-the-environment")
    overrides = {"port": 9100, "workers": 3}
    parent = load_settings(config, **overrides)

    # What the parent hands over, read back in a worker (spawned: the same environment).
    handed = ServeArguments.from_json(ServeArguments(str(config), overrides).to_json())

    assert handed.settings() == parent
    assert (parent.port, parent.workers, parent.admin_token) == (9100, 3, "from-the-environment")


def test_the_worker_factory_says_how_it_is_meant_to_run(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(ARGUMENTS_ENV, raising=False)

    with pytest.raises(RuntimeError, match="feedgate serve --workers N"):
        worker_app()


def test_serve_refuses_fewer_than_one_worker(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "serve", "--workers", "0"],
        env={**os.environ, "FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/unused.db"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 2
    assert "workers" in result.stderr and "greater than or equal to 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_server_takes_its_timeouts_and_slow_client_limits_from_the_settings():
    settings = Settings(shutdown_timeout=7.5, keepalive_timeout=65, request_head_timeout=3, request_body_min_rate=512)

    options = uvicorn_options(settings)

    assert options["timeout_graceful_shutdown"] == 7.5
    assert options["timeout_keep_alive"] == 65
    assert options["http"].keywords["limits"] == RequestLimits(head_timeout=3, body_min_rate=512)


def test_serve_removes_the_metrics_folders_of_serve_processes_that_are_gone(tmp_path: Path):
    gone = subprocess.Popen(["true"])
    gone.wait()  # reaped: no process has its pid now
    orphaned = tmp_path / f"feedgate-metrics-{gone.pid}-abc123"
    running = tmp_path / f"feedgate-metrics-{os.getpid()}-def456"
    unnamed = tmp_path / "feedgate-metrics-ghi789"
    for folder in (orphaned, running, unnamed):
        folder.mkdir()
        (folder / "counter_1.db").write_bytes(b"")

    removed = remove_orphaned_metrics_dirs(tmp_path)

    assert removed == [orphaned]
    assert not orphaned.exists() and running.exists() and unnamed.exists()


def test_serve_with_several_workers_on_sqlite_warns_to_use_postgresql(tmp_path: Path):
    env = {name: value for name, value in os.environ.items() if not name.startswith("FEEDGATE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env |= {
        "FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/f.db",
        "FEEDGATE_SPOOL_PATH": str(tmp_path / "spool.jsonl"),
        "FEEDGATE_LOG_FORMAT": "text",
    }
    command = [sys.executable, "-m", "gateway.cli", "serve", "--workers", "2", "--port", str(free_port())]
    server = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        said = []
        assert server.stderr is not None
        for line in server.stderr:  # up to the line saying it is serving, with its warnings after
            said.append(line)
            if "share one SQLite file" in line or "Uvicorn running" in line or "Started parent" in line:
                break
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)

    assert any("2 processes (FEEDGATE_WORKERS, --workers) share one SQLite file" in line for line in said), said
