"""The sentence-pair and labelled-text readers against the real files of the data mirror: counts
per split, label sets, skipped lines, split overlap, and refusal of damaged files."""

import collections
import csv
import hashlib

import pytest

from boom.data import manifest
from boom.data.forms import Labelled, LoadReport, Pairs
from boom.data.manifest import DataError
from boom.data.readers import labelled, pairs

SPLITS = {"train", "dev", "test"}

# name -> (counts per split, skipped reasons with their counts)
PAIR_COUNTS = {
    "stsb": ({"train": 5749, "dev": 1500, "test": 1379}, {}),
    "sick": ({"train": 4500, "dev": 500, "test": 4927}, {}),
    # train: the archive's MSRpar 750 + MSRvid 750 + SMTeuroparl 734; test as in mteb's STS12
    "sts12": ({"train": 2234, "test": 3108}, {}),
    "sts13": ({"test": 1500}, {}),  # FNWN 189 + OnWN 561 + headlines 750, as in mteb's STS13
    "sts14": ({"test": 3750}, {}),  # as in mteb's STS14
    # 375 + 750 + 375 + 750 + 750 scored of 8,500 lines; 1,186 scored of 9,183 lines: mteb's counts
    "sts15": ({"test": 3000}, {"test: pair without a gold score": 5500}),
    "sts16": ({"test": 1186}, {"test: pair without a gold score": 7997}),
    # MSR's 4,076 training pairs split into train and val; 1,725 test pairs
    "mrpc": ({"train": 3576, "dev": 500, "test": 1725}, {}),
    # the corpus README: 42,200 / 9,324 after dropping the 3-of-6-vote pairs
    "twitterurl": ({"train": 42200, "test": 9324}, {}),
    "snli": ({"dev": 9842, "test": 9824}, {}),
}

LABELLED_COUNTS = {
    "banking77": ({"train": 10003, "test": 3080}, {}),
    "emotion": ({"train": 16000, "dev": 2000, "test": 2000}, {}),
    "tweetsent": ({"train": 27480, "test": 3534}, {}),
    "amazoncf": ({"train": 4018, "dev": 335, "test": 670}, {}),
    "trec": ({"train": 5452, "test": 500}, {}),
    "sst2": ({"train": 67349, "dev": 872, "test": 1821}, {}),
    # rec.autos/101675 (the 20th rec.autos id, so train) has headers and no body
    "20ng_mini": ({"train": 999, "test": 1000}, {"train: post with an empty body": 1}),
    "agnews": ({"test": 7600}, {}),
}

LABEL_SETS = {
    "emotion": {"sadness", "joy", "love", "anger", "fear", "surprise"},
    "tweetsent": {"negative", "neutral", "positive"},
    "amazoncf": {"not-counterfactual", "counterfactual"},
    "trec": {"ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"},
    "sst2": {"negative", "positive"},
    "agnews": {"World", "Sports", "Business", "Sci/Tech"},
    "20ng_mini": {
        "alt.atheism", "comp.graphics", "comp.os.ms-windows.misc", "comp.sys.ibm.pc.hardware",
        "comp.sys.mac.hardware", "comp.windows.x", "misc.forsale", "rec.autos", "rec.motorcycles",
        "rec.sport.baseball", "rec.sport.hockey", "sci.crypt", "sci.electronics", "sci.med", "sci.space",
        "soc.religion.christian", "talk.politics.guns", "talk.politics.mideast", "talk.politics.misc",
        "talk.religion.misc",
    },
}

STS_RANGES = {"stsb": (0, 5), "sick": (1, 5), **{f"sts{y}": (0, 5) for y in (12, 13, 14, 15, 16)}}
BINARY = ("mrpc", "twitterurl")

