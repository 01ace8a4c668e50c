"""What an end user does in the widget tests: press a control, then wait for the status to say it was taken."""

from __future__ import annotations

from typing import Any

# How long a step waits for its status (ms): a post to a real gateway on a loaded machine.
STATUS_WAIT_MS = 10_000


def press(page: Any, name: str, then: str, *, exact: bool = False) -> None:
    """Click the button named `name`, then wait until the status line says `then`."""
    page.get_by_role("button", name=name, exact=exact).click()
    page.get_by_role("status").filter(has_text=then).wait_for(timeout=STATUS_WAIT_MS)
