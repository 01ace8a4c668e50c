"""The base of the admin API's JSON request bodies."""

from __future__ import annotations

from msgspec import Struct


class RequestBody(Struct, forbid_unknown_fields=True):
    """A request body whose unknown fields are refused (400 naming the field), not silently dropped.

    A typo such as `"instruction"` for `"text"` would otherwise publish an empty change and answer 201.
    Text holding a NUL character is refused too (400 naming the field): PostgreSQL keeps none, and
    a body that reached it would fail there as a 500, or on SQLite match nothing and pass for done.
    """

    def __post_init__(self) -> None:
        """Refuse a text field, or a list of texts, that holds a NUL character."""
        for name in self.__struct_fields__:
            value = getattr(self, name)
            texts = value if isinstance(value, list | tuple) else (value,)
            if any(isinstance(text, str) and "\x00" in text for text in texts):
                raise ValueError(f"'{name}' must not contain NUL characters: no store can keep them")
