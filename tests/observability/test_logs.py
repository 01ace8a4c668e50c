"""Log lines: JSON (one object a line) or text, each line about a proxied call naming its interaction."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from gateway.config import Settings
from gateway.observability.context import INTERACTION_ID
from gateway.observability.logs import log_handler, resolved_format
from gateway.proxy.relay import UpstreamBrokeOff

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Everything logged during the test, as the JSON handler writes it."""
    stream = io.StringIO()
    handler = log_handler("json", "info", stream)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def parsed(stream: io.StringIO) -> list[dict]:
    """Every line written, parsed as JSON (fails on any line that is not)."""
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


async def test_a_proxied_calls_log_lines_are_json_naming_its_interaction(
    settings: Settings, unused_url: str, json_lines: io.StringIO
):
    app = create_app(settings.model_copy(update={"upstream_url": unused_url}), environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test") as client,
    ):
        response = await client.post("/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer sk-a"})

    interaction_id = response.headers["x-feedgate-interaction-id"]
    about_the_call = [entry for entry in parsed(json_lines) if entry["logger"] == "feedgate.proxy"]
    assert about_the_call, "the unreachable upstream was not logged"
    assert all(entry["interaction_id"] == interaction_id for entry in about_the_call)
    assert about_the_call[0]["level"] == "warning"
    assert "could not be reached" in about_the_call[0]["message"]


async def test_log_lines_outside_any_call_name_no_interaction(json_lines: io.StringIO):
    logging.getLogger("feedgate.test").info("starting %s", "up")

    (entry,) = parsed(json_lines)
    assert entry["message"] == "starting up"
    assert "interaction_id" not in entry
    assert entry["time"].endswith("+00:00")


async def test_extra_fields_and_exceptions_are_kept_in_the_json_line(json_lines: io.StringIO):
    try:
        raise ValueError("bad row")
    except ValueError:
        logging.getLogger("feedgate.test").exception("could not store", extra={"interaction_id": "i-1", "rows": 3})

    (entry,) = parsed(json_lines)
    assert entry["interaction_id"] == "i-1"
    assert entry["rows"] == 3
    assert "ValueError: bad row" in entry["exception"]


def test_text_lines_name_the_interaction_in_brackets():
    stream = io.StringIO()
    logger = logging.getLogger("feedgate.test.text")
    handler = log_handler("text", "info", stream)
    logger.addHandler(handler)
    bound = INTERACTION_ID.set("0190-abc")
    try:
        logger.warning("upstream slow")
    finally:
        INTERACTION_ID.reset(bound)
        logger.removeHandler(handler)

    line = stream.getvalue().strip()
    assert line.endswith("WARNING feedgate.test.text: upstream slow [interaction 0190-abc]")


def test_text_lines_escape_control_characters_a_client_sent_but_keep_a_tracebacks_lines():
    stream = io.StringIO()
    logger = logging.getLogger("feedgate.test.text")
    handler = log_handler("text", "info", stream)
    logger.addHandler(handler)
    forged = "/admin/x\n2026-12-03 10:00:00 ERROR feedgate.audit: admin token leaked\x1b[2J"
    try:
        logger.error("unhandled error answering POST %s", forged)
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)

    lines = stream.getvalue().splitlines()
    assert lines[0].endswith("/admin/x\\n2026-12-03 10:00:00 ERROR feedgate.audit: admin token leaked\\x1b[2J")
    assert lines[1].endswith("ERROR feedgate.test.text: failed")
    assert lines[2] == "Traceback (most recent call last):" and lines[-1] == "ValueError: boom"


def test_the_servers_traceback_for_an_aborted_stream_is_dropped_and_other_errors_kept():
    stream = io.StringIO()
    logger = logging.getLogger("feedgate.test.aborts")
    handler = log_handler("text", "info", stream)
    logger.addHandler(handler)
    try:
        for error in (UpstreamBrokeOff("connection reset mid-stream"), ValueError("a real bug")):
            try:
                raise error
            except Exception:
                logger.exception("Exception in ASGI application")
    finally:
        logger.removeHandler(handler)

    text = stream.getvalue()
    assert "a real bug" in text
    assert "UpstreamBrokeOff" not in text
    assert text.count("Exception in ASGI application") == 1


def test_auto_is_text_on_a_terminal_and_json_elsewhere():
    leader, follower = os.openpty()
    try:
        with os.fdopen(follower, "w", closefd=False) as terminal:
            assert resolved_format("auto", terminal) == "text"
    finally:
        os.close(leader)
        os.close(follower)
    assert resolved_format("auto", io.StringIO()) == "json"
    assert resolved_format("text", io.StringIO()) == "text"


def test_configure_logging_replaces_the_root_handlers_and_honours_the_level():
    program = (
        "import logging\n"
        "from gateway.observability.logs import configure_logging\n"
        "logging.basicConfig(format='plain %(message)s')\n"
        "configure_logging('auto', 'warning')\n"
        "logging.getLogger('feedgate.x').info('hidden')\n"
        "logging.getLogger('feedgate.x').warning('shown')\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True)

    # stderr is a pipe here, so "auto" writes JSON; basicConfig's plain handler is gone.
    (entry,) = [orjson.loads(line) for line in done.stderr.splitlines()]
    assert (entry["level"], entry["message"]) == ("warning", "shown")


def test_debug_logs_keep_the_gateways_lines_but_never_the_parameters_of_a_database_statement():
    program = (
        "import asyncio, logging, aiosqlite\n"
        "from gateway.observability.logs import configure_logging\n"
        "configure_logging('json', 'debug')\n"
        "logging.getLogger('feedgate.x').debug('shown')\n"
        "async def main():\n"
        "    async with aiosqlite.connect(':memory:') as db:\n"
        "        await db.execute('select ?', ('alice@example.com',))\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True)

    # aiosqlite logs each statement with its parameters at debug: users' prompts, answers and end-user ids.
    assert "shown" in done.stderr
    assert "alice@example.com" not in done.stderr


@pytest.mark.parametrize("level", ["info", "debug"])
def test_a_side_calls_url_with_a_password_or_a_key_in_its_query_never_reaches_the_log(level: str):
    # A title, embedding or merge-judge URL may carry credentials (docs/configuration.md): httpx's own
    # INFO line ("HTTP Request: POST <url> ...") printed each call's whole URL, password and key included.
    program = (
        "import logging, respx, httpx\n"
        "from gateway.observability.logs import configure_logging\n"
        "from gateway.side_call_client import side_call_client\n"
        f"configure_logging('json', {level!r})\n"
        "logging.getLogger('feedgate.x').info('shown')\n"
        "client = side_call_client('http://ops:hunter2pw@models.example/v1?key=QUERYSECRET', None, {}, timeout=5)\n"
        "with respx.mock:\n"
        "    respx.post(host='models.example', path='/v1/embeddings').mock(\n"
        "        return_value=httpx.Response(200, json={'object': 'list', 'model': 'm', 'data': [\n"
        "            {'object': 'embedding', 'index': 0, 'embedding': [0.1]}], 'usage': {'prompt_tokens': 1, 'total_tokens': 1}}))\n"
        "    client.embeddings.create(model='m', input=['hi'])\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True)

    assert "shown" in done.stderr
    assert "hunter2pw" not in done.stderr
    assert "QUERYSECRET" not in done.stderr
