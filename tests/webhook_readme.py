"""The docs' receiver-side check of a signed webhook notice (docs/review.md), run as written (both webhooks use it)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

from tests.docs_pages import python_block_with

PAGE = "docs/review.md"


def readme_verifier() -> Callable[..., Any]:
    """docs/review.md's `verified(body, headers, secret)`, from its one Python block that checks `webhook-signature`."""
    names: dict[str, Any] = {}
    exec(textwrap.dedent(python_block_with("webhook-signature", PAGE)), names)  # the page's own code
    return names["verified"]
