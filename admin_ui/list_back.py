"""The way back from an item's page to the list it was opened from, with that list's filters, sort and page kept.

A list links each item with `?back=<the list's query string>`; the item page's breadcrumb rebuilds the list's link
from it. Only the list's own filter names are kept, on the list's fixed path: whatever `back` holds (another site's
address, `//host`, junk, a huge value, a filter value the list would refuse), the link can only lead to that list,
at worst unfiltered, and the item page passes on only what that link holds. The item page's forms carry `back` as a
hidden field, and an action's redirect back to the page keeps it (post/redirect/get).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from litestar import Request
from litestar.exceptions import HTTPException
from markupsafe import Markup, escape

from admin_ui.query_params import GivenQuery, QueryParams
from gateway.domain.errors import InvalidQuery

# The longest `back` read: a list's query is far shorter (searches stop at 200 characters, a cursor at its own bound);
# a longer one is not a list's, and is ignored rather than parsed.
MAX_BACK_CHARS = 2000
# The most `name=value` pairs read from `back` (a list has at most a dozen filters).
MAX_BACK_FIELDS = 40
# The parameter (and form field) naming the way back.
BACK = "back"


@dataclass(frozen=True, slots=True)
class ListBack:
    """One list page's way back: its fixed path, the filter, sort and page names its URL takes, and how the list
    reads them (`read`: the list's own reader, raising its 400 or InvalidQuery for a value it refuses)."""

    path: str
    names: tuple[str, ...]
    read: Callable[[QueryParams], object] | None = None

    def kept(self, back: str | None) -> str:
        """The list's own filters in `back`, as a query string ("" when none: the bare list).

        Unknown names are dropped, each name's first non-empty value kept; a `back` too long, not a query string, or
        holding a value the list's reader refuses keeps nothing (only a crafted link holds one: a list showing items
        read its query). What the domain checks later (a cursor, an issue's existence) the list says itself.
        """
        if not back or len(back) > MAX_BACK_CHARS:
            return ""
        try:
            pairs = parse_qsl(back.removeprefix("?"), max_num_fields=MAX_BACK_FIELDS)
        except ValueError:  # more fields than any list has
            return ""
        found: dict[str, str] = {}
        for name, value in pairs:
            # A NUL no list can read (its page would refuse the link): dropped, as junk is.
            if name in self.names and value and "\x00" not in value and name not in found:
                found[name] = value
        if self.read is not None and found:
            try:
                self.read(GivenQuery(found))
            except (HTTPException, InvalidQuery):  # query_params' 400 naming the filter, or the domain's refusal
                return ""
        # In the list's own order, so the same filters make the same link.
        return urlencode([(name, found[name]) for name in self.names if name in found])

    def list_url(self, back: str | None) -> str:
        """The list's link for a breadcrumb: its fixed path with the filters `back` keeps."""
        query = self.kept(back)
        return f"{self.path}?{query}" if query else self.path

    def item_query(self, list_url: str) -> str:
        """What a link from the list at `list_url` to one of its items adds: `?back=…`, or "" for the bare list."""
        query = self.kept(urlsplit(list_url).query)
        return f"?{urlencode({BACK: query})}" if query else ""


def with_back(url: str, back: str) -> str:
    """`url` (an item page, perhaps with a query already) carrying the kept `back` ("": `url` as it is)."""
    if not back:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({BACK: back})}"


def back_field(back: str) -> Markup:
    """The hidden field an item page's forms carry `back` in ("" when the page came from the bare list)."""
    if not back:
        return Markup("")
    return Markup('<input type="hidden" name="{}" value="{}">').format(BACK, escape(back))


async def sent_back(request: Request[Any, Any, Any]) -> str | None:
    """The `back` a request carries: in its URL, else (a form sent to an item page) its hidden field."""
    given = request.query_params.get(BACK)
    if given is not None or request.method != "POST":
        return given
    form = await request.form()
    value = form.get(BACK)
    return value if isinstance(value, str) else None


def back_context(list_back: ListBack, back: str | None) -> Mapping[str, Any]:
    """What an item page's template needs for its breadcrumb and forms: `list_url`, `back_field`, `back_query` (for
    the page's own links and panels that post back to it: "?back=…", or "") and `keep_back` (a link of the page's that
    has a query of its own, such as ?link_id=, with the kept `back` after it)."""
    kept = list_back.kept(back)
    return {
        "list_url": list_back.list_url(back),
        "back_field": back_field(kept),
        "back_query": with_back("", kept),
        "keep_back": lambda url: with_back(url, kept),
    }
