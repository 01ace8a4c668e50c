"""Names from clients and upstreams (end users, models, response ids), fitted to the columns that store them."""

from __future__ import annotations

import hashlib

from gateway.domain.blank_text import said_or_none

# The width of the columns holding end users, models and upstream response ids (String(200)).
IDENTIFIER_CHARS = 200
# finish_reason's column.
FINISH_REASON_CHARS = 50
_DIGEST_BYTES = 8


def fitted_identifier(value: str, width: int = IDENTIFIER_CHARS) -> str:
    """`value`, or when longer than `width`, its start and a hash of the whole, `width` characters in all.

    PostgreSQL refuses a longer value (the row was lost); cut plainly, two long ids sharing a start
    would become one, and erasing one end user would erase the other. Erasure fits the id it is
    given the same way before looking it up (feedback names interactions by ids of at most 200).
    """
    if len(value) <= width:
        return value
    digest = hashlib.blake2b(value.encode("utf-8", errors="replace"), digest_size=_DIGEST_BYTES).hexdigest()
    return f"{value[: width - len(digest) - 1]}~{digest}"


def end_user_id(value: str) -> str | None:
    """The end user `value` names, without its blank ends, fitted to its column; None when it says nothing.

    The one rule for every place an end user is named: the `x-feedgate-user` header, a request's `user`
    or `safety_identifier`, feedback's `user_id`, erasure's `user`. A blank name (a template's unset
    variable) was stored as an end user of its own, and a token bound to it refused the widget's vote;
    one of zero-width characters too, which the feedback route refused as blank. No length is refused:
    the proxy takes an id of any length its request can carry, so feedback and erasure must too (they
    refused one past 8,192 characters, and such a user's votes were all refused). The ends go by the
    blank rule (gateway.domain.blank_text), as HTTP drops a header's spaces: a body's `user` of
    " user-8 " was stored with them, and a widget naming "user-8" was refused as another user.
    """
    said = said_or_none(value)
    return None if said is None else fitted_identifier(said)


def end_user_forms(given: str) -> tuple[str, ...]:
    """Every id the end user `given` names may be stored under: as end_user_id reads it, then as given, fitted.

    Migration 0046 trimmed the ids stored before end-user ids lost their blank ends, but some keep them: a long id
    fitted with its ends (the hash of the untrimmed id cannot be redone), rows stored by a gateway of the release
    before still running during the upgrade, and that release's spool files replayed after it. A person asking for
    " user-8 " means both " user-8 " and "user-8". Given without blank ends, the one form: those rows cannot be
    found from "user-8" without reading every row (no index holds the trimmed id). Empty when `given` says nothing.
    """
    named = end_user_id(given)
    if named is None:
        return ()
    as_given = fitted_identifier(given)
    return (named,) if as_given == named else (named, as_given)
