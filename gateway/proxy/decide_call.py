"""The decide step for one recorded call: its app's policies asked before it goes upstream, and what they decided."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from gateway.exact_json import NestedTooDeep, dumps_exact, exactly_parsed
from gateway.proxy.call import ProxyCall
from gateway.proxy.decide import decide, policies_for
from gateway.proxy.policy import Policy, PolicyRequest
from gateway.proxy.refusals import refuse, send_held

Headers = list[tuple[bytes, bytes]]


def repeat_note(answer_of: str) -> str:
    """What a call answered with interaction `answer_of`'s answer records in place of the answer."""
    return f"answered with the answer of interaction {answer_of}, recorded there (a repeat of that call)"


async def body_to_forward(
    all_policies: Sequence[Policy],
    call: ProxyCall,
    request_json: dict[str, Any],
    headers: Headers,
    original: bytes,
    send: Callable[..., Any],
) -> bytes | None:
    """Run the policies that claim this call; the body to forward, or None when one answered in its place."""
    policies = policies_for(all_policies, call.app, call.endpoint)
    if not policies:
        return original
    # A policy may rewrite the body, which then goes out re-encoded: read exactly what the client
    # sent (orjson's float for an integer past 64 bits would reach the upstream otherwise).
    request_json = exactly_parsed(request_json, original)
    request = PolicyRequest(
        call.id, call.app, call.endpoint, request_json, call.end_user, call.metadata, headers, body=original
    )
    call.policies, call.policy_request = policies, request
    decided = await decide(policies, request)
    call.notes = decided.notes
    if decided.held is not None:
        held = decided.held
        call.content_type = "application/json"
        body = held.encoded()
        if held.answer_of is None or held.answer_of == call.id:
            call.fail(held.status, "held by a request policy")
            call.body_chunks.append(body)
        else:
            # Another call's answer (a held call's repeat): it is recorded with that call. Kept here too, it read as
            # a second answer, upstream response id and all: feedback sent by that id landed on this record (the
            # newest carrying it), and the figures counted one more answer.
            call.fail(held.status, repeat_note(held.answer_of))
        await send_held(send, headers, call, held, body)
        return None
    # Re-encoded only when a policy replaced it: otherwise the client's bytes go out untouched.
    if decided.json is None:
        return original
    try:
        return dumps_exact(decided.json)
    except NestedTooDeep as exc:
        # orjson reads 1,024 levels but writes 254: this was an unhandled 500 saying nothing.
        message = f"The request body is {exc}: this app's fixes cannot be applied to it. Send it less deeply nested."
        await refuse(send, headers, call, 400, message, "request_too_deeply_nested")
        return None
