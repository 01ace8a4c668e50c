"""Each create form's own idempotency key, so sending the form twice creates one thing.

A page that shows the new-entry or publish form puts a fresh random key in it (`idempotency_key`,
hidden). The service stores the key with what the form created (gateway.domain.idempotency): the
same form sent again, a double click even, answers what the first sending made. A form refused for
its fields keeps its key (nothing was stored under it), so fixing and sending it still creates once;
a form whose key was already used for other fields comes back with a new key, to send deliberately.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

# The hidden field's name: what the pages send, and what a refusal names.
KEY_FIELD = "idempotency_key"
# What a form's key is refused with when it already created something from other fields.
ALREADY_SENT = (
    "This form was already sent once and created {what}; what you sent now differs from it in {differs}, "
    "so nothing was saved. The form below is a fresh one holding your text: send it to create another."
)

# What a key's claim names besides a form's boxes (gateway.domain.idempotency's fields), as a page says it.
CLAIM_WORDS = {
    "author": "who sent it",
    "reviewer": "who sent it",
    "preview": "the preview",
    "task": "the task",
    "kind": "the kind of fix",
}


def differs_text(differs: Iterable[str], labels: Mapping[str, str]) -> str:
    """The fields a reused key's request differs in (KeyReused.differs) as the form labels them (“Content”), each
    once: the API's names ('example_questions', 'canary_share') are no words of the page."""
    said = [
        f"“{labels[name]}”" if name in labels else CLAIM_WORDS.get(name, name.replace("_", " ")) for name in differs
    ]
    return ", ".join(dict.fromkeys(said))


def new_form_key() -> str:
    """A fresh key for one rendering of a create form (192 random bits, URL-safe: visible ASCII)."""
    return secrets.token_urlsafe(24)


def form_keys(form_ids: tuple[str, ...], sent_by: str | None, sent: dict[str, str] | None) -> dict[str, str]:
    """A fresh key for each of a page's keyed forms (`form_ids`), but the form that sent `sent` (`sent_by`), which
    keeps the key it came with: one key shared by a page's forms made sending one form look like a repeat of another."""
    keys = {form_id: new_form_key() for form_id in form_ids}
    kept = (sent or {}).get(KEY_FIELD)
    if sent_by in keys and kept:
        keys[sent_by] = kept
    return keys


def sent_key(form: Any) -> str | None:
    """The key a posted form carries (None: a form from before keys, which creates as it always did)."""
    value = form.get(KEY_FIELD)
    return value if isinstance(value, str) and value else None
