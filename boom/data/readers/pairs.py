"""Readers of sentence-pair datasets: STS (float scores), pair classification (0/1), NLI."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path
from typing import Callable

from boom.data.forms import LoadReport, Pairs
from boom.data.manifest import DataError, checked_file

NLI_LABELS = ("entailment", "neutral", "contradiction")


def _lines(root: Path, dest: str, encoding: str = "utf-8") -> list[str]:
    return checked_file(root, dest).read_text(encoding=encoding).splitlines()


def read_snli(root: Path, report: LoadReport) -> Pairs:
    """SNLI dev and test, line-aligned s1 / s2 / labels files. Splits: dev, test."""
    out = {}
    for split in ("dev", "test"):
        s1, s2, labels = (_lines(root, f"snli/{n}.{split}") for n in ("s1", "s2", "labels"))
        if not len(s1) == len(s2) == len(labels):
            raise DataError(f"snli/*.{split} are not line-aligned: {len(s1)}, {len(s2)}, {len(labels)} lines")
        out[split] = []
        for a, b, label in zip(s1, s2, labels):
            a, b, label = a.strip(), b.strip(), label.strip()
            if label not in NLI_LABELS or not a or not b:
                report.skip(f"{split}: blank line or unknown label")
                continue
            out[split].append((a, b, label))
    return Pairs(out)


def _score(text: str, low: float, high: float) -> float | None:
    """A similarity score in [low, high], or None if the text is not one."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if low <= value <= high else None


# --- SemEval STS 2012-2016 -------------------------------------------------------------------

_STS12_SUBSETS = ("MSRpar", "MSRvid", "SMTeuroparl", "surprise.OnWN", "surprise.SMTnews")
_STS12_TRAIN_TGZ = "sts12/sts2012-train.tgz"
_STS12_TRAIN_SUBSETS = ("MSRpar", "MSRvid", "SMTeuroparl")  # the archive's input + gs pairs
# STS13 has no SMT input (licensing), as in MTEB: only subsets whose input AND gs files exist.
_STS13_SUBSETS = ("FNWN", "OnWN", "headlines")
_STS14_SUBSETS = ("OnWN", "deft-forum", "deft-news", "headlines", "images", "tweet-news")
_STS15_SUBSETS = ("answers-forums", "answers-students", "belief", "headlines", "images")
_STS16_SUBSETS = ("answer-answer", "headlines", "plagiarism", "postediting", "question-question")


def _semeval_sts(
    root: Path,
    report: LoadReport,
    folder: str,
    subsets: tuple[str, ...],
    split: str = "test",
    lines: Callable[[str], list[str]] | None = None,
) -> list[tuple]:
    """SemEval STS files: STS.input.<set>.txt (two tab-separated sentences) and
    STS.gs.<set>.txt (score; an empty line means no score: the pair is dropped and counted).
    `lines(name)` returns the lines of file `name` (default: `<folder>/<name>` in the mirror);
    `split` prefixes the skip reasons."""
    if lines is None:
        def lines(name: str) -> list[str]:
            return _lines(root, f"{folder}/{name}")

    pairs = []
    for subset in subsets:
        inputs = lines(f"STS.input.{subset}.txt")
        scores = lines(f"STS.gs.{subset}.txt")
        if len(inputs) != len(scores):
            raise DataError(
                f"{folder}/STS.input.{subset}.txt and STS.gs.{subset}.txt differ in length "
                f"({len(inputs)} and {len(scores)} lines)"
            )
        for line, score in zip(inputs, scores):
            cols = line.split("\t")
            if not score.strip():
                report.skip(f"{split}: pair without a gold score")
                continue
            if len(cols) != 2 or not cols[0].strip() or not cols[1].strip():
                report.skip(f"{split}: line without exactly two tab-separated sentences")
                continue
            value = _score(score.strip(), 0.0, 5.0)
            if value is None:
                report.skip(f"{split}: gold score not a number in [0, 5]")
                continue
            pairs.append((cols[0].strip(), cols[1].strip(), value))
    return pairs


def _sts12_train(root: Path, report: LoadReport) -> list[tuple]:
    """The STS 2012 train set, read from the archive's STS2012-train/ folder (the readme,
    correlation.pl and STS.output.MSRpar.txt, a sample system output, are not read)."""
    with tarfile.open(checked_file(root, _STS12_TRAIN_TGZ), "r:gz") as tar:
        def lines(name: str) -> list[str]:
            member = f"STS2012-train/{name}"
            try:
                fh = tar.extractfile(member)
            except KeyError:
                fh = None
            if fh is None:
                raise DataError(f"{_STS12_TRAIN_TGZ} has no file {member}")
            return fh.read().decode("utf-8").splitlines()

        return _semeval_sts(root, report, _STS12_TRAIN_TGZ, _STS12_TRAIN_SUBSETS, "train", lines)


