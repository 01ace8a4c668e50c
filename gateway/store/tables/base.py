"""The metadata every table shares, and the JSON column type."""

from __future__ import annotations

from sqlalchemy import JSON, MetaData
from sqlalchemy.dialects.postgresql import JSONB

# JSONB on PostgreSQL so documents can be queried and indexed; plain JSON text elsewhere. None is
# stored as SQL NULL, not as the JSON document `null`, so `IS NULL` filters (a call without policy
# notes, a failed call without a response) mean what they say. Rows stored before keep their JSON
# nulls, which read back as None all the same.
JSONDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)
