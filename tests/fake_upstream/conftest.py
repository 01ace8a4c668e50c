"""The fake upstream on a real socket for these tests, and the real openai SDK (sync and async) pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import openai
import pytest

from gateway.demo.fake_upstream import RunningFakeUpstream, run_fake_upstream


@pytest.fixture(scope="session")
def server() -> Iterator[RunningFakeUpstream]:
    with run_fake_upstream() as running:
        yield running


@pytest.fixture
def upstream(server: RunningFakeUpstream) -> RunningFakeUpstream:
    server.app.reset()
    return server


@pytest.fixture
def client(upstream: RunningFakeUpstream) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=upstream.url, api_key="sk-test", max_retries=0, timeout=5) as sdk:
        yield sdk


@pytest.fixture
async def async_client(upstream: RunningFakeUpstream) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(base_url=upstream.url, api_key="sk-test", max_retries=0, timeout=5) as sdk:
        yield sdk
