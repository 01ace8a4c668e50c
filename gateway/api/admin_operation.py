"""How an admin API operation is written into the OpenAPI schema: its deprecated query parameters marked as such.

Litestar's parameters have no `deprecated` of their own, so the operation marks those named in
gateway.api.query_parameters.DEPRECATED_NAMES once the framework has made it.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi.spec import Operation, Parameter

from gateway.api.query_parameters import DEPRECATED_NAMES


@dataclass
class AdminOperation(Operation):
    """An admin API operation as the schema gives it (set on each admin handler by gateway.api.admin)."""

    def __post_init__(self) -> None:
        for parameter in self.parameters or []:
            if (
                isinstance(parameter, Parameter)
                and parameter.param_in == "query"
                and parameter.name in DEPRECATED_NAMES
            ):
                parameter.deprecated = True
