"""An /admin address no page has (a typo, an old bookmark): the site's "Not found" page, not the API's JSON."""

from __future__ import annotations

from litestar import get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from gateway.domain.quoting import clipped


@get("/{rest:path}", include_in_schema=False, sync_to_thread=False)
def unknown_admin_page(rest: FromPath[str]) -> None:
    """Every GET under /admin that no other page claims: a 404 in the admin layout, with a way back."""
    # Without this route the app itself answered, in JSON, before the admin router's error pages could.
    # A long address is quoted shortened, with its length, as every refusal quotes what it was sent.
    raise NotFoundException(f"There is no admin page at {clipped('/admin' + rest)}.")
