"""Reading the fixes a review task could be resolved by without making one: those in force for its issues.

A task's issues are its own (or the one holding its complaints now) and those holding its interactions
(gateway.review.task_issues); a fix linked to one of them is in force while it is live and still applied.
The task's page and the API list them, and resolving by a linked fix (gateway.review.fix_resolution)
accepts only those, naming the fix in the decision as a task's form names a fix it made.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from gateway.domain.errors import InvalidQuery
from gateway.effect.links import FixLinkService, IssueNotFound
from gateway.effect.records import FixLink, NamedFix
from gateway.fixes.new_fix import prompt_label
from gateway.knowledge.service import KnowledgeService
from gateway.prompts.errors import VersionNotFound
from gateway.prompts.service import PromptService
from gateway.review.records import ReviewTaskDetail
from gateway.review.task_issues import TaskIssue, fixes_in_force, member_issues
from gateway.store.member_issues import MemberIssueStore


class TaskFixReads:
    """Reads a task's issues and the fixes in force for them (TaskFixes adds the verbs that resolve a task by a fix)."""

    def __init__(
        self,
        knowledge: KnowledgeService,
        prompts: PromptService,
        links: FixLinkService,
        members: MemberIssueStore,
    ) -> None:
        self._knowledge = knowledge
        self._prompts = prompts
        self._links = links
        self._members = members

    async def linked_fixes(self, detail: ReviewTaskDetail) -> list[NamedFix]:
        """The fixes in force for the task's issues (`task_issues`: the task's own issue, or the one holding its
        complaints now, first; then the issues holding its interactions), the latest first within each issue: those
        `resolve_with_linked_fix` accepts. Empty when none of those issues has a fix in force, or there is none."""
        return fixes_in_force(await self.task_issues(detail))

    async def task_issues(self, detail: ReviewTaskDetail) -> list[TaskIssue]:
        """The issues the task's answers belong to (gateway.review.task_issues), each with its fixes in force."""
        about = None
        if detail.task.issue_id is not None:
            try:
                about = await self._links.surviving_issue(detail.task.issue_id)
            except IssueNotFound:
                about = None
        counts = await self._members.counts(detail.interaction_ids)
        heads = await self._members.heads([*counts, *([about] if about is not None else [])])
        return [
            replace(issue, fixes=tuple(await self._fixes_in_force(issue.issue_id)))
            for issue in member_issues(counts, heads, about)
        ]

    async def _fixes_in_force(self, issue_id: str) -> list[NamedFix]:
        """The fixes linked to `issue_id` that are in force now, the latest first.

        In force: gone live (not dated ahead), and still applied: a knowledge entry still active, a prompt version
        still active or a canary. A fix switched off or replaced since resolves nothing.
        """
        try:
            links = await self._links.fixes_for(issue_id)
        except IssueNotFound:
            return []
        now = datetime.now(UTC)
        named = await self._links.named([link for link in links[::-1] if link.live_at <= now])
        return [fix for fix in named if fix.name is not None and await self._in_force(fix.link)]

    async def _in_force(self, link: FixLink) -> bool:
        if link.kind == "knowledge":
            entry = await self._knowledge.get(link.fix_id)
            return entry is not None and entry.active
        try:
            return (await self._prompts.get(link.fix_id)).state != "inactive"
        except VersionNotFound:
            return False

    async def _link_by_id(self, detail: ReviewTaskDetail, link_id: str) -> FixLink | None:
        """The link `link_id` of one of the task's issues (`task_issues`), in force or not, if one has it."""
        for issue in await self.task_issues(detail):
            try:
                links = await self._links.fixes_for(issue.issue_id)
            except IssueNotFound:
                continue
            found = next((link for link in links if link.id == link_id), None)
            if found is not None:
                return found
        return None

    async def _label(self, link: FixLink) -> str:
        """How the decision names a linked fix, as it named the fix when a task's form made it."""
        if link.kind == "knowledge":
            entry = await self._knowledge.get(link.fix_id)
            if entry is None:
                raise InvalidQuery("link_id", "that fix's knowledge-base entry is no longer stored")
            return f"knowledge-base entry {entry.title!r} ({entry.id}, version {link.fix_version or entry.version})"
        return prompt_label(await self._prompts.get(link.fix_id))
