"""Readers of the retrieval datasets (boom/data/readers/retrieval.py) on the real mirror files:
the counts the data README gives and the ones checked by inspection, the invariants of the
Retrieval form, split disjointness, what is skipped and why, and DataError on damaged files."""

import hashlib
import io
import json
import zipfile
from collections import Counter

import pytest

from boom.data.forms import LoadReport, Pairs, Retrieval
from boom.data.manifest import DataError, read_manifest
from boom.data.readers import retrieval
from boom.data.readers.retrieval import READERS

RETRIEVAL_SETS = ("scifact", "wikiqa", "trecqa", "cisi", "cranfield", "climatefever", "cosqa")
SPLITS = {"train", "dev", "test"}


@pytest.fixture(scope="module")
def loaded(data_root):
    """Each dataset read once: name -> (form, report)."""
    cache = {}

    def load(name):
        if name not in cache:
            report = LoadReport()
            cache[name] = (READERS[name][0](data_root, report), report)
        return cache[name]

    return load




def _fake_root(tmp_path, files):
    """A mirror of hand-written files, with a manifest that matches them: reaches the parsing."""
    (tmp_path / "raw").mkdir()
    rows = ["dest\trepository\tcommit\tsource_path\tsha256\tbytes"]
    for dest, data in files.items():
        path = tmp_path / "raw" / dest
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        rows.append(f"{dest}\tx/y\t{'0' * 40}\t{dest}\t{hashlib.sha256(data).hexdigest()}\t{len(data)}")
    (tmp_path / "MANIFEST.tsv").write_text("\n".join(rows) + "\n")
    return tmp_path


def _n_qrels(form, split):
    return sum(len(docs) for docs in form.qrels[split].values())


# ---------------------------------------------------------------- registry and form invariants


def test_registry_names_and_files(data_root):
    assert set(READERS) == {*RETRIEVAL_SETS, "quora"}
    manifest = read_manifest(data_root)
    for name, (reader, dests) in READERS.items():
        assert callable(reader) and reader.__name__ == f"read_{name}"
        assert dests and all(dest in manifest for dest in dests), name


@pytest.mark.parametrize("name", RETRIEVAL_SETS + ("quora",))
def test_each_reader_reads_only_the_files_it_declares(name, data_root, tmp_path, loaded):
    root = tmp_path / "mirror"
    (root / "raw").mkdir(parents=True)
    (root / "MANIFEST.tsv").symlink_to(data_root / "MANIFEST.tsv")
    for dest in READERS[name][1]:
        (root / "raw" / dest).parent.mkdir(parents=True, exist_ok=True)
        (root / "raw" / dest).symlink_to(data_root / "raw" / dest)
    report = LoadReport()
    form = READERS[name][0](root, report)
    expected, expected_report = loaded(name)
    assert form == expected and report == expected_report  # and the reader is deterministic


@pytest.mark.parametrize("name", RETRIEVAL_SETS)
def test_retrieval_form_invariants(name, loaded):
    form, report = loaded(name)
    assert isinstance(form, Retrieval)
    assert set(form.queries) <= SPLITS and set(form.queries) == set(form.qrels)
    assert set(form.negatives) <= set(form.queries)
    for doc, text in form.corpus.items():
        assert isinstance(doc, str) and isinstance(text, str) and text and text == text.strip()
    for split, queries in form.queries.items():
        assert queries, split
        # every query has a relevant document, and every judged query is a query of the split
        assert list(form.qrels[split]) == list(queries)
        for qid, text in queries.items():
            assert isinstance(qid, str) and text and text == text.strip()
        for qid, docs in form.qrels[split].items():
            assert docs
            for doc, rel in docs.items():
                assert doc in form.corpus and type(rel) is int and rel > 0
        for qid, negs in form.negatives.get(split, {}).items():
            assert qid in queries and negs and len(set(negs)) == len(negs)
            assert all(doc in form.corpus for doc in negs)
            assert not set(negs) & set(form.qrels[split][qid])
    for reason in report.skipped:
        assert reason.split(":")[0] in SPLITS | {"corpus"}, reason


def test_query_texts_are_disjoint_across_splits_where_promised(loaded):
    for name in ("wikiqa", "cosqa"):
        form, _ = loaded(name)
        splits = sorted(form.queries)
        for i, a in enumerate(splits):
            for b in splits[i + 1:]:
                texts_a = {t.lower() for t in form.queries[a].values()}
                texts_b = {t.lower() for t in form.queries[b].values()}
                assert not texts_a & texts_b, (name, a, b)
                assert not set(form.queries[a]) & set(form.queries[b]), (name, a, b)


# ---------------------------------------------------------------- WikiQA, TrecQA


