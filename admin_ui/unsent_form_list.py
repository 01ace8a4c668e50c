"""Every form the admin pages post, and what of each is kept when it is refused (see admin_ui/unsent_forms.py).

Every POST under /admin is listed in FORMS (a test checks it): a new form must say what it keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from admin_ui.form_keys import KEY_FIELD
from gateway.accounts.rules import MAX_NAME_LENGTH
from gateway.domain.idempotency import MAX_KEY
from gateway.domain.issue_views import MAX_ISSUE_ID
from gateway.domain.issue_views import MAX_TITLE as ISSUE_TITLE
from gateway.knowledge.fields import MAX_APP, MAX_CONTENT, MAX_QUESTION, MAX_QUESTIONS, MAX_TAGS, MAX_TITLE, MAX_VERSION
from gateway.prompts.service import MAX_MESSAGE as MAX_PROMPT_MESSAGE
from gateway.prompts.service import MAX_NAME as MAX_PROMPT_NAME
from gateway.prompts.service import MAX_TEXT as MAX_PROMPT_TEXT

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


ALL_FORMS = (
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
FORMS = {form.action: form for form in ALL_FORMS}
# Never kept: signing in and out take no text worth keeping, and a password never comes back.
NOT_KEPT = frozenset({"/admin/sign-in", "/admin/sign-out"})
