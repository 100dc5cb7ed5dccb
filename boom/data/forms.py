"""The few shapes a parsed dataset takes, whatever its file format.

A reader (boom/data/readers/*.py) turns a dataset's raw files into one of these forms; the rest
of the suite (training examples, mteb tasks, sampling, the data card) works on the forms only.
Splits are named `train`, `dev` and `test`; a reader returns only the splits the data has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


@dataclass
class LoadReport:
    """What a reader skipped, per reason (malformed lines are counted, never guessed)."""

    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + n


@dataclass
class Retrieval:
    """Queries against a corpus. `qrels[split][qid] = {doc_id: relevance > 0}`;
    `negatives[split][qid]` = judged non-relevant doc ids (real hard negatives), where the data
    has them (e.g. WikiQA's label-0 sentences). One corpus serves every split."""

    corpus: dict[str, str]
    queries: dict[str, dict[str, str]]
    qrels: dict[str, dict[str, dict[str, int]]]
    negatives: dict[str, dict[str, list[str]]] = field(default_factory=dict)


@dataclass
class Pairs:
    """Sentence pairs with a label: a float similarity score (STS), 0/1 (pair classification:
    paraphrase / duplicate), or an NLI label string (entailment / neutral / contradiction).
    `pairs[split] = [(text1, text2, label), ...]`."""

    pairs: dict[str, list[tuple[str, str, float | int | str]]]


@dataclass
class Labelled:
    """Texts with a class label (classification and clustering).
    `texts[split] = [(text, label), ...]`; labels are strings."""

    texts: dict[str, list[tuple[str, str]]]


Form = Retrieval | Pairs | Labelled
Reader = Callable[[Path, LoadReport], Form]