def test_wikiqa_counts(loaded):
    form, report = loaded("wikiqa")
    readme_questions = {"train": 2118, "dev": 296, "test": 633}
    kept = {"train": 873, "dev": 126, "test": 243}  # the questions with a correct sentence
    assert {s: len(q) for s, q in form.queries.items()} == kept
    for split, total in readme_questions.items():
        dropped = report.skipped[f"{split}: query without relevant document"]
        assert kept[split] + dropped == total
    assert {s: _n_qrels(form, s) for s in kept} == {"train": 1040, "dev": 140, "test": 293}
    # label-0 sentences of the kept questions: the hard negatives
    assert {s: sum(map(len, form.negatives[s].values())) for s in kept} == {"train": 7632, "dev": 990, "test": 2057}
    # a few question-sentence lines repeat verbatim (same label): counted, once kept
    assert report.skipped == {
        "train: repeated question-sentence line": 2,
        "train: query without relevant document": 1245,
        "dev: repeated question-sentence line": 1,
        "dev: query without relevant document": 170,
        "test: repeated question-sentence line": 5,
        "test: query without relevant document": 390,
    }
    assert len(form.corpus) == 26196  # distinct sentences over the three files
    assert form.queries["train"]["train-0"] == "how are glacier caves formed ?"
    assert form.corpus["s0"] == "A partly submerged glacier cave on Perito Moreno Glacier ."


def test_wikiqa_sentences_shared_across_splits_are_one_document(loaded):
    """Data quirk, kept visible: questions are disjoint across splits, sentences are not (the
    same Wikipedia sentence is a candidate for questions of several splits); 5 sentences relevant
    to a test question are relevant to a train question too."""
    form, _ = loaded("wikiqa")
    relevant = {s: {d for docs in form.qrels[s].values() for d in docs} for s in form.qrels}
    assert len(relevant["test"] & relevant["train"]) == 5


def test_trecqa_train_only(loaded):
    form, report = loaded("trecqa")
    assert list(form.queries) == ["train"]
    assert len(form.queries["train"]) == 83 and _n_qrels(form, "train") == 348
    assert report.skipped == {"train: query without relevant document": 10}  # 93 questions in the file
    assert len(form.corpus) == 4622
    assert READERS["trecqa"][1] == ("trecqa/train.tsv",)


def test_answer_selection_counts_malformed_lines(tmp_path):
    tsv = (
        "q1 ?\ts1 .\t1\n"
        "q1 ?\ts2 .\t0\n"
        "q1 ?\ts2 .\t0\n"  # repeated line
        "q1 ?\ts2 .\t1\n"  # repeated with the other label: the first line wins
        "q1 ?\tonly two fields\n"
        "q2 ?\ts3 .\t2\n"  # label not 0/1
        "q2 ?\ts1 .\t0\n"  # q2 then has no relevant sentence
        "\n"
    )
    root = _fake_root(tmp_path, {"trecqa/train.tsv": tsv.encode()})
    report = LoadReport()
    form = retrieval.read_trecqa(root, report)
    assert form.queries == {"train": {"train-0": "q1 ?"}}
    assert form.qrels == {"train": {"train-0": {"s0": 1}}}
    assert form.negatives == {"train": {"train-0": ["s1"]}}
    assert form.corpus == {"s0": "s1 .", "s1": "s2 ."}
    assert report.skipped == {
        "train: repeated question-sentence line": 1,
        "train: question-sentence line repeated with the other label": 1,
        "train: line without exactly three tab-separated fields": 2,
        "train: empty question or sentence, or label not 0/1": 1,
        "train: query without relevant document": 1,
    }


# ---------------------------------------------------------------- Quora


def test_quora_pairs(loaded):
    form, report = loaded("quora")
    assert isinstance(form, Pairs) and set(form.pairs) == {"dev", "test"}
    for split, pairs in form.pairs.items():
        assert len(pairs) == 10000
        assert Counter(label for _, _, label in pairs) == {0: 5000, 1: 5000}
        assert all(type(label) is int and a and b for a, b, label in pairs)
    assert report.skipped == {}
    assert form.pairs["dev"][0] == (
        "How do I get funding for my web based startup idea ?", "How do I get seed funding pre product ?", 1
    )


