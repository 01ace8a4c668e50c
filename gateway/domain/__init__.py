"""The domain layer: what the gateway's data means, and the rules for reading and changing it.

Services with verbs take the stores (which hold only SQL) in their constructor and return frozen,
typed records, each built from store rows in one place (its `from_row`). The JSON API
(`gateway/api/`) and the admin pages only parse a request, call one service method and render
the record, so no rule is written twice. Nothing here imports the web framework: refusals are
exceptions such as `errors.InvalidQuery`, which the HTTP layer maps to a status code.

- `interactions.InteractionService`: list, find (waiting for the batched writer when the id may
  still be buffered, see `pending`), get_with_feedback.
- `gateway.feedback.service.FeedbackService`: record (POST /v1/feedback), list.
- `stats.StatsService`: report.
- `issues.IssueService`: list, get, triage (the one place a person changes an issue's status).

Shared by every area, including the later packages that follow the same pattern
(`gateway/review/`, `gateway/audit/`, ...): `paging.Page` with `keyset_page` / `offset_page`,
`time_range` for since/until parameters, `records.from_columns`.
"""
