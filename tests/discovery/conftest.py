"""Fixtures for issue discovery: the real bundled embedder, and seeding negative feedback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from clustering import SentenceTransformerEmbedder
from gateway.config import Settings

# Lets test modules import the shared `seed` helper (this folder is not a package).
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def job_settings(database_url: str) -> Settings:
    """Settings for running clustering passes against this test's database."""
    return Settings(database_url=database_url)


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The packaged all-MiniLM-L6-v2, loaded once for the session (loading takes seconds)."""
    model = SentenceTransformerEmbedder()
    model.embed(["warm up"])
    return model