def test_quora_splits_share_no_pair_but_share_questions(loaded):
    """Data quirk, kept visible: no pair is in both dev and test, but 1,400 question texts are
    (a Quora question takes part in several pairs); and upstream keeps 7 pairs whose two questions
    are identical, 2 of them labelled 0 (not duplicate)."""
    form, _ = loaded("quora")
    dev, test = ({frozenset(p[:2]) for p in form.pairs[s]} for s in ("dev", "test"))
    assert not dev & test
    dev_q, test_q = ({q for p in form.pairs[s] for q in p[:2]} for s in ("dev", "test"))
    assert len(dev_q & test_q) == 1400
    self_pairs = [(s, p[2]) for s in form.pairs for p in form.pairs[s] if p[0] == p[1]]
    assert Counter(self_pairs) == {("dev", 1): 4, ("test", 1): 1, ("test", 0): 2}


# ---------------------------------------------------------------- CISI, Cranfield


def test_cisi_counts(loaded):
    form, report = loaded("cisi")
    assert list(form.queries) == ["test"]
    assert len(form.corpus) == 1460
    assert len(form.queries["test"]) == 76  # of 112 queries, 76 have qrels
    assert report.skipped == {"test: query without relevant document": 36}
    assert _n_qrels(form, "test") == 3114  # every line of CISI.REL
    assert form.corpus["1"].startswith("18 Editions of the Dewey Decimal Classifications The present study")
    # queries 58.. are whole articles: their title comes first
    assert form.queries["test"]["58"].startswith("Directions in Library Networking Bibliographic control")
    assert "\n" not in form.corpus["1"] and "  " not in form.corpus["1"]


def test_cranfield_counts_ids_and_grades(loaded):
    form, report = loaded("cranfield")
    assert list(form.queries) == ["test"]
    assert list(form.queries["test"]) == [str(n) for n in range(1, 226)]  # cranqrel's numbering
    assert form.queries["test"]["3"] == "what problems of heat conduction in composite slabs have been solved so far ."
    assert len(form.corpus) == 1398 and "471" not in form.corpus and "995" not in form.corpus
    assert report.skipped == {
        "test: document without text": 2,  # 471 and 995 are empty upstream
        "test: judgement code -1 (the query's source document)": 225,  # one per query
        "test: relevant document or query not in the collection": 1,  # 125 -> 995
    }
    grades = Counter(rel for docs in form.qrels["test"].values() for rel in docs.values())
    # 5 - code for codes 1..4 (128 / 387 / 734 / 363 lines), less the judgement of empty doc 995
    assert grades == {4: 128, 3: 387, 2: 733, 1: 363}
    assert form.qrels["test"]["1"]["184"] == 3 and form.qrels["test"]["1"]["13"] == 1  # codes 2 and 4
    assert "486" not in form.qrels["test"]["1"]  # code -1: the source paper of query 1


def test_cranfield_misaligned_files_raise(data_root, tmp_path):
    """cranqrel numbers queries 1..225 by position in cran.qry: a cran.qry with fewer queries
    than cranqrel names no longer belongs to it."""
    raw = data_root / "raw" / "cranfield"
    qry = (raw / "cran.qry").read_bytes()
    truncated = qry[: qry.rindex(b".I ")]  # drop the last query
    files = {
        "cranfield/cran.all.1400": (raw / "cran.all.1400").read_bytes(),
        "cranfield/cran.qry": truncated,
        "cranfield/cranqrel": (raw / "cranqrel").read_bytes(),
    }
    root = _fake_root(tmp_path, files)
    with pytest.raises(DataError, match=r"cranfield/cranqrel: query number 225 beyond the 224 queries"):
        retrieval.read_cranfield(root, LoadReport())


def test_smart_parser_fields_and_errors():
    text = ".I 1\n.T \nA title\n.W\nline one\nline two\n.W\nmore\n.I 2\n.W\nx\n"
    assert retrieval._smart_records(text, "f") == {
        "1": {"T": "\nA title\n", "W": "\nline one\nline two\n\nmore\n"},
        "2": {"W": "\nx\n"},
    }
    with pytest.raises(DataError, match=r"f: record .I 1 appears twice"):
        retrieval._smart_records(".I 1\n.W\na\n.I 1\n.W\nb\n", "f")
    with pytest.raises(DataError, match=r"f: text outside any field"):
        retrieval._smart_records("stray\n.I 1\n", "f")


# ---------------------------------------------------------------- Climate-FEVER


def test_climatefever_counts(loaded):
    form, report = loaded("climatefever")
    assert list(form.queries) == ["test"]
    assert len(form.queries["test"]) == 1061
    assert report.skipped == {"test: query without relevant document": 474}  # 1,535 claims in all
    assert len(form.corpus) == 5240  # distinct evidence ids among the 7,675 evidence rows
    n_rel = _n_qrels(form, "test")
    n_neg = sum(map(len, form.negatives["test"].values()))
    assert (n_rel, n_neg) == (2745, 2560)
    # 5 evidences per claim: the dropped claims had only NOT_ENOUGH_INFO ones
    assert n_rel + n_neg + 5 * 474 == 7675
    assert form.queries["test"]["0"] == "Global warming is driving polar bears toward extinction"
    assert form.qrels["test"]["0"] == {"Global warming:14": 1, "Habitat destruction:61": 1}


