import sys
from pathlib import Path

import pytest

from clustering.embed import SentenceTransformerEmbedder

# Lets test modules import the shared `blobs` and `real_complaints` helpers without making tests/clustering
# a package (a package named "clustering" here would shadow the real one).
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    """The bundled model, loaded once per test module."""
    return SentenceTransformerEmbedder()
