"""Several gateway processes and a clustering worker against one PostgreSQL database, as deployed.

Gateway A is `feedgate serve --workers 2` (two processes on one port, uvicorn's multi-process mode);
gateway B is a plain `feedgate serve` on a port of its own, so a test can address each gateway;
W is `feedgate worker`. All three are real processes on real sockets, sharing one database, one fake
upstream, one configuration and one spool path; apps call them with the real openai SDK.
PostgreSQL only: the point is one database shared by processes.
"""

from __future__ import annotations

import asyncio
import fcntl
import itertools
import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families
from scale_processes import (
    FEEDGATE,
    GATED_EMBEDDING_MODEL,
    REFRESH_SECONDS,
    START_TIMEOUT,
    FeedgateProcess,
    GatewayProcess,
    free_port,
)
from sqlalchemy import select

from gateway.demo.fake_upstream import RunningFakeUpstream
from gateway.recording.spool_claim import LOCK_SUFFIX
from gateway.store.engine import create_engine
from gateway.store.tables import cluster_runs, interactions

pytestmark = [pytest.mark.postgres, pytest.mark.scale, pytest.mark.timeout(180)]

CALLS_PER_GATEWAY = 20
FEES = {
    "title": "Foreign transfer fees",
    "content": "Transfers to foreign accounts cost 1% of the amount, at least 2 EUR.",
    "example_questions": ["How much does a transfer to a foreign account cost?"],
}
CARDS = {
    "title": "Card delivery",
    "content": "A new card arrives within 5 working days; track it under Cards > Delivery.",
    "example_questions": ["When will my new card arrive?"],
}


@dataclass
class Deployment:
    """The running processes and what they share."""

    a: GatewayProcess
    b: GatewayProcess
    worker: FeedgateProcess
    # The worker's environment, for other clustering commands: the gateways' with the gated model.
    worker_env: dict[str, str]
    workdir: Path
    database_url: str
    upstream: RunningFakeUpstream
    # Where the worker serves its own /metrics (`feedgate worker --metrics-port`).
    worker_metrics_port: int

    @property
    def spool_folder(self) -> Path:
        return Path(self.worker_env["FEEDGATE_SPOOL_PATH"]).parent


@pytest.fixture(scope="module")
def deployment(
    deployment_env: dict[str, str], workdir: Path, scale_database_url: str, scale_upstream: RunningFakeUpstream
) -> Iterator[Deployment]:
    """A (two workers), B and the clustering worker, started together; stopped after the module's tests."""
    # The worker embeds with the gated model: a pass that has complaints to embed holds the
    # clustering lock until the test releases the upstream's gate.
    worker_env = {**deployment_env, "FEEDGATE_EMBEDDING_MODEL": GATED_EMBEDDING_MODEL}
    started: list[FeedgateProcess] = []
    try:
        a = GatewayProcess.serve("gateway-a", deployment_env, workdir, "--workers", "2")
        started.append(a)
        b = GatewayProcess.serve("gateway-b", deployment_env, workdir)
        started.append(b)
        metrics_port = free_port()
        worker_args = ["worker", "--interval", "1", "--metrics-port", str(metrics_port)]
        worker = FeedgateProcess.start("worker", worker_args, worker_env, workdir)
        started.append(worker)
        a.wait_ready()
        b.wait_ready()
        worker.wait_for_output("clustering every")
        yield Deployment(a, b, worker, worker_env, workdir, scale_database_url, scale_upstream, metrics_port)
    finally:
        scale_upstream.app.release()  # a worker waiting on an embedding must not hold up its own stop
        for process in started:
            process.terminate()
        for process in started:
            process.stop()


def sdk(gateway: GatewayProcess, key: str) -> openai.OpenAI:
    """An app's client; no kept-alive connections, so calls to A spread over its workers."""
    no_keepalive = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=10)
    return openai.OpenAI(base_url=gateway.url, api_key=key, max_retries=0, http_client=no_keepalive)


def call(client: openai.OpenAI, question: str = "hello") -> Any:
    """One chat completion through the gateway; the raw response, for its headers."""
    return client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
    )


def query(database_url: str, statement: Any) -> list[Any]:
    """Rows of `statement` on the deployment's database."""

    async def run() -> list[Any]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as connection:
                return list((await connection.execute(statement)).all())
        finally:
            await engine.dispose()

    return asyncio.run(run())


