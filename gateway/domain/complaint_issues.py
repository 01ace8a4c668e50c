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
        issue_ids = sorted(await self._members.counts([interaction_id]))
        if not issue_ids:
            return ()
        # One read for every holding issue (an interaction may sit in several): a merge's target is read on its own.
        known = await self._heads.heads(issue_ids)

        async def merged_into(issue_id: str) -> str | None:
            if issue_id not in known:
                head = await self._heads.head(issue_id)
                if head is None:
                    return None
                known[issue_id] = head
            return known[issue_id].merged_into

        holders: dict[str, IssueHead] = {}
        for issue_id in issue_ids:
            end = await end_of_merges(issue_id, merged_into)
            if end in known:
                holders[end] = known[end]
        return tuple(holders[issue_id] for issue_id in sorted(holders))
