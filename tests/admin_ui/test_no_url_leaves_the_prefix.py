"""Every admin page under https://tools.example.com/feedgate, walked: no URL it hands the browser leaves the prefix.

The pages build their URLs with the prefix (admin_ui.public_urls); nothing rewrites them afterwards.
This walks every page a signed-in admin can reach from the overview (links, panels, fragments, GET
forms), sends every form once, and reads each answer as a browser would: every attribute naming a
URL (href, src, action, formaction, hx-*, data-*-url / data-*-src, url(...) in a style) and every
redirect's Location must be under /feedgate/, through a proxy that strips the prefix and one that
keeps it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from admin_helpers import PASSWORD
from asgi_lifespan import LifespanManager
from page_seed import APP, feedback, interaction_row, issue, store, task
from reverse_proxy import ReverseProxy

import admin_ui.rendering
from gateway.accounts.records import Role
from gateway.app import FeedgateApp, create_app
from gateway.config import Settings

PREFIX = "/feedgate"
PAGE_LIMIT = 120
# htmx's attributes that name a URL (the others name targets, swaps and triggers).
HX_URL_ATTRIBUTES = frozenset({"hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete", "hx-push-url", "hx-replace-url"})
STYLE_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)")


def names_a_url(attribute: str) -> bool:
    """Whether an attribute's value is a URL the browser loads, follows or sends to."""
    return (
        attribute in ("href", "src", "action", "formaction", "poster")
        or attribute in HX_URL_ATTRIBUTES
        or (attribute.startswith("data-") and attribute.endswith(("url", "src")))
    )


