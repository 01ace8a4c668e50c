"""A stream the upstream names otherwise (`text/plain`, no content type, another case) is relayed as a stream.

The recording read such an answer as the stream it is (gateway.recording.record), but the proxy streamed only
an answer whose content type began `text/event-stream`: the app got every token at once, at the end. The proxy
now decides by the recording's own rule (gateway.recording.stream_rule). It runs in process in
front of an upstream on a real socket that sends its events with a pause, once with each upstream client.
"""

from __future__ import annotations

import asyncio

import pytest
from pausing_upstream import FIRST, NOT_STREAMED, REST, STREAMED, Client, PausingUpstream, chunk
from proxy_in_process import passthrough_proxy, raw_upstream

from gateway.proxy.relay import GatewayStopped
from gateway.recording.record import build_interaction_row


@pytest.mark.parametrize("content_type", ["text/plain", "text/plain; charset=utf-8", None, "Text/Event-Stream"])
async def test_a_stream_under_another_name_reaches_the_app_before_the_upstream_has_sent_it_all(serve, content_type):
    upstream = PausingUpstream(content_type)
    async with serve(upstream) as proxy:
        client = Client(proxy, STREAMED)

        first = await client.next_body()  # the upstream holds back the rest until released
        upstream.release.set()
        rest = await client.rest()

    assert first == FIRST
    assert b"".join(message.get("body", b"") for message in rest) == REST


async def test_a_stream_relayed_under_another_name_is_recorded_whole(serve, submitted):
    upstream = PausingUpstream("text/plain")
    async with serve(upstream) as proxy:
        client = Client(proxy, STREAMED)
        await client.next_body()
        upstream.release.set()
        await client.rest()

    row = build_interaction_row(submitted[0])
    assert (row["response_text"], row["finish_reason"], row["error"]) == ("Hello", "stop", None)


async def test_a_stream_whose_first_chunk_holds_only_the_start_of_a_field_is_relayed_as_a_stream(serve):
    # The first bytes tell nothing yet ("da" may be "data:"): the proxy reads on until they do.
    upstream = PausingUpstream("text/plain", first=[b"\xef\xbb\xbf\nda", FIRST[2:]])
    async with serve(upstream) as proxy:
        client = Client(proxy, STREAMED)
        first = await client.next_body()
        upstream.release.set()
        rest = await client.rest()

    assert first == b"\xef\xbb\xbf\nda"
    assert b"".join(message.get("body", b"") for message in rest) == FIRST[2:] + REST


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        (STREAMED, b"upstream overloaded, try later"),  # a stream asked for, plain text that holds no events
        (NOT_STREAMED, FIRST),  # events to a call that asked for one JSON answer: not the rule's stream
    ],
)
async def test_an_answer_under_another_name_that_is_no_stream_of_the_call_is_sent_whole(serve, body, answer):
    upstream = PausingUpstream("text/plain", first=[answer[:10]], rest=answer[10:])
    async with serve(upstream) as proxy:
        client = Client(proxy, body)
        upstream.release.set()
        messages = await client.rest()

    bodies = [message for message in messages if message["type"] == "http.response.body"]
    assert [(message["body"], message["more_body"]) for message in bodies] == [(answer, False)]


async def test_a_stream_under_another_name_cut_by_a_shutdown_ends_in_an_error_event_not_a_second_answer(serve):
    upstream = PausingUpstream("text/plain")
    async with serve(upstream) as proxy:
        client = Client(proxy, STREAMED)
        await client.next_body()
        client.task.cancel()  # the server's graceful-shutdown timeout passed
        with pytest.raises(GatewayStopped):
            await client.task

    messages = [client.messages.get_nowait() for _ in range(client.messages.qsize())]
    assert [message["type"] for message in messages] == ["http.response.body"]
    assert b'"code":"gateway_shutting_down"' in messages[0]["body"]


async def test_an_upstream_that_breaks_off_before_its_first_bytes_tell_anything_is_a_502(upstream_client, submitted):
    async def broken(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n")
        writer.write(chunk(b"\n"))  # a blank line: nothing told yet
        await writer.drain()
        writer.close()

    async with raw_upstream(broken) as url:
        client = Client(passthrough_proxy(url, upstream_client, submitted.append), STREAMED)
        messages = await client.rest()

    assert [message.get("status") for message in messages if message["type"] == "http.response.start"] == [502]
    assert submitted[0].status_code == 502


@pytest.mark.parametrize(
    "content_type", ["Text/Event-Stream", "TEXT/EVENT-STREAM; charset=utf-8", "text/event-stream; charset=utf-8"]
)
async def test_a_named_stream_to_a_call_that_asked_for_none_reaches_the_app_as_it_arrives(serve, content_type):
    # The name alone makes it a stream, by the rule the record reads it with (it was relayed whole at the end).
    upstream = PausingUpstream(content_type)
    async with serve(upstream) as proxy:
        client = Client(proxy, NOT_STREAMED)

        first = await client.next_body()
        upstream.release.set()
        rest = await client.rest()

    assert first == FIRST
    assert b"".join(message.get("body", b"") for message in rest) == REST
