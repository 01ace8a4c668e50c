"""Calls answered with another call's answer: a held call repeated under its Idempotency-Key (gateway.review.held_keys).

The repeat is recorded (it is a call the app made), without the answer, which is the first call's: it is no answer
of its own, and the figures that count answers leave it out (gateway.store.stats).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, type_coerce
from sqlalchemy.dialects.postgresql import JSONB

from gateway.exact_json import dumps_exact
from gateway.store.tables import interactions

# What the gate notes on a repeat's record (among its policies): written by the gate, read by `a_repeat`.
REPEAT_NOTE: dict[str, Any] = {"idempotency_key": "repeated"}


def a_repeat(dialect: str) -> ColumnElement[bool]:
    """Interactions that repeat a held call (their policies hold REPEAT_NOTE); never NULL, so it may be negated."""
    c = interactions.c
    if dialect == "postgresql":
        marked = type_coerce(c.policies, JSONB).contains([REPEAT_NOTE])
    else:
        # The stored text is compact JSON: a quote outside a string is a delimiter, so this pair can only be a
        # key and its value (a text quoting it has its quotes escaped).
        marked = func.instr(c.policies, dumps_exact(REPEAT_NOTE).decode()[1:-1]) > 0
    return func.coalesce(marked, False)
