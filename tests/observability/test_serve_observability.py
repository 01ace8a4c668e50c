"""`feedgate serve` as an operator runs it: JSON log lines naming interactions, /metrics over a metrics folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson
import pytest

from tests.ports import free_port

from .recording_process import run_process
from .scrape import sample

FEEDGATE = [sys.executable, "-m", "gateway.cli"]
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
CHAT_200 = {"route": "chat.completions", "status": "200", "upstream": "default"}

pytestmark = pytest.mark.timeout(300)


@contextmanager
def serving(tmp_path: Path, upstream_url: str, *args: str, **env: str) -> Iterator[tuple[str, list[str]]]:
    """`feedgate serve` on a free port until the block ends; (its origin, its stderr lines once stopped)."""
    port = free_port()
    environment = {
        **os.environ,
        "FEEDGATE_UPSTREAM_URL": upstream_url,
        "FEEDGATE_SPOOL_PATH": str(tmp_path / "spool.jsonl"),
        **env,
    }
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = subprocess.Popen(
        [*FEEDGATE, "serve", "--port", str(port), *args],
        cwd=tmp_path,
        env=environment,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    origin = f"http://127.0.0.1:{port}"
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 150
        while True:
            try:
                if httpx.get(f"{origin}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "feedgate serve did not start"
            time.sleep(0.2)
        yield origin, lines
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
        lines.extend(stderr.splitlines())


def chat(origin: str) -> str:
    response = httpx.post(f"{origin}/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer sk-a"})
    assert response.status_code == 200
    return response.headers["x-feedgate-interaction-id"]


def test_serve_writes_json_lines_and_the_access_log_names_each_interaction(tmp_path: Path, fake_upstream):
    with serving(tmp_path, fake_upstream.url, FEEDGATE_ACCESS_LOG="true") as (origin, lines):
        ids = [chat(origin), chat(origin)]

    # stderr is a pipe, so the default log format ("auto") is JSON: every log line is one object.
    entries = [orjson.loads(line) for line in lines if line.startswith("{")]
    assert entries and all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    access_log = [entry for entry in entries if entry["logger"] == "uvicorn.access"]
    accessed = [entry["interaction_id"] for entry in access_log if "interaction_id" in entry]
    assert accessed == ids


def test_serve_with_a_metrics_folder_starts_it_afresh_and_reports_from_it(tmp_path: Path, fake_upstream):
    metrics = tmp_path / "metrics"
    run_process(metrics, calls=5, depth=0)  # left by an earlier run: must not be counted

    with serving(tmp_path, fake_upstream.url, FEEDGATE_METRICS_DIR=str(metrics)) as (origin, _):
        chat(origin)
        chat(origin)
        text = httpx.get(f"{origin}/metrics").text

    assert sample(text, "feedgate_requests_total", **CHAT_200) == 2
    assert any(metrics.glob("counter_*.db"))


def test_serve_with_two_workers_reports_every_workers_calls(tmp_path: Path, fake_upstream):
    metrics = tmp_path / "metrics"
    with serving(tmp_path, fake_upstream.url, "--workers", "2", FEEDGATE_METRICS_DIR=str(metrics)) as (origin, _):
        # /healthz answered from one worker: on a loaded machine the other may still be starting, and then served
        # none of the calls nor had files of its own by the end. Each worker's writer makes its file once it runs.
        deadline = time.monotonic() + 150
        while len(workers_with_files(metrics)) < 2:
            assert time.monotonic() < deadline, f"the second worker never started: {workers_with_files(metrics)}"
            time.sleep(0.2)
        for _ in range(12):
            chat(origin)
        # Each worker moves its calls into the shared files about once a second (and the scraped
        # worker its own at once), so a call served by another worker shows within that second.
        deadline = time.monotonic() + 10
        while sample(httpx.get(f"{origin}/metrics").text, "feedgate_requests_total", **CHAT_200) != 12:
            assert time.monotonic() < deadline, "another worker's calls never reached /metrics"
            time.sleep(0.2)
        scrapes = [httpx.get(f"{origin}/metrics").text for _ in range(4)]

    # Whichever worker answers the scrape, it reports the calls every worker served.
    assert [sample(text, "feedgate_requests_total", **CHAT_200) for text in scrapes] == [12] * 4
    assert len(workers_with_files(metrics)) == 2


def workers_with_files(metrics: Path) -> set[str]:
    """The processes with a live-sum gauge file in the metrics folder (the file names end in their pid)."""
    return {path.name.split("_")[-1] for path in metrics.glob("gauge_livesum_*.db")}


def test_a_second_serve_sharing_the_metrics_folder_keeps_the_first_ones_counts(tmp_path: Path, fake_upstream):
    metrics = {"FEEDGATE_METRICS_DIR": str(tmp_path / "metrics")}
    first_db = {"FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/first.db"}
    second_db = {"FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/second.db"}
    with serving(tmp_path, fake_upstream.url, **metrics, **first_db) as (first, _):
        for _ in range(3):
            chat(first)
        with serving(tmp_path, fake_upstream.url, **metrics, **second_db) as (second, _):
            chat(first)
            chat(second)
            # The other process moves its calls into its files about once a second.
            deadline = time.monotonic() + 10
            while (total := sample(httpx.get(f"{first}/metrics").text, "feedgate_requests_total", **CHAT_200)) != 5:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.2)

    assert total == 5


def test_with_json_logs_every_line_serve_writes_is_a_json_object(tmp_path: Path, fake_upstream):
    # A log collector reading JSON lines chokes on (or drops) a plain-text line, such as a start-up banner.
    with serving(tmp_path, fake_upstream.url, FEEDGATE_LOG_FORMAT="json") as (origin, lines):
        chat(origin)

    assert lines and [line for line in lines if not line.startswith("{")] == []
    assert any(orjson.loads(line)["message"].startswith("Feedgate on http://") for line in lines)
