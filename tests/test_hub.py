"""Paper-scale data code, exercised offline: the bge-full-data row normaliser, the pinning rule,
and the mteb benchmarks' task lists and revisions (which ship with mteb)."""

import pytest

from boom.data import hub

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


def test_too_few_negatives_or_no_positive_is_an_error_naming_the_source():
    with pytest.raises(ValueError, match="msmarco.jsonl: row has 3 negatives, 7 needed"):
        hub.normalise(ROW, k=7, source="msmarco.jsonl")
    with pytest.raises(ValueError, match="nq.jsonl: row without a query or a positive"):
        hub.normalise({**ROW, "pos": []}, k=1, source="nq.jsonl")


def test_the_papers_held_out_files_are_refused_and_revisions_must_be_commits():
    assert hub.excluded("data/en/Quora/quora_duplicates_triplets.jsonl")
    assert hub.excluded("data/en/ArguAna/arguana.jsonl") and hub.excluded("data/en/SCIDOCS-RR/scidocsrr.jsonl")
    assert not hub.excluded("data/en/MSMARCO/msmarco_passage.jsonl")
    with pytest.raises(ValueError, match="is not a commit hash"):
        hub.HubDataset(hub.BGE_FULL_DATA_REPO, "data/en/MSMARCO/msmarco_passage.jsonl", "main").check_pinned()
    hub.HubDataset(hub.BGE_FULL_DATA_REPO, "x.jsonl", "0" * 40).check_pinned()


@pytest.mark.parametrize("suite, name", sorted(hub.PAPER_BENCHMARKS.items()))
def test_paper_benchmarks_resolve_offline_with_pinned_revisions(suite, name):
    revisions = hub.benchmark_revisions(name)
    assert len(revisions) >= 10 and all(revisions.values())
