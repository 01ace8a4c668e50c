"""Bad input never gets a 5xx: the short form of benchmarks/fuzz_api.py and benchmarks/fuzz_proxy.py.

The API: schemathesis sends a few examples that fit the schema, and a few that do not, to every
operation the OpenAPI schema lists, in process (its ASGI client), with the admin token, on
SQLite and on PostgreSQL (their types and limits differ: NULs in text, 64-bit integers); each
answer, success or error, must also fit the schema (response_schema_conformance).
Feedback: schemathesis's posts name no real interaction, so hand-written bad posts about one go to it too,
on both stores.
The proxy: every hand-written bad request plus a few random ones, over a real socket (framing,
huge headers and hang-ups exist only there); the proxy reads no database, so SQLite only.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import response_schema_conformance

from gateway.app import create_app
from gateway.config import Settings
from gateway.demo.bad_feedback_requests import bad_feedback
from gateway.demo.bad_requests import BadRequest, bad_requests, judge
from gateway.demo.fake_upstream import RunningFakeUpstream
from gateway.demo.fuzz_target import FuzzTarget, running_fuzz_target

ADMIN_TOKEN = "test-admin-token"
ADMIN_HEADERS = {"authorization": f"Bearer {ADMIN_TOKEN}"}
EXAMPLES_PER_MODE = 2
# Generous: on a loaded 2-core machine an in-process call can take seconds; a hang still fails.
CALL_TIMEOUT = 60
MAX_REQUEST_BYTES = 64 * 1024
PROXY_CASES = bad_requests(seed=12, random_count=10, max_request_bytes=MAX_REQUEST_BYTES)
FEEDBACK_CASES = bad_feedback()
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def _settings(database_url: str, upstream_url: str, spool: Path) -> Settings:
    return Settings(
        database_url=database_url,
        upstream_url=upstream_url,
        admin_token=ADMIN_TOKEN,
        spool_path=spool,
        writer_flush_interval=0.02,
        upstream_read_timeout=5.0,
        stats_refresh_interval=0,
    )


def _schema_operations() -> list[str]:
    """Every operation label in the schema, read at collection time (the app is built, not started)."""
    app = create_app(_settings("sqlite+aiosqlite://", "http://127.0.0.1:9/v1", Path("unused.jsonl")), environ={})
    paths = app.api.openapi_schema.to_schema()["paths"]
    return [f"{method.upper()} {path}" for path, item in paths.items() for method in item if method in HTTP_METHODS]


# -- the API, through its OpenAPI schema -------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def api_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database of each kind for the whole module (the fuzz only adds rows)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("fuzz") / "feedgate.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    return url


@pytest.fixture(scope="module")
def api_operations(
    api_database_url: str, fake_upstream_server: RunningFakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, schemathesis.APIOperation]]:
    """The schema's operations by label, bound to an in-process gateway whose lifespan schemathesis runs."""
    spool = tmp_path_factory.mktemp("spool") / "spool.jsonl"
    app = create_app(_settings(api_database_url, fake_upstream_server.url, spool), environ={})
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    yield {found.ok().label: found.ok() for found in schema.get_all_operations()}
    shutdown_lifespans()


def _negatable(operation: schemathesis.APIOperation) -> bool:
    """Whether schemathesis can make invalid input for it (a path parameter alone it cannot)."""
    return bool(len(operation.query) or len(operation.headers) or len(operation.body))