class PageUrls(HTMLParser):
    """The URLs one page names, and its forms with the values they would send as they stand."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, URL)
        self.forms: list[dict[str, object]] = []
        self._form: dict[str, object] | None = None
        self._select: str | None = None
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        for name, value in attributes.items():
            if names_a_url(name) and not (name in ("hx-push-url", "hx-replace-url") and value in ("true", "false")):
                self.urls.append((tag, name, value))
            if name == "style":
                self.urls.extend((tag, "style url()", url) for url in STYLE_URL.findall(value))
        if tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            self.urls.append((tag, "refresh", attributes.get("content", "").partition("url=")[2]))
        if tag == "style":
            self._in_style = True
        if tag == "form":
            self._form = {
                "action": attributes.get("action", ""),
                "method": attributes.get("method", "get"),
                "fields": [],
            }
            self.forms.append(self._form)
        fields: list[tuple[str, str]] = self._form["fields"] if self._form else []  # type: ignore[assignment]
        if self._form is None or "name" not in attributes:
            if tag == "option" and self._select and "selected" in attributes and self._form is not None:
                fields.append((self._select, attributes.get("value", "")))
            return
        if (tag == "input" and attributes.get("type") not in ("checkbox", "radio", "submit")) or (
            tag == "input" and "checked" in attributes
        ):
            fields.append((attributes["name"], attributes.get("value", "")))
        elif tag == "textarea":
            fields.append((attributes["name"], "written under a prefix"))
        elif tag == "select":
            self._select = attributes["name"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls.extend(("style", "url()", url) for url in STYLE_URL.findall(data))


def read(page: str) -> PageUrls:
    parser = PageUrls()
    parser.feed(page)
    parser.close()
    return parser


def under_prefix(url: str) -> bool:
    """A URL that stays on the page (#part) or is a path under the public prefix, on this site."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return parts.netloc == "tools.example.com" and (parts.path + "/").startswith(PREFIX + "/")
    return url.startswith(("#", PREFIX + "/")) or url == PREFIX


@pytest.fixture
async def seeded_gateway(settings: Settings) -> AsyncIterator[FeedgateApp]:
    """A gateway under /feedgate holding something for every page: an issue, a task, knowledge, two prompt versions."""
    app = create_app(settings.model_copy(update={"root_path": PREFIX, "admin_https": True}), environ={})
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        services = app.services
        await services.accounts.create("ana", Role.ADMIN, PASSWORD, actor="test")
        await services.accounts.create("ben", Role.REVIEWER, PASSWORD, actor="test")
        ids = await store(app, interaction_row("What is the fee?", "It is 5%"), interaction_row("Fees?", "None"))
        for interaction_id in ids:
            await feedback(app, interaction_id, comment="wrong fee", correction="It is 1%")
        await task(app, ids, issue_id=await issue(app, ids))
        await services.knowledge.service.create(APP, "Fees", "The fee is 1 %.", author="test")
        await services.prompts.service.publish(APP, "Be brief.", "first", "test", activate=True)
        await services.prompts.service.publish(APP, "Name the fee.", "second", "test")
        yield app


@pytest.fixture(params=[False, True], ids=["prefix-stripped", "prefix-kept"])
def browser(request: pytest.FixtureRequest, seeded_gateway: FeedgateApp) -> Callable[[], httpx.AsyncClient]:
    """A browser on https://tools.example.com, through a proxy that strips or keeps /feedgate."""
    return ReverseProxy(seeded_gateway, prefix=PREFIX, keep_prefix=request.param).in_process


class Walk:
    """What a browser met: the pages it read, and every URL or Location that left the prefix."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.read: set[str] = set()
        self.to_read: list[str] = []
        self.forms: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.assets: set[str] = set()
        self.escaped: list[str] = []

    async def request(self, method: str, url: str, data: list[tuple[str, str]] | None = None) -> httpx.Response:
        """Send one request and follow its redirects by hand, checking each Location; the last answer."""
        form: dict[str, list[str]] = {}
        for name, value in data or []:
            form.setdefault(name, []).append(value)
        answer = await self.http.request(method, url, data=form or None)
        for _ in range(5):
            if answer.status_code not in (301, 302, 303, 307, 308):
                break
            location = answer.headers["location"]
            if not under_prefix(location):
                self.escaped.append(f"{method} {url}: redirect to {location!r}")
                break
            answer = await self.http.get(location)
        self.note(f"{method} {url}", answer)
        return answer

    def note(self, where: str, answer: httpx.Response) -> None:
        """Check every URL of an HTML answer; queue its admin pages, assets and forms."""
        assert answer.status_code < 500, (where, answer.status_code, answer.text[:500])
        if not answer.headers.get("content-type", "").startswith("text/html"):
            return
        page = read(answer.text)
        for tag, attribute, url in page.urls:
            if not under_prefix(url):
                self.escaped.append(f"{where}: <{tag} {attribute}={url!r}>")
                continue
            path = url.split("#")[0]
            if not path:
                continue
            if "/static/" in path:
                self.assets.add(path)
            elif attribute not in ("action", "formaction") and path.startswith(f"{PREFIX}/admin"):
                self.to_read.append(path)
        for form in page.forms:
            key = (str(form["method"]).lower(), str(form["action"]))
            self.forms.setdefault(key, list(form["fields"]))  # type: ignore[call-overload]

    async def read_pages(self) -> None:
        while self.to_read and len(self.read) < PAGE_LIMIT:
            url = self.to_read.pop(0)
            if url not in self.read:
                self.read.add(url)
                await self.request("GET", url)


async def test_no_link_form_asset_panel_or_redirect_of_any_admin_page_leaves_the_prefix(browser):
    async with browser() as http:
        walk = Walk(http)
        # Signed out: the root, a page that needs signing in, a page that is not there, an address no store can keep.
        for url in (f"{PREFIX}/", f"{PREFIX}/admin/issues", f"{PREFIX}/admin/no-such-page", f"{PREFIX}/admin/a%00"):
            await walk.request("GET", url)
        sign_in_page = await http.get(f"{PREFIX}/admin/sign-in")
        form = next(fields for (method, action), fields in walk.forms.items() if action.endswith("/sign-in"))
        fields = dict(form) | {"name": "ana", "password": PASSWORD}
        signed_in = await walk.request("POST", f"{PREFIX}/admin/sign-in", data=list(fields.items()))
        assert signed_in.status_code == 200 and sign_in_page.status_code == 200, signed_in.text[:300]

        walk.to_read.append(f"{PREFIX}/admin")
        await walk.read_pages()
        # Every form once, as it stands (GET filters, then POSTs; signing out last): each answer and redirect read.
        sent: set[tuple[str, str]] = set()
        while unsent := [key for key in walk.forms if key not in sent and not key[1].endswith("/sign-out")]:
            for method, action in sorted(unsent, key=lambda key: key[0] != "get"):
                sent.add((method, action))
                fields = walk.forms[(method, action)]
                if method == "get":
                    await walk.request("GET", f"{action}?{urlencode(fields)}")
                else:
                    await walk.request("POST", action, data=fields)
            await walk.read_pages()
        # A panel opened on its own (a new tab): the whole page around it, with its way back.
        panel = next(url for url in sorted(walk.read) if "/overview/" in url)
        walk.note(f"GET {panel} (navigate)", await http.get(panel, headers={"sec-fetch-mode": "navigate"}))
        # Old addresses that lead on: /admin/review/{id} and /admin/prompts/versions.
        task_page = next(url for url in sorted(walk.read) if url.startswith(f"{PREFIX}/admin/reviews/"))
        await walk.request("GET", task_page.replace("/reviews/", "/review/"))
        await walk.request("GET", f"{PREFIX}/admin/prompts/versions")
        sign_out = next(key for key in walk.forms if key[1].endswith("/sign-out"))
        await walk.request("POST", sign_out[1], data=walk.forms[sign_out])
        # A form sent after signing out: the sign-in page holding what it said, and the way back to its page.
        edit = next(key for key in walk.forms if key[1].endswith("/edit"))
        kept = await walk.request("POST", edit[1], data=walk.forms[edit])
        for asset in sorted(walk.assets):
            assert (await http.get(asset)).status_code == 200, asset

    assert not walk.escaped, "\n".join(walk.escaped)
    read = " ".join(sorted(walk.read))
    for page in ("/admin/issues/", "/admin/reviews/", "/admin/interactions/", "/admin/knowledge/", "/admin/prompts/"):
        assert PREFIX + page in read, f"never reached {page}: {read}"
    assert any("/overview/" in url for url in walk.read), read
    assert len(sent) >= 20, sorted(sent)
    assert kept.status_code == 401 and "written under a prefix" in kept.text
    assert {f"{PREFIX}/admin/static/admin.css", f"{PREFIX}/admin/static/panels.js"} <= walk.assets


def test_every_macro_that_builds_a_url_is_imported_with_the_pages_context():
    # url() reads the page's root_path: a macro imported without context would fail on it (KeyError, a 500).
    templates = Path(admin_ui.rendering.TEMPLATES)
    builds_urls = {path.name for path in templates.glob("*.html") if "url(" in path.read_text()}
    imports = [
        (path.name, line)
        for path in templates.glob("*.html")
        for line in path.read_text().splitlines()
        if re.search(r'{% from "(\w+\.html)" import', line) and re.search(r'"(\w+\.html)"', line)[1] in builds_urls  # type: ignore[index]
    ]

    assert imports
    assert [(name, line) for name, line in imports if "with context" not in line] == []
