"""Query parameters the admin listings share."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar.params import Parameter

Since = Annotated[datetime | None, Parameter(description="ISO 8601 (UTC when no offset is given); inclusive")]
Until = Annotated[datetime | None, Parameter(description="ISO 8601 (UTC when no offset is given); exclusive")]
Limit = Annotated[int, Parameter(ge=1, le=1000, description="page size, 1 to 1000")]
Cursor = Annotated[str | None, Parameter(description="next_cursor of the previous page")]
Offset = Annotated[int, Parameter(ge=0, le=1_000_000, description="next_offset of the previous page")]
