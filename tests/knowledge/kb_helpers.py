"""Small real texts for retrieval tests, and building an index from them with the real embedder."""

from __future__ import annotations

from collections.abc import Sequence

from clustering.embed import Embedder
from gateway.config import Settings
from gateway.knowledge.index import IndexedEntry, KnowledgeIndex, build_index, index_texts
from gateway.knowledge.injection import InjectionFormat

FEES = IndexedEntry(
    "kb-fees",
    2,
    "Foreign transfer fees",
    "Transfers to foreign accounts cost 1% of the amount, at least 2 EUR.",
    ("How much does an international transfer cost?", "What is the fee for sending money abroad?"),
)
CARD = IndexedEntry(
    "kb-card",
    1,
    "Card delivery",
    "A new card arrives within 5 working days; track it under Cards > Delivery.",
    ("When will my new card arrive?", "My card has not arrived yet"),
)
PIN = IndexedEntry(
    "kb-pin",
    1,
    "Changing your PIN",
    "Change the PIN at any ATM of our bank, or in the app under Cards > PIN.",
    ("How do I change my PIN?", "Can I reset my card PIN in the app?"),
)
ENTRIES = (FEES, CARD, PIN)


def build(embedder: Embedder, entries: Sequence[IndexedEntry] = ENTRIES) -> KnowledgeIndex:
    return build_index(entries, embedder.embed(index_texts(entries)))


def default_format() -> InjectionFormat:
    settings = Settings()
    return InjectionFormat(settings.knowledge_message_header, settings.knowledge_entry_template)