def test_climatefever_stringified_and_unparsable_evidences(tmp_path):
    ev = {"evidence_id": "A:1", "evidence_label": "SUPPORTS", "article": "A", "evidence": " S1. "}
    nei = {"evidence_id": "A:2", "evidence_label": "NOT_ENOUGH_INFO", "article": "A", "evidence": "S2."}
    claims = [
        {"claim_id": "1", "claim": "c1", "claim_label": "SUPPORTS", "evidences": str([ev, nei])},  # Python repr
        {"claim_id": "2", "claim": "c2", "claim_label": "SUPPORTS", "evidences": "[{'evidence_id': 'A:1',"},
        {"claim_id": "3", "claim": "c3", "claim_label": "NOT_ENOUGH_INFO", "evidences": json.dumps([nei])},
        "not json at all",
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        lines = [c if isinstance(c, str) else json.dumps(c) for c in claims]
        zf.writestr("climate-fever.jsonl", "\n".join(lines) + "\n")
    root = _fake_root(tmp_path, {"climatefever/climate_fever.zip": buf.getvalue()})
    report = LoadReport()
    form = retrieval.read_climatefever(root, report)
    assert form.queries == {"test": {"1": "c1"}}
    assert form.qrels == {"test": {"1": {"A:1": 1}}}
    assert form.negatives == {"test": {"1": ["A:2"]}}
    assert form.corpus == {"A:1": "S1.", "A:2": "S2."}
    assert report.skipped == {
        "test: unparsable evidences list": 1,
        "test: unreadable claim line": 1,
        "test: query without relevant document": 1,
    }


# ---------------------------------------------------------------- CoSQA


def test_cosqa_counts(loaded):
    form, report = loaded("cosqa")
    assert set(form.queries) == {"dev", "test"}
    assert len(form.corpus) == 6267 and list(form.corpus) == [str(i) for i in range(6267)]
    for split in ("dev", "test"):
        assert len(form.queries[split]) == 500 and _n_qrels(form, split) == 500
    assert report.skipped == {} and form.negatives == {}
    assert form.queries["dev"]["cosqa-train-8333"] == "python check if a variable is iterable"
    assert form.qrels["dev"]["cosqa-train-8333"] == {"1640": 1}


def test_cosqa_dev_and_test_share_answer_snippets(loaded):
    """Data quirk, kept visible: dev (new training data) and test queries are disjoint, but 70
    code snippets are the answer to a dev query and to a test query."""
    form, _ = loaded("cosqa")
    answers = {s: {d for docs in form.qrels[s].values() for d in docs} for s in ("dev", "test")}
    assert (len(answers["dev"]), len(answers["test"])) == (478, 472)
    assert len(answers["dev"] & answers["test"]) == 70


def test_cosqa_code_that_differs_from_the_map_raises(tmp_path):
    code_map = json.dumps({"def f(): pass": 0, "def g(): pass": 1}).encode()
    query = {"idx": "q1", "doc": "f", "code": "def g(): pass", "label": 1, "retrieval_idx": 0}
    files = {
        "cosqa/code_idx_map.txt": code_map,
        "cosqa/cosqa-retrieval-dev-500.json": json.dumps([query]).encode(),
        "cosqa/cosqa-retrieval-test-500.json": b"[]",
    }
    with pytest.raises(DataError, match=r"cosqa-retrieval-dev-500.json: query q1's code differs"):
        retrieval.read_cosqa(_fake_root(tmp_path, files), LoadReport())


# ---------------------------------------------------------------- damaged files


@pytest.mark.parametrize(
    "name, damaged",
    [
        ("wikiqa", "wikiqa/dev.tsv"),
        ("trecqa", "trecqa/train.tsv"),
        ("quora", "quora/test.tsv"),
        ("cisi", "cisi/CISI.REL"),
        ("cranfield", "cranfield/cranqrel"),
        ("climatefever", "climatefever/climate_fever.zip"),
        ("cosqa", "cosqa/code_idx_map.txt"),
    ],
)
def test_corrupt_copy_raises(name, damaged, data_root, tmp_path, mirror_copy):
    reader, dests = READERS[name]
    root = mirror_copy(dests)
    with (root / "raw" / damaged).open("ab") as fh:
        fh.write(b"\n")
    with pytest.raises(DataError, match=rf"{damaged} has sha256 .* but MANIFEST.tsv says"):
        reader(root, LoadReport())
