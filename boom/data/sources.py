"""Readers of the raw datasets in the data mirror, and the registry that names them.

Each reader checks every file against MANIFEST.tsv before reading it, and counts (never guesses)
malformed lines. This module imports no torch or mteb: the config validator uses the registry.
"""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from boom.data.manifest import DataError, checked_file

_SCIFACT_ZIP = "scifact/scifact_csv.zip"


@dataclass
class LoadReport:
    """What a reader kept and what it skipped, per reason."""

    kept: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


# ---------------------------------------------------------------- SciFact (retrieval)


def _scifact_rows(root: Path, member: str) -> list[dict]:
    path = checked_file(root, _SCIFACT_ZIP)
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        return list(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8")))


# Abstracts are stored as numpy-style lists of sentences: ['first.' 'second.'] or with "…".
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", re.S)


def _join_sentences(cell: str) -> str:
    parts = [a or b for a, b in _QUOTED.findall(cell)]
    return " ".join(p.replace("\\'", "'").replace('\\"', '"').strip() for p in parts)


def scifact_corpus(root: Path) -> dict[str, str]:
    corpus = {}
    for row in _scifact_rows(root, "corpus_train.csv"):
        text = _join_sentences(row["abstract"])
        if not text:
            raise DataError(f"{_SCIFACT_ZIP}: corpus_train.csv doc {row['doc_id']} has an unreadable abstract")
        corpus[row["doc_id"]] = f"{row['title'].strip()} {text}"
    return corpus


def scifact_claims(root: Path, split: str) -> dict[str, tuple[str, list[str]]]:
    """claim id -> (claim text, cited doc ids). `split` is `train` or `test` (BEIR's test split
    is the upstream validation file); claims repeat once per evidence row and are merged."""
    member = {"train": "claims_train.csv", "test": "claims_validation.csv"}[split]
    claims: dict[str, tuple[str, list[str]]] = {}
    for row in _scifact_rows(root, member):
        docs = re.findall(r"\d+", row["cited_doc_ids"])
        text, seen = claims.get(row["id"], (row["claim"].strip(), []))
        claims[row["id"]] = (text, sorted(set(seen) | set(docs)))
    return claims


def scifact_train(root: Path, report: LoadReport) -> list[dict]:
    corpus = scifact_corpus(root)
    # Upstream repeats two claims verbatim in train and in the BEIR test split: keep them out of
    # training, so that no evaluation text is trained on.
    test_claims = {text for text, _ in scifact_claims(root, "test").values()}
    examples = []
    for qid, (text, docs) in sorted(scifact_claims(root, "train").items(), key=lambda kv: int(kv[0])):
        if text in test_claims:
            report.skip("claim also in the test split")
            continue
        for doc in docs:
            if doc not in corpus:
                report.skip("cited document not in corpus")
                continue
            examples.append({"query": text, "positive": corpus[doc], "negatives": []})
    return examples


# ---------------------------------------------------------------- SNLI (NLI triplets)


def _read_lines(root: Path, dest: str) -> list[str]:
    return checked_file(root, dest).read_text(encoding="utf-8").splitlines()


def snli_train(root: Path, report: LoadReport) -> list[dict]:
    """SNLI dev as (premise, entailed hypothesis, contradicted hypothesis) triplets."""
    s1, s2, labels = (_read_lines(root, f"snli/{n}.dev") for n in ("s1", "s2", "labels"))
    if not len(s1) == len(s2) == len(labels):
        raise DataError(f"snli/*.dev are not line-aligned: {len(s1)}, {len(s2)}, {len(labels)} lines")
    by_premise: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for a, b, label in zip(s1, s2, labels):
        a, b, label = a.strip(), b.strip(), label.strip()
        if label not in ("entailment", "neutral", "contradiction") or not a or not b:
            report.skip("blank line or unknown label")
            continue
        by_premise[a][label].append(b)
    examples = []
    for premise, hyps in by_premise.items():
        for pos, neg in zip(hyps["entailment"], hyps["contradiction"]):
            examples.append({"query": premise, "positive": pos, "negatives": [neg]})
    return examples


# ---------------------------------------------------------------- SemEval STS 2012 (STS)

_STS12_SUBSETS = ("MSRpar", "MSRvid", "SMTeuroparl", "surprise.OnWN", "surprise.SMTnews")


def sts12_pairs(root: Path, report: LoadReport) -> list[tuple[str, str, float]]:
    pairs = []
    for subset in _STS12_SUBSETS:
        inputs = _read_lines(root, f"sts12/STS.input.{subset}.txt")
        scores = _read_lines(root, f"sts12/STS.gs.{subset}.txt")
        if len(inputs) != len(scores):
            raise DataError(f"sts12/STS.input.{subset}.txt and STS.gs.{subset}.txt differ in length")
        for line, score in zip(inputs, scores):
            cols = line.split("\t")
            if not score.strip():
                report.skip("pair without a gold score")
                continue
            if len(cols) != 2:
                report.skip("line without exactly two tab-separated sentences")
                continue
            pairs.append((cols[0].strip(), cols[1].strip(), float(score)))
    return pairs


# ---------------------------------------------------------------- registry


@dataclass(frozen=True)
class DatasetSource:
    name: str
    task_type: str  # the paper's task type of the training data / evaluation task
    licence: str
    files: tuple[str, ...]  # MANIFEST dests this dataset reads (Snakemake inputs)
    train_reader: Callable[[Path, LoadReport], list[dict]] | None = None
    task_builder: str | None = None  # name of a builder in boom.data.tasks
    # Bump when the reader's output changes: it is part of every recipe and of the prepare
    # job's parameters, so models trained on the old output are not reused.
    version: int = 1

    @property
    def trainable(self) -> bool:
        return self.train_reader is not None


SOURCES: dict[str, DatasetSource] = {
    s.name: s
    for s in (
        DatasetSource("scifact", "retrieval", "CC BY-NC 2.0", (_SCIFACT_ZIP,), scifact_train, "scifact_retrieval",
                      version=2),  # v2: claims shared with the test split left out
        DatasetSource(
            "snli", "nli", "CC BY-SA 4.0", tuple(f"snli/{n}.dev" for n in ("s1", "s2", "labels")), snli_train
        ),
        DatasetSource(
            "sts12",
            "sts",
            "per subset (SemEval 2012)",
            tuple(f"sts12/STS.{kind}.{s}.txt" for s in _STS12_SUBSETS for kind in ("input", "gs")),
            None,
            "sts12",
        ),
    )
}


# mteb task type and main score of each evaluation-task builder (boom.data.tasks.BUILDERS).
TASK_KINDS = {"scifact_retrieval": ("Retrieval", "ndcg_at_10"), "sts12": ("STS", "cosine_spearman")}


def task_info(tasks: dict[str, dict]) -> dict[str, dict]:
    """Task name -> {role, task_type, main_score}, from the config's evaluation.tasks."""
    out = {}
    for name, spec in tasks.items():
        task_type, main_score = TASK_KINDS[SOURCES[spec["dataset"]].task_builder]
        out[name] = {"role": spec["role"], "task_type": task_type, "main_score": main_score}
    return out


def training_examples(root: Path, name: str, max_examples: int, seed: int = 0) -> tuple[list[dict], LoadReport]:
    """The normalised training examples of one dataset: at most `max_examples`, sampled without
    replacement with `seed` (order kept as in the source)."""
    source = SOURCES[name]
    report = LoadReport()
    examples = source.train_reader(root, report)
    if not examples:
        raise DataError(f"dataset {name} produced no training examples")
    if len(examples) > max_examples:
        keep = sorted(random.Random(seed).sample(range(len(examples)), max_examples))
        examples = [examples[i] for i in keep]
    report.kept = len(examples)
    return examples, report
