"""How an admin API operation is written into the OpenAPI schema: each error answer a reference to its shared
component, and its deprecated query parameters marked as such.

The framework writes each documented error inline, and its parameters have no `deprecated` of their own, so
the operation changes both once the framework has made it: the errors of gateway.api.documented_errors'
SHARED_ERRORS, and the parameters named in gateway.api.query_parameters.DEPRECATED_NAMES.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi.spec import Operation, Parameter

from gateway.api.documented_errors import shared_error
from gateway.api.query_parameters import DEPRECATED_NAMES


@dataclass
class AdminOperation(Operation):
    """An admin API operation as the schema gives it (set on each admin handler by gateway.api.admin)."""

    def __post_init__(self) -> None:
        for status in list(self.responses or {}):
            if self.responses is not None and (shared := shared_error(status)) is not None:
                self.responses[status] = shared
        for parameter in self.parameters or []:
            if (
                isinstance(parameter, Parameter)
                and parameter.param_in == "query"
                and parameter.name in DEPRECATED_NAMES
            ):
                parameter.deprecated = True
