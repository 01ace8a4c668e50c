"""Creating once per request: the rule the admin pages' create forms and the API's Idempotency-Key share.

A creation (a knowledge-base entry, a prompt version) may carry a key: a random one each create
form carries, or the API client's `Idempotency-Key` header. The first request with a key creates,
and stores the key in the same transaction; any later one with the same key and the same fields
(a double click, a resend, a retry after a timeout, even sent at once) creates nothing and answers
what the first made. The same key with other fields is refused (KeyReused), naming the fields that
differ: answering the first creation would drop what was sent in silence. As in the IETF draft on
the Idempotency-Key header (and Stripe), a key is bound to what was first sent with it.

A key is kept for KEY_LIFETIME: every retention prune (`feedgate prune`, the scheduled one) drops
older keys, whatever age it prunes interactions at, and without a retention age the schedule of
`serve` and `worker` drops them alone (gateway.privacy.retention), so the table does not grow
forever. A request repeated after that creates anew.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from gateway.domain.errors import InvalidQuery
from gateway.domain.quoting import quoted
from gateway.exact_json import dumps_exact
from gateway.store.idempotency import KeyClaim, KeyUse

T = TypeVar("T")
# What a key may be: 1-255 visible ASCII characters (a UUID, a random token), as the column holds.
MAX_KEY = 255
_KEY = re.compile(rf"[!-~]{{1,{MAX_KEY}}}")
# How the API names the key (the pages name their hidden field idempotency_key).
HEADER = "Idempotency-Key"
# How long a key answers repeats: far past any client's retries (the IETF draft and Stripe keep 24 hours).
KEY_LIFETIME = timedelta(days=7)


class KeyReused(Exception):
    """The key was used before for a request whose fields differ: nothing was created now."""

    def __init__(self, field: str, key: str, subject_id: str, differs: list[str]) -> None:
        self.field = field
        self.subject_id = subject_id
        self.differs = differs
        self.message = (
            f"{field} {quoted(key)} was already used to create {subject_id} from a request that differs in "
            f"{', '.join(differs)}; nothing was created now: send a new key to create another, and repeat a key "
            "only to retry the very same request"
        )
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class Once(Generic[T]):
    """What a keyed creation answers: the thing, and whether an earlier request with the key made it."""

    value: T
    repeated: bool = False


def checked_key(key: str | None, field: str = HEADER) -> str | None:
    """`key` if it can be one (None: no key); InvalidQuery naming `field` otherwise."""
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise InvalidQuery(
            field, f"'{field}' must be 1-{MAX_KEY} visible ASCII characters (a UUID, say), without spaces"
        )
    return key


def key_claim(scope: str, key: str, subject_id: str, fields: Mapping[str, object]) -> KeyClaim:
    """The claim of `key` for creating `subject_id` from `fields` (as checked: what was asked, normalised)."""
    hashes = {name: hashlib.sha256(dumps_exact(value)).hexdigest() for name, value in fields.items()}
    return KeyClaim(scope, key, subject_id, hashes)


def refuse_other_fields(claim: KeyClaim, earlier: KeyUse, field: str = HEADER) -> None:
    """KeyReused unless `claim` asks what `earlier` asked, field by field."""
    names = sorted(set(claim.field_hashes) | set(earlier.field_hashes))
    differs = [name for name in names if claim.field_hashes.get(name) != earlier.field_hashes.get(name)]
    if differs:
        raise KeyReused(field, claim.key, earlier.subject_id, differs)
