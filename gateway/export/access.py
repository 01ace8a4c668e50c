"""Who may export training data: the one rule the Export page, its top-bar entry and the API's export follow.

A viewer may: an export is a read, and every example in it (the interaction, the end user's correction, the
reviewer's decision) is already open to viewers, one at a time, on the interaction, issue and review pages. Keeping
the file from them would hide nothing they cannot read, only make them copy it by hand. Whoever may not read those
pages (someone signed out) may not export. The admin API has one credential, the admin token, which holds every
role: it meets this rule as it meets every other (gateway.api.auth).
"""

from __future__ import annotations

from gateway.accounts.records import Role

# The least role that may download the training-data export.
EXPORT_ROLE = Role.VIEWER