@pytest.mark.parametrize("label", _schema_operations())
def test_api_operation_answers_bad_input_without_a_server_error(
    api_operations: dict[str, schemathesis.APIOperation], label: str
) -> None:
    operation = api_operations[label]
    modes = [GenerationMode.POSITIVE, *([GenerationMode.NEGATIVE] if _negatable(operation) else [])]
    sent = 0
    for mode in modes:

        @settings(
            max_examples=EXAMPLES_PER_MODE,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def send(case: schemathesis.Case) -> None:
            nonlocal sent
            response = case.call(headers=ADMIN_HEADERS, timeout=CALL_TIMEOUT)
            sent += 1
            try:
                case.validate_response(
                    response, checks=[not_a_server_error, response_schema_conformance], headers=ADMIN_HEADERS
                )
            except (Failure, FailureGroup) as exc:
                raise AssertionError(f"{exc}\nReproduce: {case.as_curl_command(headers=ADMIN_HEADERS)}") from None

        # Unsatisfiable: nothing invalid can be made from this operation's parameters.
        with contextlib.suppress(Unsatisfiable):
            send()

    assert sent >= 1


# -- feedback and the proxy, over a socket -------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def feedback_target(request: pytest.FixtureRequest) -> Iterator[FuzzTarget]:
    """A gateway on a real socket on each store, for posts to /v1/feedback."""
    database_url = request.getfixturevalue("postgres_database") if request.param == "postgres" else None
    with running_fuzz_target(database_url, MAX_REQUEST_BYTES) as target:
        yield target


@pytest.fixture(scope="module")
def proxy_target() -> Iterator[FuzzTarget]:
    """A gateway on a real socket with a small request limit, and its own fake upstream."""
    with running_fuzz_target(max_request_bytes=MAX_REQUEST_BYTES) as target:
        yield target


@pytest.mark.parametrize("case", FEEDBACK_CASES, ids=[case.name for case in FEEDBACK_CASES])
def test_feedback_answers_a_bad_post_without_a_server_error(feedback_target: FuzzTarget, case: BadRequest) -> None:
    verdict = judge(feedback_target, case)

    assert verdict.problem is None, f"{case.name}: {verdict.problem}"
    assert verdict.status is not None and verdict.status < 500


@pytest.mark.parametrize("case", PROXY_CASES, ids=[case.name for case in PROXY_CASES])
def test_proxy_answers_a_bad_request_without_a_server_error_and_stays_healthy(
    proxy_target: FuzzTarget, case: BadRequest
) -> None:
    verdict = judge(proxy_target, case)

    assert verdict.problem is None, f"{case.name}: {verdict.problem}"
    assert proxy_target.healthy()


# -- regressions found by the fuzz ---------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the proxy reads no database
async def test_a_request_whose_client_hung_up_mid_body_is_not_forwarded_upstream(gateway, fake_upstream):
    """fuzz_proxy.py found the proxy sending the cut-off body upstream as if it were whole."""
    messages = [
        {"type": "http.request", "body": b'{"model": "gpt-4o-mini", "mess', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": "/v1/chat/completions", "raw_path": b"/v1/chat/completions",
        "query_string": b"", "headers": [(b"authorization", b"Bearer sk-fuzz"), (b"content-length", b"200")],
    }  # fmt: skip
    await gateway(scope, receive, send)

    assert fake_upstream.app.requests == []
    assert sent == []  # nobody is left to answer


# fuzz_api.py on PostgreSQL: these were 500s (PostgreSQL refuses NUL in text and JSON; JSON
# integers past 64 bits cannot be encoded). Refused on both stores alike, naming the field.
UNSTORABLE_TASKS = {
    "NUL in an interaction id": ("interaction_ids", {"interaction_ids": ["a\u0000"]}),
    "NUL in the reason": ("reason", {"reason": "wrong\u0000fee"}),
    "NUL in a tag": ("tags", {"tags": ["t\u0000"]}),
    "NUL in the evidence": ("evidence", {"evidence": {"k": "v\u0000"}}),
    "integer past 64 bits in the evidence": ("evidence", {"evidence": {"n": 2**70}}),
}


@pytest.mark.parametrize("field, change", UNSTORABLE_TASKS.values(), ids=UNSTORABLE_TASKS)
async def test_a_review_task_with_unstorable_values_is_refused_with_a_400_naming_the_field(
    gateway, client, admin_headers, field: str, change: dict
) -> None:
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is the fee?"}]}
    answer = await client.post("/v1/chat/completions", json=chat, headers={"authorization": "Bearer sk-app"})
    interaction_id = answer.headers["x-feedgate-interaction-id"]
    await gateway.services.writer.flush()
    app = (await client.get(f"/api/interactions/{interaction_id}", headers=admin_headers)).json()["app"]
    task = {"app": app, "reason": "wrong fee", "interaction_ids": [interaction_id], **change}

    # The standard library's encoder: orjson (httpx's json=) refuses integers past 64 bits.
    headers = {**admin_headers, "content-type": "application/json"}
    response = await client.post("/api/reviews", content=json.dumps(task), headers=headers)

    assert response.status_code == 400
    assert field in response.text


async def test_restoring_a_knowledge_version_past_32_bits_is_refused_with_a_400(client, admin_headers) -> None:
    """fuzz_api.py on PostgreSQL: a 500 there (the versions column is a 32-bit integer)."""
    response = await client.post("/api/kb/kb-nothing/restore", json={"version": 2**40}, headers=admin_headers)

    assert response.status_code == 400
    assert "version" in response.text
