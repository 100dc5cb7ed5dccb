"""Paper-scale data code, exercised offline: the bge-full-data row normaliser, the pinning rule,
and the mteb benchmarks' task lists and revisions (which ship with mteb)."""

import pytest

from boom.data import hub, mteb_benchmarks
from boom.data.manifest import DataError

ROW = {  # the layout of a bge-full-data JSON line
    "query": "what is the capital of france",
    "pos": ["Paris is the capital and most populous city of France."],
    "neg": ["Lyon is a city in France.", "Berlin is the capital of Germany.", "Madrid is in Spain."],
    "prompt": "Given a web search query, retrieve relevant passages that answer the query.",
    "type": "normal",
}


def test_a_row_becomes_a_training_example():
    ex = hub.normalise(ROW, k=2, source="msmarco.jsonl")
    assert ex == {"query": ROW["query"], "positive": ROW["pos"][0], "negatives": ROW["neg"][:2],
                  "instruction": ROW["prompt"]}


def test_too_few_negatives_are_repeated_and_no_positive_is_an_error_naming_the_source():
    ex = hub.normalise(ROW, k=7, source="msmarco_passage")
    assert ex["negatives"] == (ROW["neg"] * 3)[:7]  # as FlagEmbedding fills a group
    with pytest.raises(DataError, match="nq: row without a query or a positive"):
        hub.normalise({**ROW, "pos": []}, k=1, source="nq")


def test_the_papers_held_out_splits_are_refused_and_revisions_must_be_commits():
    assert hub.excluded("quora") and hub.excluded("arguana") and hub.excluded("scidocsrr")
    assert hub.excluded("SCIDOCS-RR") and not hub.excluded("msmarco_passage")
    with pytest.raises(DataError, match="is not a commit hash"):
        hub.HubDataset(hub.BGE_FULL_DATA_REPO, "msmarco_passage", "main").check_pinned()
    hub.HubDataset(hub.BGE_FULL_DATA_REPO, "msmarco_passage", "0" * 40).check_pinned()


@pytest.mark.parametrize("suite, name", sorted(mteb_benchmarks.PAPER_BENCHMARKS.items()))
def test_paper_benchmarks_resolve_offline_with_pinned_revisions(suite, name):
    import mteb

    revisions = {t.metadata.name: t.metadata.dataset.get("revision") for t in mteb.get_benchmark(name).tasks}
    assert len(revisions) >= 10 and all(revisions.values())