# Evaluation texts (pairs: unordered sentence pairs) found verbatim in the same dataset's train
# split. The splits are meant to be disjoint; these are real duplicates in the upstream files
# (identical short questions / tweets / captions, cross-posted news posts, re-annotated pairs),
# pinned here so that a change shows, not removed by the readers.
OVERLAP = {
    "sts12": {"test": 0},
    "stsb": {"dev": 7, "test": 12},
    "sick": {"dev": 7, "test": 81},
    "mrpc": {"dev": 0, "test": 0},
    "twitterurl": {"test": 0},
    "banking77": {"test": 6},
    "emotion": {"dev": 5, "test": 11},  # most with a different label in train
    "tweetsent": {"test": 8},
    "amazoncf": {"dev": 0, "test": 0},
    "trec": {"test": 10},
    "sst2": {"dev": 0, "test": 2},
    "20ng_mini": {"test": 2},  # posts cross-posted to talk.politics.misc and talk.religion.misc
}

ALL_READERS = {**pairs.READERS, **labelled.READERS}
_cache: dict = {}


def _read(root, name):
    if name not in _cache:
        report = LoadReport()
        form = ALL_READERS[name][0](root, report)
        _cache[name] = (form, report)
    return _cache[name]


def _splits(form):
    return form.pairs if isinstance(form, Pairs) else form.texts


@pytest.mark.parametrize("name", list(PAIR_COUNTS))
def test_pairs_counts_and_skips(data_root, name):
    form, report = _read(data_root, name)
    counts, skipped = PAIR_COUNTS[name]
    assert isinstance(form, Pairs)
    assert {s: len(v) for s, v in form.pairs.items()} == counts
    assert report.skipped == skipped
    for split, rows in form.pairs.items():
        assert split in SPLITS
        for a, b, _ in rows:
            assert a and b and a == a.strip() and b == b.strip()


@pytest.mark.parametrize("name", list(STS_RANGES))
def test_sts_scores_are_floats_in_range(data_root, name):
    form, _ = _read(data_root, name)
    low, high = STS_RANGES[name]
    for rows in form.pairs.values():
        scores = [score for *_, score in rows]
        assert all(isinstance(s, float) and low <= s <= high for s in scores)
        assert min(scores) < low + 1 and max(scores) > high - 1  # the whole scale is used


@pytest.mark.parametrize("name", BINARY)
def test_pair_classification_labels_are_0_and_1(data_root, name):
    form, _ = _read(data_root, name)
    for rows in form.pairs.values():
        assert {type(y) for *_, y in rows} == {int}
        assert {y for *_, y in rows} == {0, 1}


def test_pair_classification_label_balance(data_root):
    mrpc, _ = _read(data_root, "mrpc")
    twitter, _ = _read(data_root, "twitterurl")
    assert sum(y for *_, y in mrpc.pairs["train"]) == 2407  # 1,169 label-0 lines in train.tsv
    assert sum(y for *_, y in mrpc.pairs["test"]) == 1147
    assert sum(y for *_, y in twitter.pairs["train"]) == 11167
    assert sum(y for *_, y in twitter.pairs["test"]) == 1820


def test_pairs_first_rows_are_the_files_first_lines(data_root):
    stsb, _ = _read(data_root, "stsb")
    assert stsb.pairs["train"][0] == ("A plane is taking off.", "An air plane is taking off.", 5.0)
    # a line with the two extra source columns keeps its score and sentences
    headline = [p for p in stsb.pairs["train"] if p[0] == "Driver backs into stroller with child, drives off"]
    assert headline == [("Driver backs into stroller with child, drives off",
                         "Driver backs into mom, stroller with child then drives off", 4.0)]
    sick, _ = _read(data_root, "sick")
    assert sick.pairs["dev"][0][2] == 3.6 and sick.pairs["test"][0][0].startswith("There is no boy playing")
    mrpc, _ = _read(data_root, "mrpc")
    assert mrpc.pairs["train"][0][0].startswith("Amrozi accused his brother")  # the BOM is gone
    assert mrpc.pairs["train"][0][2] == 1
    sts12, _ = _read(data_root, "sts12")
    assert sts12.pairs["train"][0][2] == 4.0  # STS2012-train/STS.gs.MSRpar.txt line 1


@pytest.mark.parametrize("name", list(LABELLED_COUNTS))
def test_labelled_counts_and_skips(data_root, name):
    form, report = _read(data_root, name)
    counts, skipped = LABELLED_COUNTS[name]
    assert isinstance(form, Labelled)
    assert {s: len(v) for s, v in form.texts.items()} == counts
    assert report.skipped == skipped
    for split, rows in form.texts.items():
        assert split in SPLITS
        for text, label in rows:
            assert isinstance(label, str) and label
            assert text and text == text.strip()


