"""Rendering admin pages: the Jinja2 environment (autoescaping everything), shared context, a page's own security headers."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request, Response
from litestar.enums import MediaType

from admin_ui.csrf import csrf_field, csrf_token, set_sign_in_cookie
from admin_ui.form_origin import ensure_forms_cookie, form_origin, set_forms_cookie
from admin_ui.navigation import navigation_for
from admin_ui.public_urls import root_path_of, template_url
from admin_ui.session import current_user, is_tls
from gateway.counted import counted
from gateway.domain.interaction_briefs import FeedbackTally
from gateway.domain.shares import share_text
from gateway.domain.spans import span_words
from gateway.prompts.service import MAX_CANARY_SHARE, MIN_CANARY_SHARE, is_canary_share, settable_share
from gateway.review.source_words import source_words

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

# Scripts and styles only from our own files: an injected <script> or inline handler does not run.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Those every answer has (nosniff, Referrer-Policy, COOP, CORP, Permissions-Policy): gateway.api.security_headers.
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    # Pages show data a signed-out browser must not find in its cache.
    "cache-control": "no-store",
}


def percent_text(value: float | None, digits: int = 1) -> str:
    """A rate as the pages' tables say it: 0.460526 as "46.1 %" ("–" for none)."""
    return "–" if value is None else f"{value * 100:.{digits}f} %"


