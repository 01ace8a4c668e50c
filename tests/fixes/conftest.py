"""Fixtures for fix previews: the real bundled embedder shared with the gateways, and the effect tests' seed helpers."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from clustering import SentenceTransformerEmbedder
from gateway.accounts.records import Role
from gateway.embedder import LazyEmbedder

# Lets test modules import the effect tests' `effect_seed` helper (make_issue) and the admin page
# tests' helpers (signing in, reading pages).
sys.path.insert(0, str(Path(__file__).parent.parent / "effect"))
sys.path.insert(0, str(Path(__file__).parent.parent / "admin_ui"))
from admin_helpers import PASSWORD, sign_in


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The packaged all-MiniLM-L6-v2, loaded once for the session (loading takes seconds)."""
    model = SentenceTransformerEmbedder()
    model.embed(["warm up"])
    return model


@pytest.fixture
def gateway_embedder(
    monkeypatch: pytest.MonkeyPatch, embedder: SentenceTransformerEmbedder
) -> SentenceTransformerEmbedder:
    """Gateways started in this test embed with the session's model instead of loading their own."""
    monkeypatch.setattr(
        "gateway.services_setup.product_embedder", lambda settings, environ: LazyEmbedder.holding(embedder)
    )
    return embedder


@pytest.fixture
async def signed_in_as(gateway):
    """Clients with their own cookies, signed in as a new user with the given role."""
    clients: list[httpx.AsyncClient] = []

    async def make(name: str, role: Role) -> httpx.AsyncClient:
        await gateway.services.accounts.create(name, role, PASSWORD, actor="test")
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://feedgate.test")
        clients.append(http)
        assert (await sign_in(http, name)).status_code == 303
        return http

    yield make
    for http in clients:
        await http.aclose()
