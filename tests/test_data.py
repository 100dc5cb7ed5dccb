"""The data layer: sha256 checks against the manifest, the registry, training examples per task
type, no evaluation text in training data, sampling, the data card, fetching."""

import functools
import http.server
import shutil
import threading

import pytest

from boom.data import examples as ex
from boom.data import manifest, sampling
from boom.data.card import card
from boom.data.fetch import fetch_all
from boom.data.forms import Labelled, Pairs, Retrieval
from boom.data.manifest import DataError, checked_file
from boom.data.prepare import prepare
from boom.data.sources import EVAL_KINDS, MIRROR, ROLES, SOURCES, TASK_TYPES
from boom.io import read_jsonl




def test_registry_is_consistent():
    assert len(MIRROR) == 26  # SOURCES also holds the Hub datasets of any paper config validated so far
    for s in (SOURCES[name] for name in MIRROR):
        assert s.task_type in TASK_TYPES and s.role in ROLES and s.files
        assert s.eval_kind is None or s.eval_kind in EVAL_KINDS
        assert s.trainable == (s.role != "out_of_domain")
        assert s.instruction


def test_every_registered_file_matches_the_manifest(data_root):
    listed = set(manifest.read_manifest(data_root))
    for source in (SOURCES[name] for name in MIRROR):
        assert set(source.files) <= listed, source.name
    for dest in {f for name in MIRROR for f in SOURCES[name].files}:
        assert checked_file(data_root, dest).is_file()


def test_corrupt_file_is_refused_with_its_name(data_root, tmp_path, mirror_copy):
    root = mirror_copy(SOURCES["snli"].files)
    with (root / "raw/snli/labels.dev").open("a") as fh:
        fh.write("entailment\n")
    with pytest.raises(DataError, match=r"snli/labels.dev has sha256 .* but MANIFEST.tsv says"):
        SOURCES["snli"].read(root)


def test_missing_file_says_where_to_get_it(data_root, tmp_path, mirror_copy):
    root = mirror_copy(["snli/s1.dev", "snli/s2.dev"])
    with pytest.raises(DataError, match=r"labels.dev is missing: fetch data/SNLI/labels.dev from FreedomIntelligence/qnn"):
        SOURCES["snli"].read(root)


def test_missing_data_root_is_named(tmp_path):
    manifest.read_manifest.cache_clear()
    with pytest.raises(DataError, match="has no MANIFEST.tsv: set data.root"):
        checked_file(tmp_path / "nowhere", "snli/s1.dev")


def test_every_dataset_parses_into_a_form(data_root):
    # how long this takes is measured by benchmarks/data_load.py, not asserted here
    forms = {name: SOURCES[name].read(data_root) for name in MIRROR}
    assert {type(f) for f in forms.values()} == {Retrieval, Pairs, Labelled}


@functools.lru_cache(maxsize=None)
def _examples(name, root):
    return ex.build_examples(name, root, k=1)


@pytest.mark.parametrize("name", sorted(n for n in MIRROR if SOURCES[n].trainable))
def test_training_examples_have_the_normalised_form(data_root, name):
    examples, _ = _examples(name, data_root)
    assert len(examples) > 50
    for e in examples[:200]:
        assert set(e) == {"query", "positive", "negatives", "instruction"}
        assert e["query"] and e["positive"] and e["instruction"] == SOURCES[name].instruction
        assert len(e["negatives"]) == 1 and e["negatives"][0] != e["positive"]


def _norm(text):
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


@pytest.mark.parametrize("name", sorted(n for n, s in SOURCES.items() if s.trainable and s.eval_split))
def test_no_evaluation_item_of_a_task_is_in_its_own_training_data(data_root, name):
    """Retrieval: no evaluation query is trained on (the corpus is shared by design, as in BEIR);
    pairs: no evaluation pair is a (query, positive) or (query, negative) training pair;
    labelled texts: no evaluation text is a training query. Compared after normalisation."""
    examples, _ = _examples(name, data_root)
    source = SOURCES[name]
    form = source.read(data_root)
    split = source.eval_split
    if isinstance(form, Pairs):
        held_out = {frozenset((_norm(a), _norm(b))) for a, b, _ in form.pairs[split]}
        trained = {frozenset((_norm(e["query"]), _norm(t))) for e in examples for t in (e["positive"], *e["negatives"])}
    else:
        texts = form.queries[split].values() if isinstance(form, Retrieval) else [t for t, _ in form.texts[split]]
        held_out = {_norm(t) for t in texts}
        trained = {_norm(e["query"]) for e in examples}
    leaked = held_out & trained
    assert not leaked, f"{name}: {len(leaked)} evaluation items in training data, e.g. {sorted(map(str, leaked))[:3]}"


def test_no_out_of_domain_evaluation_item_is_in_any_training_data(data_root):
    """STS-B's train split holds a third of the STS12-16 test pairs and MRPC holds STS12's MSRpar
    pairs upstream: none of them may reach training."""
    ood = [n for n, s in SOURCES.items() if s.role == "out_of_domain"]
    pairs, texts = set(), set()
    for name in ood:
        form = SOURCES[name].read(data_root)
        if isinstance(form, Pairs):
            pairs |= {frozenset((_norm(a), _norm(b))) for a, b, _ in form.pairs["test"]}
        elif isinstance(form, Retrieval):
            texts |= {_norm(t) for t in (*form.queries["test"].values(), *form.corpus.values())}
        else:
            texts |= {_norm(t) for t, _ in form.texts["test"]}
    for name in ("stsb", "mrpc", "sick", "wikiqa", "snli"):
        examples, report = _examples(name, data_root)
        for e in examples:
            assert frozenset((_norm(e["query"]), _norm(e["positive"]))) not in pairs, name
            assert _norm(e["query"]) not in texts and _norm(e["positive"]) not in texts, name
    assert _examples("stsb", data_root)[1].skipped["train: shares a text with an evaluation split"] > 1000


