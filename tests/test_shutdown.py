"""Shutting the gateway down: every part is closed, and a part that holds shutdown up is named while it still runs."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time

import httpx
import pytest

from gateway.services_setup import open_services


class SlowToStop:
    """A background part whose close takes `seconds`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.closed = False

    async def close(self) -> None:
        await asyncio.sleep(self.seconds)
        self.closed = True


async def test_a_slow_part_is_named_in_the_log_while_shutdown_waits_for_it(settings, caplog):
    services = await open_services(settings, environ={})
    slow = SlowToStop(0.3)
    services.stats_refresher = slow  # type: ignore[assignment]

    with caplog.at_level(logging.WARNING, logger="feedgate"):
        await services.close(slow_after=0.1)

    assert slow.closed
    warnings = [record.getMessage() for record in caplog.records if record.name == "feedgate"]
    assert warnings[0] == "shutdown: closing the daily stats refresher is taking more than 0.1 s"
    assert re.fullmatch(r"shutdown: closing the daily stats refresher took \d+\.\d s", warnings[1])
    assert len(warnings) == 2


async def test_a_quick_shutdown_logs_nothing(settings, caplog):
    services = await open_services(settings, environ={})

    with caplog.at_level(logging.WARNING, logger="feedgate"):
        # Generous: on a loaded machine a step may take a second; what matters is no word when all is well.
        await services.close(slow_after=10)

    assert [record for record in caplog.records if record.name == "feedgate"] == []


async def test_a_cancelled_shutdown_cancels_the_step_it_was_waiting_for(settings):
    services = await open_services(settings, environ={})
    slow = SlowToStop(30)
    services.stats_refresher = slow  # type: ignore[assignment]
    closing = asyncio.create_task(services.close(slow_after=0.05))
    await asyncio.sleep(0.1)

    closing.cancel()
    await asyncio.gather(closing, return_exceptions=True)

    assert not slow.closed
    assert [task for task in asyncio.all_tasks() if "SlowToStop" in repr(task)] == []
    services.stats_refresher = None
    await services.close()


# Calls still running when the gateway stops: past `shutdown_timeout` the server cancels them, and
# each is answered (503) or cut (a stream) and stored, before a process manager's SIGKILL could
# lose it. Driven through a real socket with httpx, the gateway stopped as SIGTERM stops uvicorn.
SHUTDOWN_TIMEOUT = 0.5
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "tell me a long story"}]}


async def stored(settings, interaction_id):
    """The interaction as the store has it, read by a fresh set of services once the gateway has stopped."""
    services = await open_services(settings, environ={})
    try:
        return await services.interaction_service.find(interaction_id)
    finally:
        await services.close()


def stop_soon(gateway, after: float) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(after), gateway.stop()))
    thread.start()
    return thread


async def call_while_stopping(gateway, upstream, upstream_delay: float) -> httpx.Response:
    """A chat call whose upstream answers after `upstream_delay` s, the gateway told to stop once the upstream has it.

    Stopping at a fixed moment instead raced the call: on a loaded machine the client had not yet connected
    (nor sent its request) when the gateway stopped listening, and the call was refused, never in flight.
    """
    headers = {"authorization": "Bearer sk-app-one", "x-fake-delay": str(upstream_delay)}
    async with httpx.AsyncClient(timeout=10) as client:
        calling = asyncio.create_task(client.post(f"{gateway.url}/chat/completions", json=CHAT, headers=headers))
        while not any(request.path == "/v1/chat/completions" for request in upstream.app.requests):
            if calling.done():  # it ended before reaching the upstream: awaiting it below says how
                break
            await asyncio.sleep(0.01)
        stopping = asyncio.create_task(asyncio.to_thread(gateway.stop))
        answer = await calling
    await stopping
    return answer


async def test_a_stream_still_running_at_the_shutdown_timeout_is_cut_and_stored_as_partial(start_gateway, settings):
    settings = settings.model_copy(update={"shutdown_timeout": SHUTDOWN_TIMEOUT})
    gateway = start_gateway(settings)
    headers = {"authorization": "Bearer sk-app-one", "x-fake-delay": "0.4"}
    received = []
    body = {**CHAT, "stream": True}

    async with (
        httpx.AsyncClient(timeout=10) as client,
        client.stream("POST", f"{gateway.url}/chat/completions", json=body, headers=headers) as answer,
    ):
        interaction_id = answer.headers["x-feedgate-interaction-id"]
        stopping = stop_soon(gateway, 0.1)
        with pytest.raises(httpx.RemoteProtocolError):
            async for chunk in answer.aiter_bytes():
                received.append(chunk)
    await asyncio.to_thread(stopping.join)
    interaction = await stored(settings, interaction_id)

    assert received
    assert interaction is not None
    assert interaction.partial
    assert interaction.error == "the gateway shut down before the answer was complete"
    # The client was told why, in an error event after the last whole one.
    assert b'"code":"gateway_shutting_down"' in b"".join(received)


async def test_a_call_still_waiting_for_its_upstream_at_the_shutdown_timeout_gets_a_503_and_is_stored(
    start_gateway, settings, fake_upstream
):
    settings = settings.model_copy(update={"shutdown_timeout": SHUTDOWN_TIMEOUT})

    answer = await call_while_stopping(start_gateway(settings), fake_upstream, upstream_delay=5)
    interaction = await stored(settings, answer.headers["x-feedgate-interaction-id"])

    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "gateway_shutting_down"
    assert interaction is not None
    assert interaction.status_code == 503


async def test_a_call_that_ends_within_the_shutdown_timeout_is_let_finish(start_gateway, settings, fake_upstream):
    # The call ends about 0.5 s after the stop; a timeout ten times that leaves room for a loaded machine.
    settings = settings.model_copy(update={"shutdown_timeout": 5.0})

    answer = await call_while_stopping(start_gateway(settings), fake_upstream, upstream_delay=0.5)

    assert answer.status_code == 200
    assert answer.json()["choices"][0]["message"]["content"]
