"""The gateway under a public path prefix (`root_path`, e.g. /feedgate), behind a proxy that strips it or keeps it.

Inbound, a path under the prefix is served as the same path without it, so both proxy shapes reach
the same routes (`strip_prefix`). Outbound, nothing is rewritten: the gateway's code names paths
from its root (`/admin/...`), as routes, `next` fields and comparisons need them, and each URL it
hands out is made public where it is made, by `public_path` (the admin pages' links, assets, forms,
panel URLs, redirects and cookie paths: admin_ui.public_urls; a held answer's `location` and the
webhook's `poll`: gateway.review). The proxy's `/v1/` answers are the upstream's bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the review gate uses public_path: no framework import at run time
    from litestar.types import Scope


def strip_prefix(root_path: str, scope: Scope) -> Scope:
    """`scope` with `root_path` taken off the front of its path, when a proxy kept it there."""
    path: str = scope["path"]
    if path != root_path and not path.startswith(root_path + "/"):
        return scope
    inner = path[len(root_path) :] or "/"
    raw: bytes | None = scope.get("raw_path")
    raw_inner = (raw[len(root_path) :] or b"/") if raw is not None and raw.startswith(root_path.encode()) else None
    return {**scope, "path": inner, "raw_path": raw_inner or inner.encode()}  # type: ignore[return-value]


def public_path(root_path: str, path: str) -> str:
    """`path`, named from the gateway's root (`/admin/issues`), as the public reaches it (`/feedgate/admin/issues`).

    Anything that is no path from the root (an absolute URL, `//host`, `#part`, `?query`) is left as it is.
    """
    if root_path and path.startswith("/") and not path.startswith("//"):
        return root_path + path
    return path
