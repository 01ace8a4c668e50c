"""SQLAlchemy table definitions, one module per area: the schema Alembic migrations build."""

from __future__ import annotations

from gateway.store.tables.admin import (
    admin_sessions,
    admin_sign_in_attempts,
    admin_users,
    app_goals,
)
from gateway.store.tables.audit import (
    audit_chain_head,
    audit_log,
)
from gateway.store.tables.base import JSONDocument, metadata
from gateway.store.tables.discovery import (
    cluster_runs,
    clustering_locks,
    embeddings,
    issue_events,
    issue_history,
    issue_members,
    issues,
    merge_judgements,
    reduction_points,
)
from gateway.store.tables.fixes import (
    fix_effects,
    fix_links,
    fix_previews,
    fix_revisions,
    idempotency_keys,
    knowledge_entries,
    knowledge_entry_versions,
    prompt_configs,
    prompt_deployments,
    prompt_versions,
)
from gateway.store.tables.reviews import (
    retrain_triggers,
    review_decisions,
    review_events,
    review_task_interactions,
    review_task_tags,
    review_tasks,
)
from gateway.store.tables.rollups import (
    daily_stats,
    daily_stats_stale,
)
from gateway.store.tables.traffic import (
    erased_end_users,
    feedback,
    feedback_rate_limits,
    feedback_token_uses,
    gateway_keys,
    gateway_secrets,
    interactions,
    stored_order_heads,
)

__all__ = [
    "JSONDocument",
    "admin_sessions",
    "admin_sign_in_attempts",
    "admin_users",
    "app_goals",
    "audit_chain_head",
    "audit_log",
    "cluster_runs",
    "clustering_locks",
    "daily_stats",
    "daily_stats_stale",
    "embeddings",
    "erased_end_users",
    "feedback",
    "feedback_rate_limits",
    "feedback_token_uses",
    "fix_effects",
    "fix_links",
    "fix_previews",
    "fix_revisions",
    "gateway_keys",
    "gateway_secrets",
    "idempotency_keys",
    "interactions",
    "issue_events",
    "issue_history",
    "issue_members",
    "issues",
    "knowledge_entries",
    "knowledge_entry_versions",
    "merge_judgements",
    "metadata",
    "prompt_configs",
    "prompt_deployments",
    "prompt_versions",
    "reduction_points",
    "retrain_triggers",
    "review_decisions",
    "review_events",
    "review_task_interactions",
    "review_task_tags",
    "review_tasks",
    "stored_order_heads",
]
