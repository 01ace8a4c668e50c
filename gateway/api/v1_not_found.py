"""A held-answer poll URL that names no task (`/v1/reviews/`, `/v1/reviews/a/b`): a 404 in OpenAI's error shape.

Every /v1/ path but Feedgate's own is forwarded upstream, so these are the only /v1/ addresses no
route matches. The SDKs read `error.message`; the framework's `{"status_code": 404, "detail":
"Not Found"}` said nothing of the URL to poll. Answered before the API, as gateway.api.missing_v1
is: the admin router's own error pages would otherwise take precedence over an app-level handler.
"""

from __future__ import annotations

from litestar.types import Scope, Send

from gateway.api.held_reviews import HELD_REVIEWS_PREFIX
from gateway.proxy.relay import send_error
from gateway.public_prefix import public_path


def names_no_task(path: str) -> bool:
    """Whether `path`, under the held-answer prefix, is not `/v1/reviews/{task_id}` with one non-empty id."""
    task_id = path[len(HELD_REVIEWS_PREFIX) :]
    return path.startswith(HELD_REVIEWS_PREFIX) and (not task_id or "/" in task_id)


async def refuse(scope: Scope, send: Send, root_path: str = "") -> None:
    """Answer 404 in OpenAI's error shape, naming the URL a held answer is polled at (under `root_path`, the public one)."""
    message = (
        f"{public_path(root_path, scope['path'])} is not a URL this gateway serves: poll a held answer at "
        f"GET {public_path(root_path, HELD_REVIEWS_PREFIX)}{{task_id}}, the task id its 202 answer named"
    )
    await send_error(send, 404, message, "not_found", [])