def app_of(gateway: GatewayProcess, interaction_id: str) -> str:
    """The app an interaction was recorded for, once it is stored."""
    deadline = time.monotonic() + 10
    while (response := gateway.admin("GET", f"/api/interactions/{interaction_id}")).status_code == 404:
        assert time.monotonic() < deadline, f"interaction {interaction_id} was never stored"
        time.sleep(0.05)
    assert response.status_code == 200, response.text
    return response.json()["app"]


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def test_every_gateway_process_writes_a_spool_of_its_own(deployment: Deployment):
    def lock_files() -> list[Path]:
        return sorted(deployment.spool_folder.glob(f"*{LOCK_SUFFIX}"))

    # A's two workers and B, all configured with one spool path. A was ready once one of its workers answered:
    # the other may still be starting on a loaded machine, so it has as long as a process has to start.
    wait_until(lambda: len(lock_files()) == 3, START_TIMEOUT, "three gateway processes held spools")
    for lock in lock_files():
        with lock.open("ab") as handle, pytest.raises(BlockingIOError):
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # held by a live process
    owners = {int(match[1]) for lock in lock_files() if (match := re.search(r"\.(\d+)\.jsonl\.lock$", lock.name))}
    assert len(owners) == 2
    assert owners <= {deployment.b.pid, *children_of(deployment.a.pid)}


def children_of(pid: int) -> set[int]:
    """The processes `pid` started (uvicorn's workers, for A)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def test_calls_through_every_gateway_process_are_stored_exactly_once(deployment: Deployment):
    sent: list[str] = []
    for gateway in (deployment.a, deployment.b):
        client = sdk(gateway, "sk-scale-counting-app")
        for n in range(CALLS_PER_GATEWAY):
            raw = call(client, f"question {n} to {gateway.name}")
            assert raw.parse().choices[0].message.content == f"Echo: question {n} to {gateway.name}"
            sent.append(raw.headers["x-feedgate-interaction-id"])
    app = app_of(deployment.b, sent[0])

    def stored_ids() -> list[str]:
        return [
            row.id for row in query(deployment.database_url, select(interactions.c.id).where(interactions.c.app == app))
        ]

    wait_until(lambda: len(stored_ids()) >= len(sent), 15, "every call was stored")
    time.sleep(0.3)  # a few writer cycles more: a duplicate would show up now
    stored = stored_ids()
    assert len(stored) == len(sent) == 2 * CALLS_PER_GATEWAY
    assert sorted(stored) == sorted(sent)


def post_feedback(gateway: GatewayProcess, interaction_id: str, token: str, **signals: Any) -> httpx.Response:
    """What an end user's browser does: the token it was handed, no API key."""
    return httpx.post(
        f"{gateway.url}/feedback",
        json={"interaction_id": interaction_id, **signals},
        headers={"x-feedgate-feedback-token": token},
        timeout=10,
    )


@pytest.mark.parametrize("signer, receiver", [("a", "b"), ("b", "a")])
def test_a_feedback_token_signed_by_one_gateway_is_accepted_by_the_other(
    deployment: Deployment, signer: str, receiver: str
):
    signing, receiving = getattr(deployment, signer), getattr(deployment, receiver)
    raw = call(sdk(signing, "sk-scale-feedback-app"), "Why was my card declined?")
    interaction_id = raw.headers["x-feedgate-interaction-id"]

    response = post_feedback(
        receiving, interaction_id, raw.headers["x-feedgate-feedback-token"], thumbs="down", comment="wrong"
    )

    assert response.status_code in (200, 201), response.text
    assert response.json()["interaction_id"] == interaction_id
    app_of(signing, interaction_id)  # stored
    current = signing.admin("GET", f"/api/interactions/{interaction_id}").json()["feedback"]["current"]
    assert [(f["thumbs"], f["comment"]) for f in current] == [("down", "wrong")]


def test_a_knowledge_entry_created_through_one_gateway_shapes_the_others_next_requests(deployment: Deployment):
    client = sdk(deployment.b, "sk-scale-knowledge-app")
    before = call(client, FEES["example_questions"][0])
    app = app_of(deployment.b, before.headers["x-feedgate-interaction-id"])
    assert last_request_for(deployment.upstream, FEES["example_questions"][0])["messages"][0]["role"] == "user"

    # The app's first entry: B also builds its embedder then (an import, or a model to load), which
    # takes seconds on a busy machine and is not what the refresh interval bounds.
    first = create_entry(deployment.a, app, FEES)
    applied_by(deployment.b, client, deployment.upstream, FEES, first, timeout=60)

    # A later entry reaches B within its refresh interval, plus a little to load it and to poll.
    second = create_entry(deployment.a, app, CARDS)
    took = applied_by(deployment.b, client, deployment.upstream, CARDS, second, timeout=REFRESH_SECONDS + 3)
    assert took < REFRESH_SECONDS + 3


