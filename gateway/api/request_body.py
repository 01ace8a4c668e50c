"""The base of the admin API's JSON request bodies."""

from __future__ import annotations

from msgspec import Struct


class RequestBody(Struct, forbid_unknown_fields=True):
    """A request body whose unknown fields are refused (400 naming the field), not silently dropped.

    A typo such as `"instruction"` for `"text"` would otherwise publish an empty change and answer 201.
    """
