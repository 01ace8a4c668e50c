"""Adding matched entries to a request as one system message that marks them as reference data.

The message is `header`, then each entry through `entry_template` (placeholders {id}, {version},
{title}, {content}, {score}), joined by blank lines, in the order given (score first, then id).
The title is escaped for an XML-like attribute; the content is left as its author wrote it.

Where the message goes:
- chat completions: after the app's own system (or developer) messages at the start of
  `messages`, with the role of the last of them (gateway.fixes.instructions.instruction_role, as a
  prompt version's message; so a "developer"-only app keeps that role); first, as "system", when
  the app has none;
- Responses API: after the app's `instructions` (and a prompt version's, which run first), after a
  blank line, as the instructions when there are none; `input` is left as the app sent it. An input item
  is stored upstream with the turn, so a conversation chained by `previous_response_id` (or held in a
  conversation object) kept one more copy of the reference data per turn; instructions are not carried
  over to the next turn. The message's header still marks it as reference data, not instructions.

The request the app sent is never changed: a new request object is returned.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gateway.fixes.instructions import SEPARATOR, instruction_role, is_instruction
from gateway.knowledge.index import Match

Json = dict[str, Any]
CHAT = "chat.completions"
RESPONSES = "responses"


@dataclass(frozen=True, slots=True)
class InjectionFormat:
    """How the reference message reads (the defaults are settings: gateway.config, knowledge_*)."""

    header: str
    entry_template: str

    def message(self, matches: Sequence[Match]) -> str:
        """The system message's text for `matches`, in their order."""
        blocks = [
            self.entry_template.format(
                id=match.entry.id,
                version=match.entry.version,
                title=html.escape(match.entry.title, quote=True),
                content=match.entry.content,
                score=match.score,
            )
            for match in matches
        ]
        return "\n\n".join([self.header, *blocks]) if self.header else "\n\n".join(blocks)


def check_entry_template(template: str) -> str:
    """`template` if it formats with the documented placeholders; ValueError naming the problem otherwise."""
    try:
        template.format(id="id", version=1, title="t", content="c", score=0.5)
    except (KeyError, IndexError, ValueError) as error:
        placeholders = "{id} {version} {title} {content} {score}"
        raise ValueError(f"entry template {template!r} does not format: use {placeholders} ({error})") from None
    return template


def with_reference(request: Json, endpoint: str, text: str) -> Json | None:
    """A new `request` carrying `text` as a system message; None when its shape leaves no place for one."""
    if endpoint == CHAT:
        messages = request.get("messages")
        if not isinstance(messages, list):
            return None
        return {**request, "messages": _inserted(messages, text)}
    if endpoint == RESPONSES:
        own = request.get("instructions")
        if own is not None and not isinstance(own, str):
            return None
        # Blank instructions say nothing: ours alone, as a prompt version's are.
        return {**request, "instructions": own + SEPARATOR + text if own and own.strip() else text}
    return None


def _inserted(turns: list[Any], text: str) -> list[Any]:
    leading = 0
    while leading < len(turns) and is_instruction(turns[leading]):
        leading += 1
    role = instruction_role(turns[leading - 1] if leading else None)
    return [*turns[:leading], {"role": role, "content": text}, *turns[leading:]]
