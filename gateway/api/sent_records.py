"""The OpenAPI schema of a domain dataclass the API sends as it is: every field is required.

The encoder writes every field of a dataclass, a field with a default included (a feedback
event's `voter`, a fix link's `standing`), so a client generated from the schema may rely on
each key. Litestar's own dataclass schema marks a field with a default optional, as it would
for a body it reads; the API reads no dataclass (its request bodies are msgspec structs), so
this plugin, listed before Litestar's, describes every dataclass in the schema.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

from litestar.openapi.spec import Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator


class SentDataclassSchemaPlugin(OpenAPISchemaPlugin):
    """A dataclass's component schema: each field by its type, every one required, in the order they are sent."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        """Every dataclass."""
        return field_definition.is_dataclass_type

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        """The dataclass's component schema."""
        hints = field_definition.get_type_hints(include_extras=True, resolve_generics=True)
        record_fields = fields(field_definition.type_)
        return schema_creator.create_component_schema(
            field_definition,
            required=[field.name for field in record_fields],
            property_fields={
                field.name: FieldDefinition.from_kwarg(annotation=hints[field.name], name=field.name)
                for field in record_fields
            },
        )
