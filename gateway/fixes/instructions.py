"""Where the text a fix adds meets the app's own instructions, one rule for prompt versions and knowledge entries.

Responses API requests: the `instructions` string, the one place the API does not carry over to the next turn
(`previous_response_id`, conversations), joined to the app's own by a blank line.
"""

from __future__ import annotations

# Between the app's instructions and ours when they share the `instructions` string.
SEPARATOR = "\n\n"