def read_sts12(root: Path, report: LoadReport) -> Pairs:
    """SemEval STS 2012: train (sts2012-train.tgz: MSRpar, MSRvid, SMTeuroparl; 2,234 pairs) and
    test (five subsets; 3,108 pairs)."""
    return Pairs({
        "train": _sts12_train(root, report),
        "test": _semeval_sts(root, report, "sts12", _STS12_SUBSETS),
    })


def read_sts13(root: Path, report: LoadReport) -> Pairs:
    """SemEval STS 2013 test: FNWN, OnWN, headlines (the SMT subset has no input text)."""
    return Pairs({"test": _semeval_sts(root, report, "sts13", _STS13_SUBSETS)})


def read_sts14(root: Path, report: LoadReport) -> Pairs:
    """SemEval STS 2014 test: six subsets."""
    return Pairs({"test": _semeval_sts(root, report, "sts14", _STS14_SUBSETS)})


def read_sts15(root: Path, report: LoadReport) -> Pairs:
    """SemEval STS 2015 test: five subsets; most answers-forums / belief pairs (and half of the
    others) have no gold score and are dropped and counted."""
    return Pairs({"test": _semeval_sts(root, report, "sts15", _STS15_SUBSETS)})


def read_sts16(root: Path, report: LoadReport) -> Pairs:
    """SemEval STS 2016 test: five subsets; pairs without a gold score are dropped and counted."""
    return Pairs({"test": _semeval_sts(root, report, "sts16", _STS16_SUBSETS)})


