"""What a filter on one issue lists once issues are merged: the one rule every "filter by issue" follows.

A merge moves an issue's complaints (and its open review task, its fix links) into another issue; the
merged issue keeps its id with `merged_into` set (GET /api/issues/{id} shows it so). What belonged to
it before the merge (a task closed then, a task dismissed by the merge) still names it. So a filter:

- on a live issue lists what is its now: its own, and what belonged to every issue merged into it,
  directly or through others (a chain a into b into c: c lists a's and b's too);
- on an issue merged away lists the same for the issue holding its complaints now (the end of its chain
  of merges, gateway.domain.merge_chain), exactly as a filter on that issue would;
- on an id no issue has is refused (InvalidQuery naming `issue`), never an empty listing.

The API (/api/interactions, /api/reviews) and the admin pages (interactions, review queue, an issue's
tasks) all ask `issue_scope`, so they never disagree about which issue a merged one's records are under.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.domain.errors import InvalidQuery
from gateway.domain.merge_chain import end_of_merges
from gateway.domain.quoting import quoted
from gateway.store.issue_edits import IssueEditStore


@dataclass(frozen=True, slots=True)
class IssueScope:
    """The issues a filter on `asked` covers: `holder` (where its complaints are now) and every issue merged into it."""

    asked: str
    # The issue holding the asked one's complaints now: itself, or the end of its chain of merges.
    holder: str
    # The holder first, then every issue merged into it (directly or through others), sorted.
    issue_ids: tuple[str, ...]

    @property
    def followed_merge(self) -> bool:
        """Whether the asked issue was merged away, so the listing is its holder's."""
        return self.holder != self.asked


async def issue_scope(heads: IssueEditStore, issue_id: str, name: str = "issue") -> IssueScope:
    """The issues a filter on `issue_id` lists (see the module); InvalidQuery naming `name` when no issue has that id."""
    head = await heads.head(issue_id)
    if head is None:
        raise InvalidQuery(name, f"no issue with id {quoted(issue_id)}")

    async def merged_into(issue: str) -> str | None:
        found = await heads.head(issue)
        return found.merged_into if found is not None else None

    holder = issue_id if head.merged_into is None else await end_of_merges(issue_id, merged_into)
    covered = {holder}
    # Breadth first, each level one read; the covered set stops a loop of merges (never written by a merge).
    level = {holder}
    while level:
        level = await heads.merged_into_any(head.app, sorted(level)) - covered
        covered |= level
    return IssueScope(issue_id, holder, (holder, *sorted(covered - {holder})))
