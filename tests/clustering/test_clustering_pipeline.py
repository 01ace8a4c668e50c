import numpy as np
import pytest
from blobs import unit_blobs
from sklearn.metrics import adjusted_rand_score

from clustering.documents import FeedbackItem
from clustering.embed import SentenceTransformerEmbedder
from clustering.pipeline import discover_clusters
from clustering.reduce import IncrementalReducer

# Fits UMAP in this process: waits for its numba kernels, compiled once per run (tests/numba_cache.py).
pytestmark = pytest.mark.umap

TOPIC_WORDS = ["password reset link", "refund double charge", "delivery late parcel"]


def blob_items(sizes: list[int]) -> tuple[list[FeedbackItem], np.ndarray, np.ndarray]:
    vectors, truth = unit_blobs(sizes)
    items = [
        FeedbackItem(interaction_id=f"i{n}", app="bot", user_message=f"{TOPIC_WORDS[blob]} case {n}")
        for n, blob in enumerate(truth)
    ]
    return items, vectors, truth


def labels_of(clusters, n: int) -> np.ndarray:
    labels = np.full(n, -1)
    for number, cluster in enumerate(clusters):
        labels[list(cluster.member_indices)] = number
    return labels


@pytest.fixture(scope="module")
def blobs_result():
    items, vectors, truth = blob_items([60, 45, 30])
    return items, truth, discover_clusters(items, vectors)


def test_no_items_give_no_clusters():
    assert discover_clusters([], np.zeros((0, 384), dtype=np.float32)) == []


def test_items_and_embeddings_must_line_up():
    items, vectors, _ = blob_items([5])
    with pytest.raises(ValueError):
        discover_clusters(items, vectors[:4])


def test_blobs_are_recovered_through_reduction_and_clustering(blobs_result):
    items, truth, clusters = blobs_result
    assert adjusted_rand_score(truth, labels_of(clusters, len(items))) == 1.0


def test_clusters_come_largest_first_with_member_ids(blobs_result):
    _, _, clusters = blobs_result
    assert [cluster.size for cluster in clusters] == [60, 45, 30]
    assert clusters[0].member_ids[0] == "i0"


def test_centroids_are_unit_vectors_in_embedding_space(blobs_result):
    _, _, clusters = blobs_result
    assert all(cluster.centroid.shape == (384,) for cluster in clusters)
    assert np.allclose([np.linalg.norm(cluster.centroid) for cluster in clusters], 1.0, atol=1e-5)


def test_clusters_carry_the_runs_bar_of_close_which_no_two_of_them_reach(blobs_result):
    # The bar of "close" (clustering.merge) is the run's, the same on every cluster; these three
    # topics are far apart, so no pair is close and the merge-candidates API would offer none.
    _, _, clusters = blobs_result
    [bar] = {cluster.merge_similarity for cluster in clusters}
    assert bar is not None and 0.0 < bar <= 1.0
    centroids = np.stack([cluster.centroid for cluster in clusters])
    similarities = centroids @ centroids.T
    assert similarities[~np.eye(len(clusters), dtype=bool)].max() < bar


def test_clusters_carry_keywords_title_and_representative_examples(blobs_result):
    _, _, clusters = blobs_result
    refunds = clusters[1]
    assert "refund" in refunds.keywords
    assert "refund" in refunds.title.lower()
    assert len(refunds.representative_ids) == 3
    assert all(text.startswith("refund double charge") for text in refunds.representative_texts)


def test_a_rerun_with_a_shared_reducer_keeps_labels_for_a_few_new_items():
    items, vectors, truth = blob_items([60, 45, 30])
    reducer = IncrementalReducer()
    ids = [item.interaction_id for item in items]
    discover_clusters(items[:-2], vectors[:-2], coordinates=reducer.reduce(ids[:-2], vectors[:-2]))
    clusters = discover_clusters(items, vectors, coordinates=reducer.reduce(ids, vectors))
    assert reducer.fit_count == 1
    assert adjusted_rand_score(truth, labels_of(clusters, len(items))) == 1.0


def test_real_complaints_group_by_what_went_wrong():
    complaints = {
        "card": [
            "My new card still has not arrived",
            "I ordered a card two weeks ago and it never came",
            "Where is my card? It was supposed to be delivered last week",
            "The replacement card hasn't been delivered yet",
            "Card delivery is taking far too long",
        ],
        "refund": [
            "I was charged twice for the same purchase",
            "There is a duplicate payment on my statement",
            "The same transaction appears two times on my account",
            "I got billed double for one order",
            "Why was my payment taken twice?",
        ],
    }
    texts = [text for group in complaints.values() for text in group]
    items = [FeedbackItem(interaction_id=str(i), app="bank", user_message=t) for i, t in enumerate(texts)]
    embeddings = SentenceTransformerEmbedder().embed(texts)
    labels = labels_of(discover_clusters(items, embeddings), len(items))
    assert adjusted_rand_score([0] * 5 + [1] * 5, labels) == 1.0
