"""Text as the admin forms read it: a browser sends a textarea's line breaks as CRLF, the pages store `\\n`.

The HTML form encoding turns every line break of a textarea into `\\r\\n`; stored as sent, a prompt
edited on a page diffs as every line removed and re-added, and the `\\r` reaches the model. Every
admin form handler reads its text fields through `form_text`. The JSON API stores what its clients
send and does not use this.
"""

from __future__ import annotations

from typing import Any


def normalise_line_breaks(text: str) -> str:
    """`text` with each CRLF, and each lone CR, as one `\\n`."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def form_text(form: Any, name: str) -> str:
    """The form's `name` field as text with `\\n` line breaks; "" when it is missing or not text (an upload)."""
    value = form.get(name)
    return normalise_line_breaks(value) if isinstance(value, str) else ""
