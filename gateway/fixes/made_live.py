"""Which fix link each preview's make-live made, while its issue and the link are kept: one rule for a preview's page
and its issue's list of previews (admin_ui), as `GET /api/previews/{id}` gives `live_link_id`.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.effect.links import FixLinkService, IssueNotFound
from gateway.effect.records import FixLink
from gateway.fixes.preview import FixPreview


async def live_links(fix_links: FixLinkService, issue_id: str, previews: Sequence[FixPreview]) -> dict[str, FixLink]:
    """The link each of `previews` had its newest make-live make, by preview id, among `issue_id`'s links (read once,
    however many previews); a preview never made live, or whose link or issue is gone since, is left out."""
    wanted = {preview.live_link_id: preview.id for preview in previews if preview.live_link_id is not None}
    if not wanted:
        return {}
    try:
        links = await fix_links.fixes_for(issue_id)
    except IssueNotFound:
        return {}
    return {wanted[link.id]: link for link in links if link.id in wanted}