def create_entry(gateway: GatewayProcess, app: str, entry: dict[str, Any]) -> str:
    """Create a knowledge entry through `gateway`'s admin API; its id."""
    created = gateway.admin("POST", "/api/kb", json={"app": app, **entry})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def applied_by(
    gateway: GatewayProcess, client: openai.OpenAI, upstream: RunningFakeUpstream, entry: dict[str, Any],
    entry_id: str, timeout: float,
) -> float:  # fmt: skip
    """Ask `entry`'s question through `gateway` until the upstream receives the entry; the seconds it took.

    The recorded interaction names the entry too.
    """
    question = entry["example_questions"][0]
    started = time.monotonic()
    while True:
        raw = call(client, question)
        messages = last_request_for(upstream, question)["messages"]
        if messages[0]["role"] == "system" and entry["content"] in messages[0]["content"]:
            break
        assert time.monotonic() - started < timeout, f"{gateway.name} did not apply entry {entry_id} within {timeout} s"
        time.sleep(0.05)
    took = time.monotonic() - started
    assert messages[1:] == [{"role": "user", "content": question}]
    interaction_id = raw.headers["x-feedgate-interaction-id"]
    app_of(gateway, interaction_id)  # stored
    [note] = gateway.admin("GET", f"/api/interactions/{interaction_id}").json()["policies"]
    assert (note["policy"], [applied["id"] for applied in note["entries"]]) == ("knowledge", [entry_id])
    return took


def last_request_for(upstream: RunningFakeUpstream, question: str) -> dict[str, Any]:
    """The newest chat request the upstream received whose last message is `question`."""
    for request in reversed(upstream.app.requests):
        if request.path == "/v1/chat/completions" and request.json()["messages"][-1]["content"] == question:
            return request.json()
    raise AssertionError(f"the upstream never received {question!r}")


def test_only_one_clustering_pass_runs_at_a_time(deployment: Deployment):
    # Complaints for the worker's next pass to embed.
    client = sdk(deployment.a, "sk-scale-clustering-app")
    for question in ("My transfer failed", "The transfer did not arrive", "Transfer stuck for days"):
        raw = call(client, question)
        token = raw.headers["x-feedgate-feedback-token"]
        assert post_feedback(deployment.b, raw.headers["x-feedgate-interaction-id"], token, thumbs="down").is_success

    # The worker's pass holds the lock while it waits for the (gated) embeddings.
    wait_until(lambda: embedding_requests(deployment.upstream, GATED_EMBEDDING_MODEL) > 0, 30, "the worker embedded")
    contender = subprocess.run(
        [*FEEDGATE, "cluster"], cwd=deployment.workdir, env=process_env(deployment.worker_env),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert contender.returncode == 2, contender.stdout + contender.stderr
    assert "another clustering pass is running" in contender.stderr

    deployment.upstream.app.release()

    def runs() -> list[Any]:
        columns = select(cluster_runs.c.started_at, cluster_runs.c.finished_at).order_by(cluster_runs.c.started_at)
        return query(deployment.database_url, columns)

    wait_until(lambda: len(runs()) > 0, 60, "the worker's pass recorded its run")
    deployment.worker.assert_running()
    recorded = runs()
    for earlier, later in itertools.pairwise(recorded):
        assert earlier.finished_at <= later.started_at  # passes never overlapped


def test_the_workers_passes_reach_a_scraper_through_its_metrics_port(deployment: Deployment):
    deployment.upstream.app.release()  # the worker's embeddings answer at once
    client = sdk(deployment.a, "sk-scale-scraped-app")
    for question in ("My card was declined", "Card payment refused", "Why is my card declined"):
        raw = call(client, question)
        token = raw.headers["x-feedgate-feedback-token"]
        assert post_feedback(deployment.b, raw.headers["x-feedgate-interaction-id"], token, thumbs="down").is_success
    app = app_of(deployment.a, raw.headers["x-feedgate-interaction-id"])
    metrics_url = f"http://127.0.0.1:{deployment.worker_metrics_port}/metrics"

    def items_scraped() -> float | None:
        for family in text_string_to_metric_families(httpx.get(metrics_url, timeout=5).text):
            for found in family.samples:
                if found.name == "feedgate_clustering_items" and found.labels == {"app": app}:
                    return float(found.value)
        return None

    wait_until(lambda: items_scraped() == 3, 90, "the worker's metrics showed the app's pass")
    assert httpx.get(f"http://127.0.0.1:{deployment.worker_metrics_port}/healthz", timeout=5).json() == {
        "status": "alive"
    }


def embedding_requests(upstream: RunningFakeUpstream, model: str) -> int:
    return sum(1 for r in list(upstream.app.requests) if r.path == "/v1/embeddings" and r.json()["model"] == model)


def process_env(env: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **env}
