"""Where an issue's complaints are after merges: the one rule the review tasks, the fix links and the fixes share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable


async def end_of_merges(issue_id: str, merged_into: Callable[[str], Awaitable[str | None]]) -> str:
    """The issue holding `issue_id`'s complaints: itself, or the end of its chain of merges.

    `merged_into(id)` is the issue `id` was merged into (None: not merged). A chain that loops (never
    written by a merge, which refuses a merged target) ends at the last issue before the loop.
    """
    seen = [issue_id]
    while (merged := await merged_into(seen[-1])) is not None and merged not in seen:
        seen.append(merged)
    return seen[-1]
