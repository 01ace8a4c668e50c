"""OpenAI calls sent without the `/v1` prefix: a client whose base URL lacks it, told what to change.

`OpenAI(base_url="http://127.0.0.1:8080")` sends `/chat/completions`, which the gateway does not
serve: the admin API's bare `{"status_code": 404, "detail": "Not Found"}` left the developer to
guess why. Such a path gets a 404 in OpenAI's error shape (which the SDKs show as the message)
saying what path the base URL must end in. It names no host: behind a reverse proxy the Host and
scheme the gateway sees (`http://feedgate:8080`) are not the address the developer used. Only paths whose first segment is one of OpenAI's API resources are
claimed, so the admin pages and API keep their own 404s. So is `/v1/<resource>` under another path
(`/openai/v1/…`, `/api/v1/…`, as other gateways and Azure's v1 API spell their base URLs), and any path
under another version, or another case, of it (`/V1/…`, `/v2/…`, `/v1beta/…`): no gateway route starts so.

`/feedgate/v1/…` is also what a reverse proxy that serves Feedgate under /feedgate and keeps that
path sends when `FEEDGATE_ROOT_PATH` is not set: there the developer's base URL is right, and the
answer says to set the root path (or have the proxy strip the prefix) before anything else.
"""

from __future__ import annotations

import re

from litestar.types import Scope, Send

from gateway.config_proxy import checked_root_path
from gateway.proxy.relay import send_error

# The first path segments of OpenAI's API (and Feedgate's own /v1 endpoints: feedback, held reviews).
OPENAI_RESOURCES = frozenset(
    {
        "assistants",
        "audio",
        "batches",
        "chat",
        "completions",
        "conversations",
        "embeddings",
        "feedback",
        "files",
        "fine_tuning",
        "images",
        "models",
        "moderations",
        "realtime",
        "responses",
        "reviews",
        "threads",
        "uploads",
        "vector_stores",
    }
)


# A first segment naming an API version other than /v1 exactly: /V1, /v2, /v1beta, /v2alpha1.
_OTHER_VERSION = re.compile(r"v\d+(?:(?:alpha|beta)\d*)?", re.IGNORECASE)


def lacks_v1(path: str) -> bool:
    """Whether `path` is an OpenAI API path without its `/v1` prefix (e.g. `/chat/completions`), under another
    version of it (`/V1/...`, `/v2/...`), or an Azure OpenAI deployment's (`/openai/deployments/{name}/chat/completions`)."""
    return (
        path == "/v1"
        or client_base(path) is not None
        or other_version(path) is not None
        or azure_deployment(path) is not None
    )


def other_version(path: str) -> str | None:
    """The version prefix other than `/v1` a path starts with (`/V1`, `/v2`, `/v1beta`); None if none."""
    first = path[1:].split("/", 1)[0] if path.startswith("/") else ""
    return "/" + first if first != "v1" and _OTHER_VERSION.fullmatch(first) else None


def azure_deployment(path: str) -> str | None:
    """The deployment an `AzureOpenAI` client's call names (`/openai/deployments/{name}/...`); None if not one."""
    segments = path.split("/")
    if len(segments) > 4 and segments[1:3] == ["openai", "deployments"] and segments[4] in OPENAI_RESOURCES:
        return segments[3]
    return None


def client_base(path: str) -> str | None:
    """The base path a client sent an OpenAI API call under other than `/v1` ("" for none); None if not one."""
    # Not every target is a path: an HTTP request may name "*" (or worse) and still reach here.
    if not path.startswith("/"):
        return None
    segments = path[1:].split("/")
    if segments[0] in OPENAI_RESOURCES:
        return ""
    # No admin route has a literal "v1" segment before one of these names, and /v1/... is the proxy's.
    for at in range(1, len(segments) - 1):
        if segments[at] == "v1" and segments[at + 1] in OPENAI_RESOURCES:
            return "/" + "/".join(segments[: at + 1])
    return None


# The base URL to use, in words: the gateway cannot know the address its callers reach it at.
BASE_URL = "the address you reach Feedgate at, followed by /v1"


async def refuse(scope: Scope, send: Send) -> None:
    """Answer 404 in OpenAI's error shape, saying the base URL must end in /v1 (no host: see the module)."""
    said = f"Invalid URL ({scope.get('method', 'GET')} {scope['path']}): "
    await send_error(send, 404, said + _what_to_change(scope["path"]), "base_url_without_v1", [])


def _what_to_change(path: str) -> str:
    """What a client that called `path` (a path `lacks_v1` claims) should change to reach the API."""
    if path == "/v1":
        # The base URL itself, called as an endpoint (a client given a full endpoint as its base URL, then none).
        return (
            f"/v1 is the base URL, not an endpoint. Set your client's base URL to {BASE_URL}; it calls endpoints "
            "under it, such as /v1/chat/completions"
        )
    version = other_version(path)
    if version is not None:
        return f"Feedgate serves the OpenAI API under /v1, not {version}. Set your client's base URL to {BASE_URL}"
    deployment = azure_deployment(path)
    if deployment is not None:
        # AzureOpenAI's clients build deployment URLs Feedgate does not route; Azure's v1 API takes the
        # OpenAI client with the deployment's name as the model, which the gateway forwards as any call.
        return (
            f"Feedgate serves the OpenAI API under /v1, not Azure OpenAI's deployment URLs. Use an OpenAI client "
            f"(not AzureOpenAI) with its base URL set to {BASE_URL}, and model={deployment!r}; point the "
            "gateway's upstream at your resource's /openai/v1/"
        )
    used = client_base(path)
    if not used:
        return f"Feedgate serves the OpenAI API under /v1. Set your client's base URL to {BASE_URL}"
    prefix = _kept_prefix(used)
    if prefix is None:
        return f"Feedgate serves the OpenAI API under /v1, not {used}. Set your client's base URL to {BASE_URL}"
    return (
        f"Feedgate serves the OpenAI API under /v1, not {used}. If a reverse proxy serves Feedgate under {prefix} "
        f"and passes that path on, your base URL is right: set FEEDGATE_ROOT_PATH={prefix} on the gateway (or have "
        f"the proxy strip {prefix}). If not, set your client's base URL to {BASE_URL}"
    )


def _kept_prefix(base: str) -> str | None:
    """The public path prefix a proxy would have kept in front of `base` (`/feedgate` of `/feedgate/v1`), if one could be."""
    try:
        return checked_root_path(base.removesuffix("/v1")) or None
    except ValueError:  # /api/v1: /api is the gateway's own, no prefix
        return None
