"""The README's receiver-side check of a signed webhook notice, run as written (both webhooks use it)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_verifier() -> Callable[..., Any]:
    """The README's `verified(body, headers, secret)`, from its one Python block that checks `webhook-signature`."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    [snippet] = [block for block in blocks if "webhook-signature" in block]
    names: dict[str, Any] = {}
    exec(textwrap.dedent(snippet), names)  # the README's own code
    return names["verified"]
