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

Every POST under /admin is listed in FORMS (a test checks it): a new form must say what it keeps.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from litestar.connection import ASGIConnection
from litestar.datastructures import FormMultiDict

from admin_ui.form_keys import KEY_FIELD
from admin_ui.form_origin import ORIGIN_FIELD as FORM_ORIGIN
from admin_ui.form_origin import from_our_page
from admin_ui.form_text import normalise_line_breaks
from admin_ui.session import safe_next
from gateway.accounts.rules import MAX_NAME_LENGTH
from gateway.domain.idempotency import MAX_KEY
from gateway.domain.issue_views import MAX_ISSUE_ID
from gateway.domain.issue_views import MAX_TITLE as ISSUE_TITLE
from gateway.knowledge.fields import MAX_APP, MAX_CONTENT, MAX_QUESTION, MAX_QUESTIONS, MAX_TAGS, MAX_TITLE, MAX_VERSION
from gateway.prompts.service import MAX_MESSAGE as MAX_PROMPT_MESSAGE
from gateway.prompts.service import MAX_NAME as MAX_PROMPT_NAME
from gateway.prompts.service import MAX_TEXT as MAX_PROMPT_TEXT

# How the sign-in form carries an unsent form: its action, its form_origin, and each field as `unsent.<name>`.
ACTION_FIELD = "unsent_action"
ORIGIN_FIELD = "unsent_origin"
FIELD_PREFIX = "unsent."

# Bounds the forms set where no service constant says them (review_actions, the issue and goal forms).
REVIEW_TEXT = 20_000
SHORT_NOTE = 2000
GOAL_APP = 200
NUMBER = 20
CHOICE = 40
# A tag is at most 50 characters; the form separates them with ", ".
TAGS_TEXT = MAX_TAGS * (50 + 2)
# One question a line.
QUESTIONS_TEXT = MAX_QUESTIONS * (MAX_QUESTION + 1)

Kind = Literal["text", "line", "choice", "hidden"]
# A path parameter of an action kept: the characters of our ids, so a kept path never needs quoting.
_PARAMETER = r"[\w.~-]+"


@dataclass(frozen=True, slots=True)
class Field:
    """A field a form sends: `text` and `line` are typed (a textarea, an input), `choice` and `hidden` are not."""

    name: str
    label: str
    limit: int
    kind: Kind = "line"

    @property
    def typed(self) -> bool:
        """Whether the person writes this field (rather than picks it, or the page fills it)."""
        return self.kind in ("text", "line")


@dataclass(frozen=True, slots=True)
class Form:
    """A POST route of the admin pages: the page its form is on, and the fields kept when it is refused."""

    action: str  # the route's path as Litestar names it: "/admin/knowledge/{entry_id:str}/edit"
    page: str  # the page the form is on, with the action's parameters: "/admin/knowledge/{entry_id}"
    send: str = ""  # the button that sends it again: "Save the entry"
    fields: tuple[Field, ...] = ()  # none: buttons and choices only, nothing typed to keep


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


# A create form's own key (admin_ui.form_keys), kept so the form sent again after signing in still creates once.
FORM_KEY = Field(KEY_FIELD, "", MAX_KEY, "hidden")


def _knowledge_fields() -> tuple[Field, ...]:
    return (
        Field("title", "Title", MAX_TITLE),
        Field("content", "Content", MAX_CONTENT, "text"),
        Field("example_questions", "Example questions (one a line)", QUESTIONS_TEXT, "text"),
        Field("tags", "Tags (comma-separated)", TAGS_TEXT),
    )


def _rollout_fields() -> tuple[Field, ...]:
    # How a new prompt version goes out (a review task's fix form, a preview made live): admin_ui.form_text.canary_share.
    return (
        Field("message", "What changed", MAX_PROMPT_MESSAGE),
        Field("rollout", "Roll out", CHOICE, "choice"),
        Field("canary_percent", "Canary share (%), for a canary only", 10),
    )


