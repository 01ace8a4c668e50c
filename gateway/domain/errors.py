"""Errors the domain raises for the caller to show: the HTTP layer maps them to status codes."""

from __future__ import annotations


class InvalidQuery(ValueError):
    """A request the domain refuses as asked (a 400 over HTTP): `field` names the culprit, `message` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