def when_text(value: datetime | None) -> str:
    """A moment as every page shows it: "2026-03-02 14:05 UTC" ("never" for none)."""
    return "never" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def duration_text(value: timedelta | None) -> str:
    """A span as a person reads it: "2 d 3 h", "3 h 20 min", "12 min", "under a minute" ("–" for none)."""
    if value is None:
        return "–"
    minutes = max(int(value.total_seconds() // 60), 0)
    if minutes == 0:
        # "due in 0 min" read as due now (or past), seconds before a held answer's hold ended.
        return "under a minute"
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {mins} min" if hours else f"{mins} min"


def hours_in_words(hours: float) -> str:
    """A span given in hours as the domain says one in a sentence ("1 hour", "10 seconds": domain.spans.span_words)."""
    return span_words(timedelta(hours=hours))


def count_text(value: float | None) -> str:
    """A count as the pages' tables say it, its digits grouped: 20000 as "20 000" (a narrow space; "–" for none)."""
    if value is None:
        return "–"
    # A chart's values are floats: a whole one is said as the count it is (1234.0 as "1 234").
    number = int(value) if float(value).is_integer() else value
    return f"{number:,}".replace(",", "\u202f")


def counted_text(number: int, noun: str, plural: str | None = None) -> str:
    """`number` and `noun` as gateway.counted says them ("1 upstream call"), its digits grouped as `| count` groups
    them ("20 000 characters")."""
    said = counted(number, noun, plural)
    return count_text(number) + said[len(str(number)) :]


def matched_text(total: int | None, noun: str, *, filtered: bool, plural: str | None = None) -> str | None:
    """What a list says of its length, from its listing's count: "3 issues", or "2 issues match these filters" when
    `filtered` (None: no count, as under a refused filter). The one wording of the Issues, Knowledge and queue pages."""
    if total is None:
        return None
    said = counted_text(total, noun, plural)
    if not filtered:
        return said
    return f"{said} {'matches' if total == 1 else 'match'} these filters"


# A linked fix as it stands now (gateway.store.fix_links.standing), in the pages' words.
FIX_STANDING = {"active": "in force", "canary": "a canary", "inactive": "no longer in force", "gone": "deleted"}


def share_percent_number(share: float | None, default: float = 0.1) -> str:
    """A share as a canary box holds it, in percent and unrounded to a whole one: 0.005 reads "0.5", 0.2 "20".

    A canary stored before the share's range (0.0005) shows the nearest share its form takes ("0.1"), not one the
    form refuses ("0.05", or "0" for 1e-300); the page says why (prompts.html)."""
    return f"{round(settable_share(default if share is None else share) * 100, 4):g}"


def _standing(value: str | None, canary_share: float | None = None) -> str:
    """A linked fix as it stands now; a canary with the share of calls it gets ("a canary on 20 % of calls")."""
    said = FIX_STANDING.get(value or "", "–")
    if value == "canary" and canary_share is not None:
        return f"{said} on {share_text(canary_share)} of calls"
    return said


def words(value: object) -> str:
    """An API value as the pages say it, in people's words ("in_progress" reads "in progress"); forms still send the value."""
    return str(value).replace("_", " ")


def feedback_phrases(tally: FeedbackTally | None) -> list[tuple[str, bool]]:
    """An interaction's current feedback as a listing says it, each phrase with whether it is the negative one:
    [("2 negative", True), ("1 positive", False), ("rated 2.5", False), ("1 correction", False)]; none: []."""
    if tally is None:
        return []
    phrases = [(f"{tally.negative} negative", True)] if tally.negative else []
    if tally.positive:
        phrases.append((f"{tally.positive} positive", False))
    if tally.mean_rating is not None:
        phrases.append((f"rated {tally.mean_rating:.2g}", False))
    if tally.corrections:
        phrases.append((counted(tally.corrections, "correction"), False))
    if tally.comments:
        phrases.append((counted(tally.comments, "comment"), False))
    # Voters whose current feedback says none of these (a thumbs-down taken back, say).
    return phrases or [(f"{tally.voters} neutral", False)]


environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    # Every {{ value }} is HTML-escaped; only Markup (our own, e.g. csrf_field) passes as is.
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(
    percent=percent_text,
    when=when_text,
    count=count_text,
    duration=duration_text,
    standing=_standing,
    share=share_text,
    share_percent=share_percent_number,
    feedback_phrases=feedback_phrases,
    words=words,
    # A review task's source in people's words (gateway.review.source_words); forms and the API keep the value.
    source_words=source_words,
    hours_in_words=hours_in_words,
)
# `url('/admin/issues')` in a template: the path as the browser reaches it (admin_ui.public_urls); every
# href, src, action and data-*-url a template writes goes through it.
environment.globals["url"] = template_url
# `counted(n, "interaction")` in a template: a number with its noun, as every message says it ("1 interaction").
environment.globals["counted"] = counted_text
# The canary share's range in percent, as the number boxes' min and max (gateway.prompts.service holds the rule).
environment.globals["canary_percent_min"] = f"{MIN_CANARY_SHARE * 100:g}"
environment.globals["canary_percent_max"] = f"{MAX_CANARY_SHARE * 100:g}"
# Whether a stored canary's share is one its form takes now (one stored before the range is kept as it runs).
environment.globals["is_canary_share"] = is_canary_share


def render(request: Request[Any, Any, Any], template: str, *, status_code: int = 200, **context: Any) -> Response[str]:
    """The page `template` rendered with `context` plus what every page has: user, nav, csrf_token, csrf_field,
    and root_path (the public path prefix, which `url()` puts before a path)."""
    user = current_user(request)
    if user is not None:
        # A browser signed in before there was a forms cookie gets one with its next page.
        ensure_forms_cookie(request)
    token = csrf_token(request)
    html = environment.get_template(template).render(
        user=user,
        nav=navigation_for(user, request.url.path),
        csrf_token=token,
        csrf_field=csrf_field(token, form_origin(request)),
        root_path=root_path_of(request),
        **context,
    )
    # Over https, the browser is told to come back only that way (a year, as is usual).
    headers = (
        {**SECURITY_HEADERS, "strict-transport-security": "max-age=31536000"} if is_tls(request) else SECURITY_HEADERS
    )
    response: Response[str] = Response(html, status_code=status_code, media_type=MediaType.HTML, headers=headers)
    set_sign_in_cookie(response, request)
    set_forms_cookie(response, request)
    return response


def render_panel(
    request: Request[Any, Any, Any], template: str, *, title: str, back: str, back_label: str, **context: Any
) -> Response[str]:
    """A panel a page loads after itself: the bare fragment for the page's script, a whole page for a browser opening it.

    A browser opening the panel's URL itself (the "open it on its own" link a page without its script shows, a new
    tab) sends `Sec-Fetch-Mode: navigate`, or, over plain http to a host other than localhost, where browsers send no
    Sec-Fetch headers, an Accept naming application/xhtml+xml; the script's fetch does neither.
    """
    mode = request.headers.get("sec-fetch-mode")
    opened = mode == "navigate" or (mode is None and "application/xhtml+xml" in request.headers.get("accept", ""))
    if opened:
        response = render(
            request,
            "panel_page.html",
            panel_template=template,
            panel_title=title,
            panel_back=back,
            panel_back_label=back_label,
            **context,
        )
    else:
        response = render(request, template, **context)
    response.headers["vary"] = "sec-fetch-mode, accept"
    return response
