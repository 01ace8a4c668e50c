"""Forms refused because the session ended: what the person wrote comes back, in the page, never on the server.

When a form is posted after its session ended (idled out, timed out, signed out in another tab),
or with the token of an earlier session, the CSRF guard refuses it as before and nothing is saved.
The refusal now also carries the post's fields, when all of this holds:

- it came from a form our pages gave this browser (`admin_ui/form_origin.py`): another site's
  post, with or without a session, never has its text kept;
- the action is one of FORMS below, and only that form's fields are kept, each at most as long as
  the form takes it (a longer one, or one holding a NUL, is left out and named); a password is
  never a field here, nor is the CSRF token;
- something was typed in it (a form of buttons and choices needs no keeping: the person lands back
  on its page).

Signed out, the answer is the sign-in page (401) with the fields as hidden inputs; signing in there
shows them again in a form to check and send (`unsent_form.html`), with the new session's token.
Signed in (a form from an earlier session), the answer is that form at once (403). Either way
sending is the person's own click: nothing is sent for them, and nothing is kept on the server.

The forms, and what of each is kept, are listed in admin_ui/unsent_form_list.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from litestar.connection import ASGIConnection
from litestar.datastructures import FormMultiDict

from admin_ui.form_origin import ORIGIN_FIELD as FORM_ORIGIN
from admin_ui.form_origin import from_our_page
from admin_ui.form_text import normalise_line_breaks
from admin_ui.session import safe_next
from admin_ui.unsent_form_list import ALL_FORMS, Field, Form

# How the sign-in form carries an unsent form: its action, its form_origin, and each field as `unsent.<name>`.
ACTION_FIELD = "unsent_action"
ORIGIN_FIELD = "unsent_origin"
FIELD_PREFIX = "unsent."


# A path parameter of an action kept: the characters of our ids, so a kept path never needs quoting.
_PARAMETER = r"[\w.~-]+"


@dataclass(frozen=True, slots=True)
class UnsentForm:
    """A refused post's kept fields, where it goes again, and the page it came from."""

    form: Form
    action: str
    page: str
    origin: str
    values: tuple[tuple[Field, str], ...]
    dropped: tuple[Field, ...]

    @property
    def typed_values(self) -> list[tuple[Field, str]]:
        """The kept fields the person wrote something in."""
        return [(field, value) for field, value in self.values if field.typed and value.strip()]

    @property
    def has_text(self) -> bool:
        """Whether the person wrote anything in it (else there is nothing worth keeping)."""
        return bool(self.typed_values) or any(field.typed for field in self.dropped)

    @property
    def task_id(self) -> str | None:
        """The review task whose page the form is on, when its action names one."""
        found = form_at(self.action)
        return found[1].get("task_id") if found is not None else None

    def sign_in_fields(self) -> list[tuple[str, str]]:
        """The hidden fields the sign-in form carries it in."""
        return [
            (ACTION_FIELD, self.action),
            (ORIGIN_FIELD, self.origin),
            *((FIELD_PREFIX + field.name, value) for field, value in self.values),
        ]


def _pattern(action: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)(?::\w+)?\}", action)
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>{_PARAMETER})" for index, part in enumerate(parts)
    )
    return re.compile(regex)


_PATTERNS = [(_pattern(form.action), form) for form in ALL_FORMS]


def form_at(path: str) -> tuple[Form, dict[str, str]] | None:
    """The listed form that posts to `path`, with the path's parameters; None for any other path."""
    for pattern, form in _PATTERNS:
        matched = pattern.fullmatch(path)
        if matched:
            return form, matched.groupdict()
    return None


def _page(form: Form, parameters: dict[str, str], came_from: object) -> str:
    """The form's page; with the query it was opened with (filters, the app) when `came_from` is that page."""
    page = form.page.format(**parameters)
    if isinstance(came_from, str) and came_from:
        parts = urlsplit(came_from)
        if parts.path == page and parts.query:
            return safe_next(f"{page}?{parts.query}")
    return page


def _kept(form: Form, sent: Callable[[str], object]) -> tuple[tuple[tuple[Field, str], ...], tuple[Field, ...]]:
    values: list[tuple[Field, str]] = []
    dropped: list[Field] = []
    for field in form.fields:
        value = sent(field.name)
        if not isinstance(value, str):  # not sent (an unticked box), or an upload
            continue
        text = normalise_line_breaks(value)
        if len(text) > field.limit or "\x00" in text:
            dropped.append(field)
        else:
            values.append((field, text))
    return tuple(values), tuple(dropped)


def unsent_post(connection: ASGIConnection[Any, Any, Any, Any], sent: FormMultiDict) -> UnsentForm | None:
    """What to keep of a refused post: None unless it came from our page in this browser, to a listed form."""
    origin = sent.get(FORM_ORIGIN)
    if not from_our_page(connection, origin):
        return None
    found = form_at(connection.url.path)
    if found is None:
        return None
    form, parameters = found
    values, dropped = _kept(form, sent.get)
    page = _page(form, parameters, connection.headers.get("referer"))
    return UnsentForm(form, connection.url.path, page, str(origin), values, dropped)


def unsent_sign_in(connection: ASGIConnection[Any, Any, Any, Any], sent: FormMultiDict) -> UnsentForm | None:
    """The unsent form a sign-in form carries: None unless its origin is still this browser's, to a listed form."""
    action, origin = sent.get(ACTION_FIELD), sent.get(ORIGIN_FIELD)
    if not isinstance(action, str) or not from_our_page(connection, origin):
        return None
    found = form_at(action)
    if found is None:
        return None
    form, parameters = found
    values, dropped = _kept(form, lambda name: sent.get(FIELD_PREFIX + name))
    return UnsentForm(form, action, _page(form, parameters, sent.get("next")), str(origin), values, dropped)