def test_labelled_label_sets(data_root):
    for name, expected in LABEL_SETS.items():
        form, _ = _read(data_root, name)
        for split, rows in form.texts.items():
            assert {label for _, label in rows} == expected, (name, split)
    banking, _ = _read(data_root, "banking77")
    assert len({label for _, label in banking.texts["train"]}) == 77
    assert {label for _, label in banking.texts["test"]} == {label for _, label in banking.texts["train"]}
    agnews, _ = _read(data_root, "agnews")
    assert set(collections.Counter(label for _, label in agnews.texts["test"]).values()) == {1900}
    ng, _ = _read(data_root, "20ng_mini")
    per_group = collections.Counter(label for _, label in ng.texts["test"])
    assert set(per_group.values()) == {50}
    assert collections.Counter(label for _, label in ng.texts["train"])["rec.autos"] == 49


def test_labelled_texts_are_cleaned(data_root):
    agnews, _ = _read(data_root, "agnews")
    texts = [t for t, _ in agnews.texts["test"]]
    assert texts[0] == ("Fears for T N pension after talks Unions representing workers at Turner Newall say "
                        "they are 'disappointed' after talks with stricken parent firm Federal Mogul.")
    assert texts[1].startswith("The Race is On: Second Private Team Sets Launch Date for Human Spaceflight "
                               "(SPACE.com) SPACE.com - TORONTO, Canada -- A second team of rocketeers "
                               "competing for the $10 million Ansari X Prize")
    assert not any("\\" in t or " quot;" in t or "#39;" in t for t in texts)
    trec, _ = _read(data_root, "trec")
    assert trec.texts["train"][0] == ("How did serfdom develop in and then leave Russia ?", "DESC")
    assert any("sister\u00f0city" in t for t, _ in trec.texts["train"])  # the one latin-1 byte, kept
    ng, _ = _read(data_root, "20ng_mini")
    first = ng.texts["train"][0]
    assert first[1] == "alt.atheism"
    assert first[0].startswith('Re: [soc.motss, et al.] "Princeton axes matching funds for Boy Scouts" In article')
    assert not any("\n" in t or "Message-ID:" in t[:300] for t, _ in ng.texts["train"][:50])
    merc = [t for t, _ in ng.texts["train"] + ng.texts["test"] if t.startswith("Any info on Merc 300E 2.6")]
    assert len(merc) == 1 and "Can anyone out there tell me about the reliability" in merc[0]
    tweets, _ = _read(data_root, "tweetsent")
    assert tweets.texts["test"][0] == ("Last session of the day  http://twitpic.com/67ezh", "neutral")
    sst2, _ = _read(data_root, "sst2")
    assert sst2.texts["train"][0] == ("hide new secretions from the parental units", "negative")


def _overlap(form, split):
    def key(row):
        return frozenset(row[:2]) if isinstance(form, Pairs) else row[0]

    rows = _splits(form)
    train = {key(r) for r in rows["train"]}
    return sum(key(r) in train for r in rows[split])


@pytest.mark.parametrize("name", list(OVERLAP))
def test_evaluation_texts_are_not_in_train(data_root, name):
    form, _ = _read(data_root, name)
    found = {split: _overlap(form, split) for split in OVERLAP[name]}
    assert found == OVERLAP[name]
    for split, n in found.items():
        assert n <= 0.02 * len(_splits(form)[split])


def test_registered_files_are_exactly_the_files_read(data_root, monkeypatch):
    for module in (pairs, labelled):
        for name, (reader, files) in module.READERS.items():
            seen = []

            def recording(root, dest, _seen=seen):
                _seen.append(dest)
                return manifest.checked_file(root, dest)

            monkeypatch.setattr(module, "checked_file", recording)
            reader(data_root, LoadReport())
            assert sorted(set(seen)) == sorted(files), name
            assert len(set(files)) == len(files), name
            entries = manifest.read_manifest(data_root)
            assert all(f in entries for f in files), name


