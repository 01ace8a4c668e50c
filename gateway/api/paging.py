"""Query parameters the admin listings share."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar.params import Parameter

Since = Annotated[datetime | None, Parameter(description="ISO 8601 (UTC when no offset is given); inclusive")]
Until = Annotated[datetime | None, Parameter(description="ISO 8601 (UTC when no offset is given); exclusive")]
Limit = Annotated[int, Parameter(ge=1, le=1000, description="page size, 1 to 1000")]
# Checked by the listing's service: anything but a previous page's next_cursor is a 400.
Cursor = Annotated[
    str | None, Parameter(description="next_cursor of the previous page (opaque; 400 for anything else)")
]
Offset = Annotated[int, Parameter(ge=0, le=1_000_000, description="next_offset of the previous page")]
# Checked by the listing's service, as the cursor is.
StoredAfter = Annotated[
    str | None,
    Parameter(
        description="follow the rows in the order they were stored, oldest first: 'start' (every one), 'now' (those "
        "stored from now on) or next_stored_after of the previous answer (400 for anything else). A row stored late "
        "(a long stream, a replay after a database outage, an import) is listed once, when stored. Reads app (and "
        "model, on /api/interactions) and limit only"
    ),
]
