"""`/api/erasures`: erase everything stored about one end user, on their request (admins only)."""

from __future__ import annotations

from typing import TypedDict

from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from gateway.api.admin import AdminController
from gateway.api.request_body import RequestBody
from gateway.privacy.erasure import erase_end_user
from gateway.privacy.retention import recipes_of
from gateway.services import Services
from gateway.store.interaction_removal import RemovalCounts

# Who acts through the bearer token, as the audit log calls it.
ADMIN_ACTOR = "admin-token"


class ErasureRequest(RequestBody):
    """The end user to erase, by the id their interactions carry (`user` / `safety_identifier` / x-feedgate-user)."""

    # No minLength: an empty user is blank by the one rule, refused in its words by the erasure (as "\u200b" is).
    # No maxLength: the proxy records an end user of any length (fitted), and each must be erasable.
    user: str


class ErasureJSON(TypedDict):
    """What an erasure removed, by kind of row, and the audit record that notes it (`subject`: how it names the user)."""

    removed: RemovalCounts
    audit_seq: int
    subject: str


class ErasuresController(AdminController):
    """Erasure on request."""

    path = "/api/erasures"
    tags = ["privacy"]

    @post(
        "/", summary="Delete every interaction, feedback and derived row of one end user; the counts", status_code=200
    )
    async def erase(self, services: NamedDependency[Services], data: JSONBody[ErasureRequest]) -> ErasureJSON:
        # Calls of the user not stored yet (in any process's writer, or spooled) are dropped when they would be.
        # On the jobs' engine: an erasure of a user with many calls may rightly take longer than a page may wait.
        report = await erase_end_user(
            services.jobs_engine, data.user, ADMIN_ACTOR, recipes_of(services.settings), via="api"
        )
        return {"removed": report.counts, "audit_seq": report.audit_seq, "subject": report.subject}