def test_20ng_table_matches_the_manifest(data_root):
    listed = {d for d in manifest.read_manifest(data_root) if d.startswith("20ng_mini/")}
    assert set(labelled.READERS["20ng_mini"][1]) == listed and len(listed) == 2000




def test_corrupt_file_raises_data_error(data_root, tmp_path, mirror_copy):
    root = mirror_copy(pairs.READERS["stsb"][1])
    with (root / "raw/stsb/sts-dev.csv").open("ab") as fh:
        fh.write(b"x")
    with pytest.raises(DataError, match=r"stsb/sts-dev.csv has sha256 .* but MANIFEST.tsv says"):
        pairs.read_stsb(root, LoadReport())


def _rewrite_with_manifest(root, dest, data: bytes):
    """Replace a raw file and give it a matching MANIFEST row (a structurally broken but
    sha-consistent mirror)."""
    (root / "raw" / dest).write_bytes(data)
    path = root / "MANIFEST.tsv"
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    for row in rows[1:]:
        if row[0] == dest:
            row[4], row[5] = hashlib.sha256(data).hexdigest(), str(len(data))
    with path.open("w", newline="") as fh:
        csv.writer(fh, delimiter="\t", lineterminator="\n").writerows(rows)
    manifest.read_manifest.cache_clear()  # it is cached per root


def test_tweetsent_train_must_follow_the_test_rows(data_root, tmp_path, mirror_copy):
    root = mirror_copy(labelled.READERS["tweetsent"][1])
    dest = "tweetsent/kaggle_test_rows.csv"
    lines = (root / "raw" / dest).read_bytes().split(b"\r\n")
    lines[5] = b"zz" + lines[5][2:]  # another textID on the 5th test row
    _rewrite_with_manifest(root, dest, b"\r\n".join(lines))
    with pytest.raises(DataError, match="does not start with the 3534 rows of tweetsent/kaggle_test_rows.csv"):
        labelled.read_tweetsent(root, LoadReport())


def test_misaligned_twitterurl_files_raise(data_root, tmp_path, mirror_copy):
    root = mirror_copy(pairs.READERS["twitterurl"][1])
    dest = "twitterurl/test/sim.txt"
    _rewrite_with_manifest(root, dest, (root / "raw" / dest).read_bytes() + b"1\n")
    with pytest.raises(DataError, match="twitterurl/test/a.toks, b.toks and sim.txt are not line-aligned"):
        pairs.read_twitterurl(root, LoadReport())


def test_malformed_lines_are_skipped_and_counted(data_root, tmp_path, mirror_copy):
    root = mirror_copy(pairs.READERS["stsb"][1] + labelled.READERS["sst2"][1])
    dest = "stsb/sts-dev.csv"
    extra = b"main-news\theadlines\t2015\t0001\t\tA sentence.\tAnother.\nmain-news\theadlines\n"
    _rewrite_with_manifest(root, dest, (root / "raw" / dest).read_bytes() + extra)
    report = LoadReport()
    assert len(pairs.read_stsb(root, report).pairs["dev"]) == 1500
    assert report.skipped == {"dev: line with a missing or out-of-range score": 1,
                              "dev: line with fewer than 7 tab-separated columns": 1}
    dest = "sst2/dev"
    _rewrite_with_manifest(root, dest, (root / "raw" / dest).read_bytes() + b"a sentence\t2\nno label\n")
    report = LoadReport()
    assert len(labelled.read_sst2(root, report).texts["dev"]) == 872
    assert report.skipped == {"dev: line with an unknown label": 1, "dev: line without a '\\t'-separated label": 1}


def test_twitterurl_votes_are_binarised_the_standard_way():
    assert [pairs._twitterurl_label(v) for v in ("(6, 6)", "(4,6)", "(3, 6)", "(2, 6)", "(0, 6)", "1", "0")] == [
        1, 1, None, 0, 0, 1, 0]
    assert pairs._twitterurl_label("maybe") == "bad"


def test_skip_reasons_name_their_split(data_root):
    for name in list(PAIR_COUNTS) + list(LABELLED_COUNTS):
        _, report = _read(data_root, name)
        assert all(reason.split(":")[0] in SPLITS for reason in report.skipped)
