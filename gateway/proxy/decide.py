"""The proxy's decide step: asking an app's policies what to do before and after its call.

A policy that fails (a bug, a store that is down) never fails the call: the request goes
on as the other policies left it, and the failure is logged and noted on the interaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from gateway.proxy.policy import Hold, Policy, PolicyAnswer, PolicyRequest, ReplaceAnswer, ReplaceBody, Resend

logger = logging.getLogger("feedgate.proxy")

Note = dict[str, Any]


@dataclass(slots=True)
class Decided:
    """The outcome of the policies' `before` steps for one call."""

    # The body to send upstream when a policy replaced it (None: the client's bytes, untouched).
    json: dict[str, Any] | None = None
    held: Hold | None = None
    notes: list[Note] = field(default_factory=list)


def policies_for(policies: Sequence[Policy], app: str, endpoint: str) -> Sequence[Policy]:
    """The policies that claim `app`'s calls to `endpoint`, in their configured order."""
    claimed: list[Policy] | None = None
    for policy in policies:
        if policy.applies_to(app, endpoint):
            if claimed is None:
                claimed = []
            claimed.append(policy)
    # An app no policy claims (most calls) gets the shared empty tuple: nothing allocated for it.
    return claimed if claimed is not None else ()


async def decide(policies: Sequence[Policy], request: PolicyRequest) -> Decided:
    """Run each policy's `before` in order; a Hold stops the chain, a ReplaceBody feeds the next policy."""
    decided = Decided()
    for policy in policies:
        try:
            decision = await policy.before(request)
        except Exception as error:  # a broken policy must not fail the call
            logger.exception(
                "policy %s failed before interaction %s; forwarding without it", policy.name, request.interaction_id
            )
            decided.notes.append(
                {"policy": policy.name, "action": "failed", "error": f"{type(error).__name__}: {error}"}
            )
            continue
        if isinstance(decision, ReplaceBody):
            request.json = decided.json = decision.json
            decided.notes.append({"policy": policy.name, "action": "replace_body", **(decision.note or {})})
        elif isinstance(decision, Hold):
            decided.held = decision
            decided.notes.append({"policy": policy.name, "action": "hold", **(decision.note or {})})
            break
        elif decision.note:
            decided.notes.append({"policy": policy.name, "action": "pass", **decision.note})
    return decided


async def observe(
    policies: Sequence[Policy],
    request: PolicyRequest,
    answer: PolicyAnswer,
    notes: list[Note],
    may_resend: bool = True,
) -> Hold | ReplaceAnswer | Resend | None:
    """Run each policy's `after`; for an answer that is not a stream, the first Hold, else the first Resend, else the last ReplaceAnswer wins.

    A policy after a ReplaceAnswer sees the replaced body, so replacements compose in order. A call
    is sent again at most once (`may_resend` is False for the answer to a resend).
    """
    held: Hold | None = None
    resend: Resend | None = None
    replaced: ReplaceAnswer | None = None
    for policy in policies:
        try:
            result = await policy.after(request, answer)
        except Exception as error:  # a broken policy must not fail the call
            logger.exception("policy %s failed after interaction %s", policy.name, request.interaction_id)
            notes.append({"policy": policy.name, "action": "failed", "error": f"{type(error).__name__}: {error}"})
            continue
        if result is None:
            continue
        if answer.stream:
            notes.append(
                {
                    "policy": policy.name,
                    "action": _IGNORED[type(result)],
                    "reason": "the stream had already reached the client",
                }
            )
        elif isinstance(result, ReplaceAnswer):
            if held is None:
                replaced = result
                answer = replace(answer, body=result.body, content_encoding="")
                notes.append({"policy": policy.name, "action": "replace_answer", **(result.note or {})})
        elif isinstance(result, Resend):
            if not may_resend:
                notes.append(
                    {"policy": policy.name, "action": "resend_ignored", "reason": "the call was sent again once"}
                )
            elif held is None and resend is None:
                resend = result
                notes.append({"policy": policy.name, "action": "resend", **(result.note or {})})
        elif held is None:
            held = result
            notes.append({"policy": policy.name, "action": "hold", **(result.note or {})})
    return held or resend or replaced


_IGNORED = {Hold: "hold_ignored", ReplaceAnswer: "replace_ignored", Resend: "resend_ignored"}
