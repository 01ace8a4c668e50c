"""Where the text a fix adds meets the app's own instructions, one rule for prompt versions and knowledge entries.

Chat requests: our message is one of the app's instruction messages (system, or developer: the newer
models' name for them) and takes the role the app uses, that of its last instruction message among
which ours is placed; "system" when it sends none. Responses API requests: the `instructions` string,
the one place the API does not carry over to the next turn (`previous_response_id`, conversations),
joined to the app's own by a blank line.
"""

from __future__ import annotations

from typing import Any, TypeGuard

INSTRUCTION_ROLES = frozenset({"system", "developer"})
# The role of our message when the app sends no instruction message of its own.
DEFAULT_ROLE = "system"
# Between the app's instructions and ours when they share the `instructions` string.
SEPARATOR = "\n\n"


def is_instruction(message: Any) -> TypeGuard[dict[str, Any]]:
    """Whether a chat message (or Responses input item) is one of the app's instructions: system or developer."""
    return isinstance(message, dict) and message.get("role") in INSTRUCTION_ROLES


def instruction_role(last_instruction: Any | None) -> str:
    """The role our chat message takes: that of the app's last instruction message it is placed among
    (`last_instruction`, None when there is none), so an app on "developer" messages gets one, else "system"."""
    return str(last_instruction["role"]) if is_instruction(last_instruction) else DEFAULT_ROLE
