"""Which issue holds an interaction as a complaint: the one rule the interaction page and its fix offers follow.

Clustering makes an interaction a member of an issue; a merge moves its members into the issue it was merged
into. An issue merged away is named by the issue holding its complaints now (gateway.domain.merge_chain), as
every issue filter follows merges (gateway.domain.issue_scope), so no page links a merged issue's empty page.
"""

from __future__ import annotations

from gateway.domain.merge_chain import end_of_merges
from gateway.store.issue_edits import IssueEditStore, IssueHead
from gateway.store.member_issues import MemberIssueStore


class ComplaintIssues:
    """Reads the issues holding an interaction as a complaint, merges followed."""

    def __init__(self, members: MemberIssueStore, heads: IssueEditStore) -> None:
        self._members = members
        self._heads = heads

    async def holding(self, interaction_id: str) -> tuple[IssueHead, ...]:
        """The issues holding `interaction_id` as a complaint, each merged-away one as its chain's end, once each by id."""
        holders: dict[str, IssueHead] = {}
        for issue_id in sorted(await self._members.counts([interaction_id])):
            holder = await end_of_merges(issue_id, self._merged_into)
            head = await self._heads.head(holder)
            if head is not None:
                holders[head.id] = head
        return tuple(holders[issue_id] for issue_id in sorted(holders))

    async def _merged_into(self, issue_id: str) -> str | None:
        head = await self._heads.head(issue_id)
        return head.merged_into if head is not None else None
