"""Text and numbers as the admin forms read them: a browser sends a textarea's line breaks as CRLF, the pages store `\\n`.

The HTML form encoding turns every line break of a textarea into `\\r\\n`; stored as sent, a prompt
edited on a page diffs as every line removed and re-added, and the `\\r` reaches the model. Every
admin form handler reads its text fields through `form_text`. The JSON API stores what its clients
send and does not use this.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

from gateway.domain.blank_text import said_or_none
from gateway.domain.errors import InvalidQuery
from gateway.domain.quoting import clipped
from gateway.prompts.service import MAX_CANARY_SHARE, MIN_CANARY_SHARE, is_canary_share


class NamesAField(Protocol):
    """A domain refusal that may say which field was asked wrongly (InvalidQuery, AccountError)."""

    @property
    def field(self) -> str | None:
        """The refused field's name as the domain takes it; None when no one field is at fault."""


def normalise_line_breaks(text: str) -> str:
    """`text` with each CRLF, and each lone CR, as one `\\n`."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def form_text(form: Any, name: str) -> str:
    """The form's `name` field as text with `\\n` line breaks; "" when it is missing or not text (an upload)."""
    value = form.get(name)
    return normalise_line_breaks(value) if isinstance(value, str) else ""


def refused_field(exc: NamesAField) -> str | None:
    """The form field a refusal names, for the pages' `invalid` mark (templates/refusal.html): its field without an
    item's index (`tags[2]` is the tags box); None when it names none."""
    return exc.field.split("[", 1)[0] if exc.field else None


def refusal_text(exc: InvalidQuery, labels: Mapping[str, str]) -> str:
    """A service's refusal as a form shows it, a sentence naming each field as the form labels it: the API's names
    quoted ('text') and the refused field named bare (`tags[2] …`, as the knowledge base says it) read “Instructions”,
    “Tags”; a message naming no field is led by the refused field's label ("Search: …"). `labels`: the form's
    label for each field name its service takes; a field it does not label is left as the service said it."""
    message = exc.message
    for name, label in labels.items():
        message = re.sub(rf"'{re.escape(name)}(?:\[\d+\])?'", f"“{label}”", message)
    field = refused_field(exc)
    refused_label = labels.get(field) if field else None
    if field and refused_label and f"“{refused_label}”" not in message:
        # Bare, a name is a word of the sentence too ("no issue with id …"): taken for the field where it opens the
        # message ("title must not be empty"), or anywhere when no word is spelled so ("example_questions").
        start = "" if "_" in field else "^"
        bare = rf"{start}(?<![\w'“.\[]){re.escape(field)}(?:\[\d+\])?(?![\w'”\[])"
        message, named = re.subn(bare, f"“{refused_label}”", message, count=1)
        if not named:
            message = f"{refused_label}: {message}"
    return message if message.endswith((".", "?", "!")) else f"{message}."


def said_back(error: str, kept: Mapping[str, str], labels: Mapping[str, str], typed: frozenset[str]) -> str:
    """`error` with what the person typed in a refused form's `typed` fields said back after it ("Your note: “…”"),
    in the form's order, blank ones left out: for a page that comes back with no form left to hold them."""
    said = [
        f"Your {labels[name].lower()}: “{value}”" for name, value in kept.items() if name in typed and value.strip()
    ]
    if not said:
        return error
    return " ".join([error if error.endswith((".", "?", "!")) else f"{error}.", *said])


def non_blank_lines(text: str) -> list[str]:
    """A one-item-a-line box's items: each line trimmed by the one rule, blank lines (zero-width ones too) left out."""
    return [item for item in map(said_or_none, text.splitlines()) if item is not None]


def canary_share(form: Any, name: str) -> float:
    """The form's canary percentage (`name`) as the share of traffic the prompt service takes (0.1 for 10)."""
    raw = str(form.get(name, "")).strip()
    # Said here in the form's unit: the service's own message speaks of a fraction (0.1).
    message = (
        f"the canary's share must be a percentage from {MIN_CANARY_SHARE * 100:g} to {MAX_CANARY_SHARE * 100:g}, "
        f"e.g. 10; got {clipped(raw) if raw else 'nothing'}"
    )
    try:
        percent = float(raw)
    except ValueError:
        raise InvalidQuery(name, message) from None
    # Rounded off the float's error (99.9 / 100 is 0.9990000000000001), so the range's ends typed are in it.
    share = round(percent / 100, 12)
    if not is_canary_share(share):
        raise InvalidQuery(name, message)
    return share