def _seen_issue() -> tuple[Field, ...]:
    # The issue as the page showed it (IssueView); the title at most as long as any issue's.
    return (
        Field("expected_status", "The issue's status as the page showed it", CHOICE, "hidden"),
        Field("expected_title", "The issue's title as the page showed it", ISSUE_TITLE, "hidden"),
        Field("expected_merged_into", "The issue it was merged into as the page showed it", MAX_ISSUE_ID, "hidden"),
    )


_ALL_FORMS = (
    # Overview: goals.
    Form(
        "/admin/goals",
        "/admin",
        "Set the goal",
        (
            Field("kind", "", CHOICE, "hidden"),
            Field("app", "App", GOAL_APP),
            Field("reduction", "By (%)", NUMBER),
            Field("months", "Within (months)", NUMBER),
            Field("share", "Share (%)", NUMBER),
            Field("hours", "Within (hours)", NUMBER),
        ),
    ),
    Form("/admin/goals/{goal_id:str}/delete", "/admin"),
    # Users: the password of a new user is never kept.
    Form(
        "/admin/users",
        "/admin/users",
        "Add the user (type the password again)",
        (Field("name", "Name", MAX_NAME_LENGTH), Field("role", "Role", CHOICE, "choice")),
    ),
    Form("/admin/users/role", "/admin/users"),
    Form("/admin/users/disable", "/admin/users"),
    Form("/admin/users/enable", "/admin/users"),
    # Issues.
    Form(
        "/admin/issues/{issue_id:str}/status",
        "/admin/issues/{issue_id}",
        "Change the status",
        (Field("status", "New status", CHOICE, "choice"), *_seen_issue(), Field("note", "Note", SHORT_NOTE)),
    ),
    Form(
        "/admin/issues/{issue_id:str}/rename",
        "/admin/issues/{issue_id}",
        "Rename the issue",
        (*_seen_issue(), Field("title", "New title", ISSUE_TITLE)),
    ),
    Form(
        "/admin/issues/{issue_id:str}/review",
        "/admin/issues/{issue_id}",
        "Open the review task",
        (Field("priority", "Priority", CHOICE, "choice"), Field("reason", "Reason", SHORT_NOTE)),
    ),
    Form("/admin/issues/{issue_id:str}/merge", "/admin/issues/{issue_id}"),
    # Review tasks.
    Form("/admin/reviews/{task_id:str}/claim", "/admin/reviews/{task_id}"),
    Form("/admin/reviews/{task_id:str}/release", "/admin/reviews/{task_id}"),
    # A choice among names only: nothing typed to keep.
    Form("/admin/reviews/{task_id:str}/assign", "/admin/reviews/{task_id}"),
    Form(
        "/admin/reviews/{task_id:str}/decide",
        "/admin/reviews/{task_id}",
        "Send the decision",
        (
            Field("outcome", "Decision", CHOICE, "choice"),
            Field("correction", "Correction", REVIEW_TEXT, "text"),
            Field("comment", "Comment", REVIEW_TEXT),
            FORM_KEY,
        ),
    ),
    Form(
        "/admin/reviews/{task_id:str}/dismiss",
        "/admin/reviews/{task_id}",
        "Dismiss the task",
        (Field("note", "Why dismiss", SHORT_NOTE),),
    ),
    Form(
        "/admin/reviews/{task_id:str}/reopen",
        "/admin/reviews/{task_id}",
        "Reopen the task",
        (Field("note", "Why reopen", SHORT_NOTE),),
    ),
    Form(
        "/admin/reviews/{task_id:str}/second-opinion",
        "/admin/reviews/{task_id}",
        "Ask for a second opinion",
        (Field("note", "Why two", SHORT_NOTE),),
    ),
    Form(
        "/admin/reviews/{task_id:str}/fix/knowledge",
        "/admin/reviews/{task_id}",
        "Add the entry and resolve",
        (
            Field("title", "Title", 500),
            Field("content", "Content", REVIEW_TEXT, "text"),
            Field("example_questions", "Example questions, one a line", REVIEW_TEXT, "text"),
            Field("comment", "Comment", REVIEW_TEXT),
            FORM_KEY,
        ),
    ),
    Form(
        "/admin/reviews/{task_id:str}/fix/linked",
        "/admin/reviews/{task_id}",
        "Resolve by this fix",
        (Field("link_id", "The fix", CHOICE, "choice"), Field("comment", "Comment", REVIEW_TEXT)),
    ),
    Form(
        "/admin/reviews/{task_id:str}/fix/prompt",
        "/admin/reviews/{task_id}",
        "Publish and resolve",
        (
            Field("text", "Instructions", MAX_PROMPT_TEXT, "text"),
            *_rollout_fields(),
            FORM_KEY,
        ),
    ),
    # Prompts.
    Form(
        "/admin/prompts/publish",
        "/admin/prompts",
        "Publish the version",
        (
            Field("app", "App", MAX_PROMPT_NAME),
            Field("model", "Model (empty: every model)", MAX_PROMPT_NAME),
            Field("text", "Instructions", MAX_PROMPT_TEXT, "text"),
            Field("message", "What changed", MAX_PROMPT_MESSAGE),
            Field("mode", "Mode", CHOICE, "choice"),
            Field("rollout", "Rollout", CHOICE, "choice"),
            Field("share_percent", "Canary share (%)", NUMBER),
            FORM_KEY,
        ),
    ),
    Form("/admin/prompts/mode", "/admin/prompts"),
    Form("/admin/prompts/{version_id:str}/activate", "/admin/prompts"),
    Form("/admin/prompts/{version_id:str}/canary", "/admin/prompts"),
    Form("/admin/prompts/{version_id:str}/promote", "/admin/prompts"),
    Form("/admin/prompts/{version_id:str}/rollback", "/admin/prompts"),
    # Knowledge.
    Form(
        "/admin/knowledge",
        "/admin/knowledge",
        "Save the new entry",
        (Field("app", "App", MAX_APP), *_knowledge_fields(), Field("active", "Active", CHOICE, "choice"), FORM_KEY),
    ),
    Form(
        "/admin/knowledge/{entry_id:str}/edit",
        "/admin/knowledge/{entry_id}",
        "Save the new version",
        (*_knowledge_fields(), Field("expected_version", "", len(str(MAX_VERSION)), "hidden")),
    ),
    Form("/admin/knowledge/{entry_id:str}/activate", "/admin/knowledge/{entry_id}"),
    Form("/admin/knowledge/{entry_id:str}/deactivate", "/admin/knowledge/{entry_id}"),
    Form("/admin/knowledge/{entry_id:str}/restore", "/admin/knowledge/{entry_id}"),
    # Fix previews. The upstream key a pass-through preview may carry is never kept, as a password is not.
    Form(
        "/admin/issues/{issue_id:str}/previews",
        "/admin/issues/{issue_id}/previews",
        "Preview it",
        (
            Field("kind", "", CHOICE, "hidden"),
            Field("title", "Title", MAX_TITLE),
            Field("content", "Content", MAX_CONTENT, "text"),
            Field("example_questions", "Example questions, one a line", QUESTIONS_TEXT, "text"),
            Field("text", "Instructions", MAX_PROMPT_TEXT, "text"),
            Field("mode", "Placed", CHOICE, "choice"),
            Field("limit", "How many to replay", NUMBER),
        ),
    ),
    Form(
        "/admin/previews/{preview_id:str}/live",
        "/admin/previews/{preview_id}",
        "Make it live and link it",
        (*_rollout_fields(), FORM_KEY),
    ),
)
FORMS = {form.action: form for form in _ALL_FORMS}
# Never kept: signing in and out take no text worth keeping, and a password never comes back.
NOT_KEPT = frozenset({"/admin/sign-in", "/admin/sign-out"})


def _pattern(action: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)(?::\w+)?\}", action)
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>{_PARAMETER})" for index, part in enumerate(parts)
    )
    return re.compile(regex)


_PATTERNS = [(_pattern(form.action), form) for form in _ALL_FORMS]


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
