"""The issue a page filtered by issue shows the records of, named by titles, merges followed as the domain says.

The interactions list and the review queue both read `?issue=` through gateway.domain.issue_scope, and name
what they list with this: the issue asked for, and (when it was merged away) the issue holding its complaints.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.domain.issue_scope import IssueScope
from gateway.services import Services


@dataclass(frozen=True, slots=True)
class IssueShown:
    """The issue a filtered list shows the records of, as the page names it."""

    # The issue the URL asked for, and its title.
    asked: str
    asked_title: str
    # The issue whose records are listed: the one asked for, or the issue its complaints were merged into.
    listed: str
    listed_title: str
    # Whether other issues were merged into the listed one (their records are listed with its own).
    absorbed_others: bool = False


async def issue_shown(services: Services, scope: IssueScope | None) -> IssueShown | None:
    """The issue `scope` lists, named by titles (an issue without a title by its id); None for no issue filter."""
    if scope is None:
        return None
    titles = await services.issue_service.titles([scope.asked, scope.holder])
    return IssueShown(
        scope.asked,
        titles.get(scope.asked, scope.asked),
        scope.holder,
        titles.get(scope.holder, scope.holder),
        absorbed_others=len(scope.issue_ids) > 1,
    )
