"""The API's JSON of the policies' notes on an interaction: any note is an object naming its policy and action, and
the note a person acts on is typed (a knowledge search that added no entry, naming the closest one).

The schema says the notes are `oneOf` the typed note or any other: the other is documented as an object without
the typed note's `closest`, so a knowledge search's note fits exactly one (as `oneOf` requires).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypedDict

from litestar.openapi.spec import OpenAPIType, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator


class ClosestEntryJSON(TypedDict):
    """The entry that scored best in a knowledge search that added none, at the version the call saw."""

    id: str
    version: int
    title: str
    score: float


class KnowledgeMissJSON(TypedDict):
    """The knowledge policy's note when the app's knowledge base was searched and no entry reached the threshold:
    the request went on as it was."""

    policy: Literal["knowledge"]
    action: Literal["pass"]
    threshold: float
    closest: ClosestEntryJSON


# A class of its own (not dict[str, Any]) so that its schema plugin finds it.
class OtherPolicyNoteJSON(dict[str, Any]):
    """Any other policy's note: {"policy": …, "action": …} and what that policy adds."""


PolicyNoteJSON = KnowledgeMissJSON | OtherPolicyNoteJSON


class OtherPolicyNoteSchemaPlugin(OpenAPISchemaPlugin):
    """OtherPolicyNoteJSON's schema: an object naming its policy and action, without a knowledge miss's `closest`."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        """The marker type only."""
        return field_definition.type_ is OtherPolicyNoteJSON

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        """An open object, never with a knowledge miss's `closest` (its `policy` and `action` are described only)."""
        return Schema(
            type=OpenAPIType.OBJECT,
            additional_properties=Schema(),
            schema_not=Schema(required=["closest"]),
            description=OtherPolicyNoteJSON.__doc__,
        )
