"""One rule for requests whose fields depend on a `kind`: a field of another kind is refused, never dropped.

Dropped, a field sent with the wrong kind changed what was made without a word: a prompt fix sent with a
`title` published instructions where an entry was meant. Fix previews (their candidate) and review tasks'
fixes (POST /api/reviews/{id}/fix) both check their fields here, so both answer alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gateway.domain.errors import InvalidQuery

# What a field left out reads as (a default): only a field with something in it was sent.
_LEFT_OUT: tuple[Any, ...] = (None, [], ())


def refuse_other_kinds_fields(kind: str, given: Mapping[str, Any], takes: Sequence[str], what: str) -> None:
    """InvalidQuery naming the first of `given` that holds something and is not one of `takes` (the fields of
    `kind`), with the kind and what it takes; `what` names the thing the kind is of ("candidate", "fix")."""
    stray = [name for name, value in given.items() if name not in takes and value not in _LEFT_OUT]
    if stray:
        listed = ", ".join(f"'{name}'" for name in takes)
        raise InvalidQuery(
            stray[0], f"'{stray[0]}' is not a field of a {kind} {what}, which takes {listed}: is 'kind' right?"
        )
