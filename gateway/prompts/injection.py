"""Putting an instruction version into a request: a new body, never the app's own objects changed.

Chat requests get a system message: before the app's first system message (prepend), after
its system messages (append), or in place of them (replace); an app without one gets ours
first in every mode. Responses API requests get the same three modes on `instructions`.
Developer messages (the newer models' name for system messages) count as the app's own, and
ours takes the role of the app's last one (gateway.fixes.instructions.instruction_role, the
rule a knowledge entry's message follows): "developer" for an app on those, else "system".
"""

from __future__ import annotations

from typing import Any

from gateway.fixes.instructions import SEPARATOR, instruction_role, is_instruction
from gateway.prompts.records import Mode

Json = dict[str, Any]


def inject_chat(body: Json, text: str, mode: Mode) -> Json:
    """A copy of the chat request `body` whose messages carry `text` as a system message, placed by `mode`."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        messages = []
    system_at = [index for index, message in enumerate(messages) if is_instruction(message)]
    # The role the app's instructions use (as for a knowledge entry's message): "developer" for an app on those.
    ours = {"role": instruction_role(messages[system_at[-1]] if system_at else None), "content": text}
    if not system_at:
        new_messages = [ours, *messages]
    elif mode == "prepend":
        first = system_at[0]
        new_messages = [*messages[:first], ours, *messages[first:]]
    elif mode == "append":
        last = system_at[-1] + 1
        new_messages = [*messages[:last], ours, *messages[last:]]
    else:
        first = system_at[0]
        rest = [message for message in messages[first:] if not is_instruction(message)]
        new_messages = [*messages[:first], ours, *rest]
    return {**body, "messages": new_messages}


def inject_responses(body: Json, text: str, mode: Mode) -> Json:
    """A copy of the Responses API request `body` whose `instructions` carry `text`, placed by `mode`."""
    own = body.get("instructions")
    if not isinstance(own, str) or not own.strip() or mode == "replace":
        instructions = text
    elif mode == "prepend":
        instructions = text + SEPARATOR + own
    else:
        instructions = own + SEPARATOR + text
    return {**body, "instructions": instructions}
