"""Errors the domain raises for the caller to show: the HTTP layer maps them to status codes."""

from __future__ import annotations


class InvalidQuery(ValueError):
    """A request the domain refuses as asked (a 400 over HTTP): `field` names the culprit, `message` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    @property
    def refusals(self) -> tuple[InvalidQuery, ...]:
        """Each refusal this one stands for, one field each: itself alone."""
        return (self,)


class InvalidFields(InvalidQuery):
    """Several fields refused at once, so a caller fixes them all in one go: named by the first, said in turn."""

    def __init__(self, refusals: tuple[InvalidQuery, ...]) -> None:
        super().__init__(refusals[0].field, "; ".join(refused.message for refused in refusals))
        self._refusals = refusals

    @property
    def refusals(self) -> tuple[InvalidQuery, ...]:
        """Each field's refusal, in the order the fields are declared."""
        return self._refusals
