"""Fixtures for the effect of a fix: the real bundled embedder, and seeding interactions, feedback and issues."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from clustering import SentenceTransformerEmbedder

# Lets test modules import the shared `effect_seed` helper (this folder is not a package).
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The packaged all-MiniLM-L6-v2, loaded once for the session (loading takes seconds)."""
    model = SentenceTransformerEmbedder()
    model.embed(["warm up"])
    return model
