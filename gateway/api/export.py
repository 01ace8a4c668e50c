"""`/api/export`: the labelled examples as fine-tuning JSON Lines, streamed, for admins.

The same lines `feedgate export` writes for the same options (gateway.export.options checks
both), sent as they are read: memory stays flat however large the export. The tally (lines
written, duplicates left out) is known only once the last line is sent, long after the headers,
and the server sends no HTTP trailers (nor do most clients read them); so it goes to the log.
The admin pages' Download (admin_ui/export.py) sends this same answer, through `export_download`. Who may export
is one rule for both (gateway.export.access): the admin token holds every role, so it meets it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from litestar import get
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.api.admin import AdminController
from gateway.export.examples import ExampleSource, FixFilter
from gateway.export.formats import ExportFormat
from gateway.export.options import ExportOptions, export_filter, export_options
from gateway.export.stream import ExportTally, TrainingExport
from gateway.services import Services
from gateway.store.training_examples import TrainingExampleStore

logger = logging.getLogger("feedgate.export")

NDJSON = "application/x-ndjson"
# The token the next export passes as `stored_after`, known before the first line (gateway.export.options).
NEXT_STORED_AFTER = "x-feedgate-next-stored-after"
# Lines are sent in pieces of about this size: one ASGI message (and HTTP chunk) per line would
# cost a send per line, and a piece this small keeps memory flat all the same.
PIECE_BYTES = 64 * 1024

_TIME = "an ISO 8601 date or time such as 2026-06-01 or 2026-06-01T09:00:00Z (UTC when no offset is given)"
# Text as given: gateway.export.options checks each value, as it does the command line's.
Format = Annotated[str, QueryParameter(name="format", description=f"one of {', '.join(ExportFormat)}")]
App = Annotated[str | None, QueryParameter(description="only this app's examples")]
Since = Annotated[str | None, QueryParameter(description=f"only examples labelled at or after this time: {_TIME}")]
Until = Annotated[str | None, QueryParameter(description=f"only examples labelled before this time: {_TIME}")]
Source = Annotated[
    str | None, QueryParameter(description=f"only examples of this source, one of {', '.join(ExampleSource)}")
]

StoredAfter = Annotated[
    str | None,
    QueryParameter(
        description="only labels stored after this token, in the order stored: 'start' (every label so far), 'now'"
        f" (none so far) or the {NEXT_STORED_AFTER} header of a previous export (or the next --stored-after"
        " `feedgate export` says); not with since or until"
    ),
]
Fixes = Annotated[
    str | None,
    QueryParameter(
        description=f"one of {', '.join(FixFilter)}: only answers given to the request as the app sent it, or only"
        " those given under a gateway fix (a knowledge note, a prompt version); left out, both"
    ),
]


async def _pieces(lines: AsyncIterator[str], tally: ExportTally) -> AsyncIterator[bytes]:
    """The lines, encoded and gathered into pieces of about PIECE_BYTES; the tally logged once the last is sent."""
    piece: list[bytes] = []
    size = 0
    async for line in lines:
        encoded = line.encode()
        piece.append(encoded)
        size += len(encoded)
        if size >= PIECE_BYTES:
            yield b"".join(piece)
            piece, size = [], 0
    if piece:
        yield b"".join(piece)
    logger.info("export over HTTP: %s", tally.summary())


async def _starting_with(first: bytes | None, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """`first` (None: nothing at all), then the rest."""
    if first is None:
        return
    yield first
    async for piece in rest:
        yield piece


class ExportController(AdminController):
    """The training data export."""

    path = "/api/export"
    tags = ["export"]

    @get(
        "/",
        summary="Labelled examples as fine-tuning JSON Lines (chat, preference or jsonl), streamed",
        # The schema would otherwise say JSON: the body is one JSON document per line.
        responses={
            200: ResponseSpec(str, media_type=NDJSON, description="one example per line", generate_examples=False)
        },
        response_headers=[
            ResponseHeader(
                name=NEXT_STORED_AFTER,
                description="with stored_after: the token the next export passes as stored_after to read on",
                documentation_only=True,
            )
        ],
    )
    async def export_examples(
        self,
        services: NamedDependency[Services],
        export_format: Format,
        app: App = None,
        since: Since = None,
        until: Until = None,
        source: Source = None,
        fixes: Fixes = None,
        stored_after: StoredAfter = None,
    ) -> Stream:
        options = export_options(
            export_format, app=app, since=since, until=until, source=source, fixes=fixes, stored_after=stored_after
        )
        return await export_download(services.engine, options)


def export_file_name(options: ExportOptions, at: datetime, next_token: str | None) -> str:
    """The name an export is saved under: its format and time, and for a following export the token to give next
    (a browser saving the file shows no header)."""
    stamp = at.strftime("%Y%m%dT%H%M%SZ")
    following = "" if next_token is None else f"-next-{next_token}"
    return f"feedgate-{options.format}-{stamp}{following}.jsonl"


async def export_download(engine: AsyncEngine, options: ExportOptions) -> Stream:
    """The export `options` ask for, streamed as a file to save: what /api/export and the admin pages' Download send."""
    tally = ExportTally()
    store = TrainingExampleStore(engine)
    where, next_token = await export_filter(options, store.stored_horizons)
    export = TrainingExport(store)
    lines = export.lines(where, options.format, tally, fixes=options.fixes)
    pieces = _pieces(lines, tally)
    # The first piece is read before the headers go: a database that is away when the export
    # starts is the API's usual 503, not a 200 whose body breaks off.
    first = await anext(pieces, None)
    name = export_file_name(options, datetime.now(UTC), next_token)
    headers = {"content-disposition": f'attachment; filename="{name}"'}
    if next_token is not None:
        headers[NEXT_STORED_AFTER] = next_token
    return Stream(_starting_with(first, pieces), media_type=NDJSON, headers=headers)