def _sts_files(folder: str, subsets: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{folder}/STS.{k}.{s}.txt" for s in subsets for k in ("input", "gs"))


# --- STS Benchmark, SICK ---------------------------------------------------------------------

_STSB_SPLITS = ("train", "dev", "test")


def read_stsb(root: Path, report: LoadReport) -> Pairs:
    """STS Benchmark: tab-separated genre, file, year, id, score (col 5), sentence 1 (col 6),
    sentence 2 (col 7). Some lines carry two more columns (the sentences' sources); they are
    ignored, not dropped. Lines are split on tabs (no CSV quoting: sentences contain quotes).
    Splits: train, dev, test (5,749 / 1,500 / 1,379)."""
    out = {}
    for split in _STSB_SPLITS:
        out[split] = []
        for line in _lines(root, f"stsb/sts-{split}.csv"):
            cols = line.split("\t")
            if len(cols) < 7:
                report.skip(f"{split}: line with fewer than 7 tab-separated columns")
                continue
            score = _score(cols[4].strip(), 0.0, 5.0)
            if score is None:
                report.skip(f"{split}: line with a missing or out-of-range score")
                continue
            a, b = cols[5].strip(), cols[6].strip()
            if not a or not b:
                report.skip(f"{split}: line with an empty sentence")
                continue
            out[split].append((a, b, score))
    return Pairs(out)


_SICK_FILES = {"train": "sick/SICK_train.txt", "dev": "sick/SICK_trial.txt", "test": "sick/SICK_test_annotated.txt"}
_SICK_HEADER = ["pair_ID", "sentence_A", "sentence_B", "relatedness_score", "entailment_judgment"]


def read_sick(root: Path, report: LoadReport) -> Pairs:
    """SICK: tab-separated with a header row; the relatedness score (1-5) is the STS score
    (the entailment judgement is not used). Splits: train, dev (SICK_trial), test
    (SICK_test_annotated; CRLF line ends). 4,500 / 500 / 4,927."""
    out = {}
    for split, dest in _SICK_FILES.items():
        lines = _lines(root, dest)
        if not lines or lines[0].split("\t") != _SICK_HEADER:
            raise DataError(f"{dest}: expected the header {'<TAB>'.join(_SICK_HEADER)}")
        out[split] = []
        for line in lines[1:]:
            cols = line.split("\t")
            if len(cols) != 5:
                report.skip(f"{split}: line without exactly 5 tab-separated columns")
                continue
            score = _score(cols[3].strip(), 1.0, 5.0)
            a, b = cols[1].strip(), cols[2].strip()
            if score is None:
                report.skip(f"{split}: line with a missing or out-of-range relatedness score")
                continue
            if not a or not b:
                report.skip(f"{split}: line with an empty sentence")
                continue
            out[split].append((a, b, score))
    return Pairs(out)


# --- Pair classification -------------------------------------------------------------------

_MRPC_SPLITS = {"train": "train", "dev": "val", "test": "test"}
_MRPC_HEADER = ["Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"]


def read_mrpc(root: Path, report: LoadReport) -> Pairs:
    """MRPC: tab-separated Quality (1 = paraphrase), #1 ID, #2 ID, #1 String, #2 String, with a
    header row (train and test start with a UTF-8 BOM: read as utf-8-sig; CRLF line ends).
    Lines are split on tabs (no CSV quoting: sentences contain quotes). Label: int 0/1.
    Splits: train, dev (val.tsv), test: 3,576 / 500 / 1,725 (train + val = MSR's 4,076 train)."""
    out = {}
    for split, name in _MRPC_SPLITS.items():
        dest = f"mrpc/{name}.tsv"
        lines = _lines(root, dest, encoding="utf-8-sig")
        if not lines or lines[0].split("\t") != _MRPC_HEADER:
            raise DataError(f"{dest}: expected the header {'<TAB>'.join(_MRPC_HEADER)}")
        out[split] = []
        for line in lines[1:]:
            cols = line.split("\t")
            if len(cols) != 5:
                report.skip(f"{split}: line without exactly 5 tab-separated columns")
                continue
            label, a, b = cols[0].strip(), cols[3].strip(), cols[4].strip()
            if label not in ("0", "1"):
                report.skip(f"{split}: line with a quality label other than 0/1")
                continue
            if not a or not b:
                report.skip(f"{split}: line with an empty sentence")
                continue
            out[split].append((a, b, int(label)))
    return Pairs(out)


_VOTES = re.compile(r"^\(\s*(\d+)\s*,\s*(\d+)\s*\)$")


def _twitterurl_label(text: str) -> int | None | str:
    """0/1 from a sim.txt line: a binary label, or a vote "(n, 6)"; None for a tie to drop,
    "bad" for a line that is neither."""
    text = text.strip()
    if text in ("0", "1"):
        return int(text)
    votes = _VOTES.match(text)
    if votes is None:
        return "bad"
    n = int(votes.group(1))
    return 1 if n >= 4 else 0 if n <= 2 else None


def read_twitterurl(root: Path, report: LoadReport) -> Pairs:
    """Twitter URL corpus (Lan et al., EMNLP 2017), as the line-aligned a.toks / b.toks / sim.txt
    of train/ and test/ (lower-cased, tokenised). Labels: upstream, six Mechanical Turk workers
    vote on each pair, "(n, 6)"; the standard binarisation (the corpus README, followed by the
    paper and MTEB's TwitterURLCorpus) is n >= 4 -> paraphrase (1), n <= 2 -> not (0), n == 3
    discarded, which leaves 42,200 train / 9,324 test pairs. This mirror's sim.txt already holds
    those binary labels (exactly 42,200 / 9,324 lines of 0/1); a vote line, if met, is binarised
    the same way, and a 3-vote tie is dropped and counted."""
    out = {}
    for split in ("train", "test"):
        a_lines, b_lines, sims = (_lines(root, f"twitterurl/{split}/{n}") for n in ("a.toks", "b.toks", "sim.txt"))
        if not len(a_lines) == len(b_lines) == len(sims):
            raise DataError(
                f"twitterurl/{split}/a.toks, b.toks and sim.txt are not line-aligned: "
                f"{len(a_lines)}, {len(b_lines)}, {len(sims)} lines"
            )
        out[split] = []
        for a, b, sim in zip(a_lines, b_lines, sims):
            label = _twitterurl_label(sim)
            if label == "bad":
                report.skip(f"{split}: sim.txt line neither 0/1 nor an (n, 6) vote")
                continue
            if label is None:
                report.skip(f"{split}: ambiguous pair (3 of 6 votes)")
                continue
            a, b = a.strip(), b.strip()
            if not a or not b:
                report.skip(f"{split}: pair with an empty sentence")
                continue
            out[split].append((a, b, label))
    return Pairs(out)


READERS = {
    "snli": (read_snli, tuple(f"snli/{n}.{s}" for s in ("dev", "test") for n in ("s1", "s2", "labels"))),
    "sts12": (read_sts12, (_STS12_TRAIN_TGZ,) + _sts_files("sts12", _STS12_SUBSETS)),
    "sts13": (read_sts13, _sts_files("sts13", _STS13_SUBSETS)),
    "sts14": (read_sts14, _sts_files("sts14", _STS14_SUBSETS)),
    "sts15": (read_sts15, _sts_files("sts15", _STS15_SUBSETS)),
    "sts16": (read_sts16, _sts_files("sts16", _STS16_SUBSETS)),
    "stsb": (read_stsb, tuple(f"stsb/sts-{s}.csv" for s in _STSB_SPLITS)),
    "sick": (read_sick, tuple(_SICK_FILES.values())),
    "mrpc": (read_mrpc, tuple(f"mrpc/{n}.tsv" for n in _MRPC_SPLITS.values())),
    "twitterurl": (
        read_twitterurl,
        tuple(f"twitterurl/{s}/{n}" for s in ("train", "test") for n in ("a.toks", "b.toks", "sim.txt")),
    ),
}