def test_real_negatives_are_used_where_the_data_has_them(data_root):
    form = SOURCES["wikiqa"].read(data_root)
    examples, _ = _examples("wikiqa", data_root)
    judged = {form.corpus[d] for negs in form.negatives["train"].values() for d in negs}
    assert sum(e["negatives"][0] in judged for e in examples) / len(examples) > 0.9
    snli, _ = _examples("snli", data_root)
    assert snli[0]["positive"] == "Two woman are holding packages ."
    assert snli[0]["negatives"] == ["The men are fighting outside a deli ."]


def test_classification_negatives_are_other_labels(data_root):
    examples, _ = _examples("banking77", data_root)
    labels = {e["positive"] for e in examples}
    assert len(labels) == 77
    assert all(e["negatives"][0] in labels and e["negatives"][0] != e["positive"] for e in examples)
    assert not SOURCES["banking77"].in_batch_negatives and SOURCES["scifact"].in_batch_negatives


def test_mined_negatives_are_deterministic(data_root):
    a = ex.build_examples("scifact", data_root, k=2, seed=0)[0]
    b = ex.build_examples("scifact", data_root, k=2, seed=0)[0]
    assert a == b and all(len(e["negatives"]) == 2 for e in a)


def test_cap_is_deterministic_and_without_replacement(data_root):
    examples, _ = _examples("snli", data_root)
    a, b, c = ex.capped(examples, 100, 0), ex.capped(examples, 100, 0), ex.capped(examples, 100, 1)
    assert a == b and a != c and len(a) == 100
    assert len({(e["query"], e["positive"]) for e in a}) == 100


def test_prepare_writes_data_and_card(data_root, tmp_path):
    out = tmp_path / "scifact.n50.k1.jsonl"
    card_ = prepare(data_root, "scifact", 50, 1, out)
    assert len(read_jsonl(out)) == 50 == card_["examples"]
    assert card_["sha256"]["scifact/scifact_csv.zip"].startswith("a798a704")
    # SciFact repeats two claims in train and test: they are left out, and counted
    assert card_["skipped"] == {"train: shares a text with an evaluation split": 2}


def test_bags_are_stratified_deterministic_and_without_replacement():
    rows = [{"query": str(i)} for i in range(100)]
    bag = sampling.sample(rows, 0.4, seed=0, dataset="d")
    assert len(bag) == 40 and len({r["query"] for r in bag}) == 40
    assert bag == sampling.sample(rows, 0.4, seed=0, dataset="d")
    assert bag != sampling.sample(rows, 0.4, seed=1, dataset="d")
    assert bag != sampling.sample(rows, 0.4, seed=0, dataset="other")  # datasets drawn independently
    assert sampling.sample(rows, 1.0, seed=0, dataset="d") == rows


@pytest.mark.parametrize("ratio", [0, 1.5, -0.2])
def test_ratio_outside_zero_one_is_refused(ratio):
    with pytest.raises(ValueError, match="must be in \\(0, 1\\]"):
        sampling.sample([{"q": 1}], ratio, 0, "d")


def test_an_empty_bag_is_refused():
    with pytest.raises(DataError, match="the sample of dataset tiny at ratio 0.1 came out empty"):
        sampling.sample([{"q": 1}, {"q": 2}], 0.1, 0, "tiny")


def test_data_card_covers_every_dataset_and_split(data_root):
    df = card(data_root)
    assert set(df["dataset"]) == MIRROR
    assert (df["examples"] > 0).all() and df["source_sha256"].str.len().eq(64).all()
    row = df[(df.dataset == "scifact") & (df.split == "test")].iloc[0]
    assert row["examples"] == 300 and row["use"] == "evaluation" and row["licence"] == "CC BY-NC 2.0"


def test_fetch_downloads_checks_and_refuses_wrong_bytes(data_root, tmp_path):
    """Build a mirror from a server on loopback laid out like <repo>/<commit>/<path>."""
    entries = [e for e in manifest.read_manifest(data_root).values() if e.dest.startswith("snli/")]
    served = tmp_path / "served"
    for e in entries:
        target = served / e.repository / e.commit / e.source_path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(data_root / "raw" / e.dest, target)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        mirror = tmp_path / "mirror"
        assert fetch_all(mirror, data_root / "MANIFEST.tsv", base, only={"snli"}) == len(entries)
        assert fetch_all(mirror, data_root / "MANIFEST.tsv", base, only={"snli"}) == 0  # already intact
        manifest.read_manifest.cache_clear()
        assert SOURCES["snli"].read(mirror).pairs["dev"]
        # a server that hands out other bytes: refused, and nothing is written in its place
        victim = entries[0]
        (served / victim.repository / victim.commit / victim.source_path).write_text("tampered\n")
        (mirror / "raw" / victim.dest).unlink()
        with pytest.raises(DataError, match="not written"):
            fetch_all(mirror, data_root / "MANIFEST.tsv", base, only={"snli"})
        assert not (mirror / "raw" / victim.dest).exists()
    finally:
        server.shutdown()
        manifest.read_manifest.cache_clear()


def test_a_bag_and_its_complement_split_the_file():
    from boom.data.sampling import sample

    rows = [{"i": i} for i in range(20)]
    bag, rest = sample(rows, 0.5, 3, "x"), sample(rows, 0.5, 3, "x", complement=True)
    assert len(bag) == 10 and sorted(r["i"] for r in bag + rest) == list(range(20))
