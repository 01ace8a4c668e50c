"""The Export page (/admin/export): the training-data export of GET /api/export and `feedgate export`, from a form.

The options are read by the one reader the API and the command share (gateway.export.options), and the Download is
the API's own answer (gateway.api.export.export_download): the same file, byte for byte, for the same options. It
reads and changes nothing, as the API's GET, so it is a GET form, and unaudited as the API's export is. Who may
export is gateway.export.access's one rule (a viewer may: it holds nothing a viewer cannot read page by page).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency

from admin_ui.form_text import refusal_text, refused_field
from admin_ui.query_params import time_box
from admin_ui.rendering import render
from admin_ui.session import require_role
from gateway.api.export import NEXT_STORED_AFTER, export_download
from gateway.domain.errors import InvalidQuery
from gateway.export.access import EXPORT_ROLE
from gateway.export.examples import ExampleSource, FixFilter
from gateway.export.formats import ExportFormat
from gateway.export.options import export_options
from gateway.services import Services

# Each option's box as the form labels it, by the name the reader gives it (its refusals say the label).
LABELS = {
    "format": "Format",
    "app": "App",
    "since": "From (UTC)",
    "until": "Until (UTC)",
    "source": "Source",
    "fixes": "Gateway fixes",
    "stored_after": "Stored after",
}
# Each select's choices as it shows them; "" (the first) leaves the option out.
FORMAT_CHOICES = {
    ExportFormat.CHAT: "chat: OpenAI chat fine-tuning",
    ExportFormat.PREFERENCE: "preference: OpenAI preference pairs (the correction over the original answer)",
    ExportFormat.JSONL: "jsonl: every field of every example, for your own pipeline",
}
SOURCE_CHOICES = {
    "": "both",
    ExampleSource.END_USER_CORRECTION: "end users' corrections",
    ExampleSource.HUMAN_REVIEW: "reviewers' decisions",
}
FIXES_CHOICES = {
    "": "both",
    FixFilter.WITHOUT: "only answers to the request as the app sent it",
    FixFilter.ONLY: "only answers given under a gateway fix (a knowledge note, a prompt version)",
}


def _typed(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Each option as the form sent it ("" for one left out); a fresh form's defaults when nothing was sent."""
    return {name: request.query_params.get(name) or "" for name in LABELS} | (
        {} if "format" in request.query_params else {"format": ExportFormat.CHAT.value}
    )


async def _form_page(
    request: Request[Any, Any, Any],
    services: Services,
    typed: dict[str, str],
    *,
    status_code: int = 200,
    error: str | None = None,
    error_field: str | None = None,
) -> Response[Any]:
    return render(
        request,
        "export.html",
        status_code=status_code,
        form=typed,
        format_choices=FORMAT_CHOICES,
        source_choices=SOURCE_CHOICES,
        fixes_choices=FIXES_CHOICES,
        known_apps=await services.seen_apps.names(),
        # A time the box cannot show stays as typed in a text box (admin_ui.query_params.time_box).
        time_boxes={name: time_box(typed[name]) for name in ("since", "until")},
        next_header=NEXT_STORED_AFTER,
        error=error,
        error_field=error_field,
    )


class ExportPageController(Controller):
    """GET /admin/export and its Download: for the role gateway.export.access names (every signed-in user)."""

    path = "/export"
    guards = [require_role(EXPORT_ROLE)]

    @get("/")
    async def form(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[Any]:
        """The export's options, each at its default (or as the URL gives it)."""
        return await _form_page(request, services, _typed(request))

    @get("/download")
    async def download(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[Any]:
        """The file GET /api/export sends for the same options; a refused option is the form again (400), as typed,
        the message saying what to fix beside it."""
        typed = _typed(request)
        # An empty box is an option left out, as the API's parameter not sent; anything typed is the reader's to judge.
        given = {name: value or None for name, value in typed.items()}
        try:
            options = export_options(
                typed["format"],
                app=given["app"],
                since=given["since"],
                until=given["until"],
                source=given["source"],
                fixes=given["fixes"],
                stored_after=given["stored_after"],
            )
        except InvalidQuery as exc:
            message, field = refusal_text(exc, LABELS), refused_field(exc)
            return await _form_page(request, services, typed, status_code=400, error=message, error_field=field)
        return await export_download(services.engine, options)
