"""What the proxy and the feedback endpoint store: interactions, gateway keys, secrets, feedback."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Index, Integer, String, Table, Text, UniqueConstraint

from gateway.store.tables.base import JSONDocument, metadata
from gateway.store.types import UtcDateTime

interactions = Table(
    "interactions",
    metadata,
    # UUIDv7 text for recorded calls; an imported one keeps the id of its file (any text), so ids do
    # not sort by time: listings order by (created_at, id).
    Column("id", String(36), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("app", String(200), nullable=False),
    Column("endpoint", String(100), nullable=False),
    Column("upstream", String(100), nullable=False),
    Column("model", String(200)),
    Column("stream", Boolean, nullable=False, default=False),
    Column("request", JSONDocument),
    Column("response", JSONDocument),
    Column("response_text", Text),
    Column("tool_calls", JSONDocument),
    Column("finish_reason", String(50)),
    Column("upstream_response_id", String(200)),
    Column("status_code", Integer),
    Column("error", Text),
    Column("partial", Boolean, nullable=False, default=False),
    Column("prompt_tokens", Integer),
    Column("completion_tokens", Integer),
    Column("total_tokens", Integer),
    Column("latency_ms", Float),
    Column("ttfb_ms", Float),
    Column("end_user", String(200)),
    Column("metadata", JSONDocument),
    # What request policies (fixes, the confidence gate) did to the call: [{"policy", "action", ...}].
    Column("policies", JSONDocument),
    # Which redaction rules fired on the row and how often, {"email": 2}; null when none did (gateway.privacy).
    Column("redactions", JSONDocument),
    # The gateway key the call came with (gateway-key mode; null otherwise, and for imports). Revision 0030.
    Column("gateway_key_id", String(36)),
    # The order rows were stored in, 1, 2, 3, ... in commit order (gateway.store.stored_order): what
    # `?stored_after=` follows. Null only for a row inserted by hand, not through the stores: no follower lists
    # it (docs/admin-api.md, "Rows stored late"). Revision 0037.
    Column("stored_seq", BigInteger),
    # Where the answer lists its choices, by choice number (item k: the position in `response.choices` of choice
    # k), when some choice is not listed at its number (an upstream listed `index` 1 before 0); null for the usual
    # listing. Derived from `response` by every insert (gateway.store.interaction_inserts), so SQL reads a choice
    # without working out the numbering rule per row (gateway.store.choice_sql). Revision 0044.
    Column("choice_positions", JSONDocument),
    Index(None, "upstream_response_id"),
    # Newest-first listings, all or of one app or one model (the admin interactions page), walked from
    # the cursor without a sort (revision 0024); also every range of created_at (stats, pruning), and
    # an app's newest calls for the traffic indexes (store.recent_traffic).
    Index(None, "created_at", "id"),
    Index(None, "app", "created_at", "id"),
    Index(None, "model", "created_at", "id"),
    # Erasure on request finds an end user's interactions by this.
    Index(None, "end_user"),
    Index(None, "stored_seq", unique=True),
)

# The last stored_seq given out, one row per numbered table ("interactions", "feedback", "review_decisions").
# Every insert takes the next numbers by updating its row in the insert's transaction, which serializes
# inserters until they commit (a row lock on PostgreSQL, the write lock on SQLite): numbers are taken in
# commit order.
stored_order_heads = Table(
    "stored_order_heads",
    metadata,
    Column("name", String(30), primary_key=True),
    Column("seq", BigInteger, nullable=False),
)

gateway_keys = Table(
    "gateway_keys",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("app", String(200), nullable=False),
    # sha256 of the key: the raw key is shown once at creation and never stored.
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
    # The newest stored call made with the key, moved forward by the writer's inserts (gateway.store.key_use),
    # so the proxy writes nothing for it and `keys list` reads no interactions. Revision 0030.
    Column("last_used_at", UtcDateTime()),
)

# Small values the gateway generates once and must keep (signing secrets, salts).
gateway_secrets = Table(
    "gateway_secrets",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

# One row per feedback submission, never updated: the audit trail. A user's
# current feedback on an interaction is their newest row.
feedback = Table(
    "feedback",
    metadata,
    # UUIDv7 text, minted when the event is stored (an imported one too, however old): listings order
    # by (created_at, id).
    Column("id", String(36), primary_key=True),
    Column("interaction_id", String(36), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # Denormalised from the interaction so listings filter without a join.
    Column("app", String(200), nullable=False),
    Column("user_id", String(200)),
    Column("thumbs", String(4)),
    Column("rating", Integer),
    Column("correction", Text),
    Column("comment", Text),
    Column("negative", Boolean, nullable=False),
    Column("metadata", JSONDocument),
    Column("idempotency_key", String(200)),
    # "app" (the app's own credential) or "token" (an end user's feedback token).
    Column("submitted_via", String(10), nullable=False),
    # From the end of the answer to this submission, for time-to-feedback insights.
    Column("seconds_after_answer", Float),
    # Which redaction rules fired on the comment, correction and metadata; null when none did.
    Column("redactions", JSONDocument),
    # Who the event counts as, when that is not `user_id`: "token:<token id>" for a browser whose
    # token names no end user (its claimed user_id is kept but counts for nothing). Null: the
    # user_id is the voter (null too: the interaction's one anonymous voice). Revision 0018.
    Column("voter", String(40)),
    # The order events were stored in, as interactions.stored_seq (gateway.store.stored_order). Revision 0037.
    Column("stored_seq", BigInteger),
    # Which of the answer's choices (a call with `n` > 1 has several) the event judges: its index, 0
    # (the first, the recorded answer) unless the post named another. Revision 0039.
    Column("choice", Integer, nullable=False, server_default="0"),
    Index(None, "interaction_id"),
    Index(None, "user_id"),
    # Newest-first listings, all or of one app, walked from the cursor without a sort (revision 0024).
    Index(None, "created_at", "id"),
    Index(None, "app", "created_at", "id"),
    Index(None, "stored_seq", unique=True),
    # Scoped to the interaction so one client's key can never return another interaction's feedback.
    UniqueConstraint("interaction_id", "idempotency_key"),
)

# How many submissions each feedback token has stored, so a token stores at most the configured
# bound however many gateway processes it reaches (revision 0018). One row per token ever used.
feedback_token_uses = Table(
    "feedback_token_uses",
    metadata,
    # gateway.feedback.token.VerifiedToken.token_id: a hash of the token's signature.
    Column("token_id", String(40), primary_key=True),
    Column("interaction_id", String(36), nullable=False),
    Column("submissions", Integer, nullable=False),
    Column("last_submitted_at", UtcDateTime(), nullable=False),
    # Pruning with the interaction it is about.
    Index(None, "interaction_id"),
)

# The rate limits (feedback posts, wrong admin API tokens) when counted in the database
# (FEEDGATE_RATE_LIMIT_SCOPE=database), so that every gateway process on it shares one allowance per key
# (revision 0043, named when it held feedback's alone): the generic cell rate algorithm's
# one number per key, the time its allowance is next full. A row whose allowance is full says no more than
# no row: gateway.feedback.shared_rate_limit deletes those every minute. Unlogged on PostgreSQL: nothing
# here is worth a WAL flush per post (a crash forgets allowances, which is only ever lenient).
feedback_rate_limits = Table(
    "feedback_rate_limits",
    metadata,
    # Which limit counts: feedback's "token", "address" or "app", or "admin_token" (wrong admin API tokens).
    Column("counted_by", String(20), primary_key=True),
    # The token's id, the client address or the app; a longer key is stored as its hash (gateway.store.rate_limits).
    Column("key", String(200), primary_key=True),
    # Seconds since the epoch (the gateways' clocks) when the key's allowance is full again.
    Column("full_at", Float, nullable=False),
    # Whether the last check took a post: one upsert both decides and says what it decided.
    Column("taken", Boolean, nullable=False),
    Index(None, "full_at"),
)

# End users erased on request, named only by the erasure's keyed hash (gateway.store.erased_users), and
# when: each writer drops, before storing, the calls of such a user made before their erasure (calls an
# erasure could not reach: other processes' queues, calls still running, spools). Revision 0026.
erased_end_users = Table(
    "erased_end_users",
    metadata,
    Column("subject", String(80), primary_key=True),
    Column("erased_at", UtcDateTime(), nullable=False),
)
