"""The data layer: sha256 checks against the manifest, real parsing of the real files, no leaks."""

import shutil

import pytest

from boom.data import manifest, sources
from boom.data.manifest import DataError, checked_file
from boom.data.prepare import prepare


def _mirror_copy(data_root, tmp_path, dests):
    """A private copy of part of the data mirror that a test may damage."""
    (tmp_path / "raw").mkdir()
    shutil.copy(data_root / "MANIFEST.tsv", tmp_path / "MANIFEST.tsv")
    for dest in dests:
        (tmp_path / "raw" / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(data_root / "raw" / dest, tmp_path / "raw" / dest)
    return tmp_path


def test_every_registered_file_matches_the_manifest(data_root):
    for source in sources.SOURCES.values():
        for dest in source.files:
            assert checked_file(data_root, dest).is_file()


def test_corrupt_file_is_refused_with_its_name(data_root, tmp_path):
    root = _mirror_copy(data_root, tmp_path, ["snli/s1.dev", "snli/s2.dev", "snli/labels.dev"])
    with (root / "raw/snli/labels.dev").open("a") as fh:
        fh.write("entailment\n")
    with pytest.raises(DataError, match=r"snli/labels.dev has sha256 .* but MANIFEST.tsv says"):
        sources.training_examples(root, "snli", 10)


def test_missing_file_says_where_to_get_it(data_root, tmp_path):
    root = _mirror_copy(data_root, tmp_path, ["snli/s1.dev", "snli/s2.dev"])
    with pytest.raises(DataError, match=r"labels.dev is missing: fetch data/SNLI/labels.dev from FreedomIntelligence/qnn"):
        sources.training_examples(root, "snli", 10)


def test_missing_data_root_is_named(tmp_path):
    manifest.read_manifest.cache_clear()
    with pytest.raises(DataError, match="has no MANIFEST.tsv: set data.root"):
        checked_file(tmp_path / "nowhere", "snli/s1.dev")


def test_scifact_matches_the_published_counts(data_root):
    # The mirror's README: train 809 claims / 919 qrels; BEIR test 300 claims / 339 qrels.
    train = sources.scifact_claims(data_root, "train")
    test = sources.scifact_claims(data_root, "test")
    assert len(train) == 809 and sum(len(d) for _, d in train.values()) == 919
    assert len(test) == 300 and sum(len(d) for _, d in test.values()) == 339
    corpus = sources.scifact_corpus(data_root)
    assert len(corpus) == 5183
    # abstracts are joined sentence lists, not the raw numpy-style repr
    assert not any(t.count("' '") for t in list(corpus.values())[:200])


def test_scifact_test_claims_never_appear_in_training(data_root):
    examples, _ = sources.training_examples(data_root, "scifact", 10**9)
    train_queries = {e["query"] for e in examples}
    test_queries = {text for text, _ in sources.scifact_claims(data_root, "test").values()}
    assert train_queries and test_queries and not train_queries & test_queries


def test_snli_triplets_are_real_entailment_and_contradiction(data_root):
    examples, report = sources.training_examples(data_root, "snli", 10**9)
    assert len(examples) > 2500 and report.skipped == {}
    first = examples[0]
    assert first["query"].startswith("Two women are embracing")
    assert first["positive"] == "Two woman are holding packages ." and len(first["negatives"]) == 1


def test_sts12_drops_unscored_pairs_and_counts_them(data_root):
    report = sources.LoadReport()
    pairs = sources.sts12_pairs(data_root, report)
    assert len(pairs) == 3108  # 750 + 750 + 459 + 750 + 399, as in mteb's STS12
    assert all(0.0 <= score <= 5.0 for *_, score in pairs)


def test_cap_is_deterministic_and_without_replacement(data_root):
    a, _ = sources.training_examples(data_root, "snli", 100, seed=0)
    b, _ = sources.training_examples(data_root, "snli", 100, seed=0)
    c, _ = sources.training_examples(data_root, "snli", 100, seed=1)
    assert a == b and a != c and len(a) == 100
    assert len({(e["query"], e["positive"]) for e in a}) == 100


def test_prepare_writes_data_and_card(data_root, tmp_path):
    out = tmp_path / "scifact.n50.jsonl"
    card = prepare(data_root, "scifact", 50, out)
    assert len(out.read_text().splitlines()) == 50 == card["examples"]
    assert card["sha256"]["scifact/scifact_csv.zip"].startswith("a798a704")
    assert (tmp_path / "scifact.n50.jsonl.card.json").is_file()
