"""The evaluation tasks as real mteb tasks, built from the data mirror.

Each task overrides `load_data` to read the (sha256-checked) raw files; its metadata names the
data's provenance: `dataset.revision` is derived from the sha256s of the files it reads, and the
description states how the evaluation subset was drawn.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any

from datasets import Dataset, DatasetDict
from mteb.abstasks.retrieval import AbsTaskRetrieval
from mteb.abstasks.retrieval_dataset_loaders import RetrievalSplitData
from mteb.abstasks.sts import AbsTaskSTS
from mteb.abstasks.task_metadata import TaskMetadata

from boom.data import sources
from boom.data.manifest import DataError, provenance_of


def _revision(root: Path, dataset: str, spec: dict) -> str:
    """A revision string that changes whenever the data files or the subset spec change."""
    shas = provenance_of(root, list(sources.SOURCES[dataset].files))
    key = repr((sorted(shas.items()), sorted(spec.items())))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _metadata(name: str, builder: str, description: str, revision: str,
              reference: str, licence: str, domains: list[str]) -> TaskMetadata:
    task_type, main_score = sources.TASK_KINDS[builder]
    return TaskMetadata(
        name=name,
        type=task_type,
        description=description,
        reference=reference,
        dataset={"path": f"boom-local/{name}", "revision": revision},
        category="t2t",
        modalities=["text"],
        eval_splits=["test"],
        eval_langs=["eng-Latn"],
        main_score=main_score,
        date=None,
        domains=domains,
        task_subtypes=None,
        license="not specified",
        annotations_creators="expert-annotated",
        dialect=[],
        sample_creation="found",
        bibtex_citation="",
    )


class SciFactNanoTask(AbsTaskRetrieval):
    """SciFact's BEIR test claims against every relevant abstract plus seeded distractors."""

    root: Path
    spec: dict

    @classmethod
    def describe(cls, root: Path, spec: dict, name: str) -> TaskMetadata:
        return _metadata(
            name, "scifact_retrieval",
            f"SciFact test claims (BEIR test = upstream validation) against a NanoBEIR-style corpus: "
            f"every relevant abstract plus {spec.get('distractors')} distractors sampled with seed "
            f"{spec.get('seed', 0)}; at most {spec.get('max_queries')} claims. Licence: CC BY-NC 2.0.",
            _revision(root, "scifact", spec), "https://github.com/allenai/scifact", "cc-by-nc-2.0",
            ["Academic", "Medical", "Written"],
        )

    def load_data(self, num_proc: int | None = None, **kwargs: Any) -> None:
        if self.data_loaded:
            return
        rng = random.Random(self.spec.get("seed", 0))
        corpus = sources.scifact_corpus(self.root)
        claims = {q: v for q, v in sources.scifact_claims(self.root, "test").items() if v[1]}
        qids = sorted(claims, key=int)
        max_q = self.spec.get("max_queries")
        if max_q and len(qids) > max_q:
            qids = sorted(rng.sample(qids, max_q), key=int)
        relevant = sorted({d for q in qids for d in claims[q][1] if d in corpus}, key=int)
        others = sorted(set(corpus) - set(relevant), key=int)
        n_distract = min(self.spec.get("distractors", len(others)), len(others))
        doc_ids = sorted(set(relevant) | set(rng.sample(others, n_distract)), key=int)
        if not qids or not doc_ids:
            raise DataError(f"task {self.metadata.name}: the test split came out empty")
        split = RetrievalSplitData(
            queries=Dataset.from_list([{"id": q, "text": claims[q][0]} for q in qids]),
            corpus=Dataset.from_list([{"id": d, "text": corpus[d], "title": ""} for d in doc_ids]),
            relevant_docs={q: {d: 1 for d in claims[q][1] if d in corpus} for q in qids},
            top_ranked=None,
        )
        self.dataset = {"default": {"test": split}}
        self.data_loaded = True


class STS12Task(AbsTaskSTS):
    """SemEval STS 2012 test pairs (five subsets pooled), a seeded sample of at most max_pairs."""

    min_score = 0
    max_score = 5

    root: Path
    spec: dict

    @classmethod
    def describe(cls, root: Path, spec: dict, name: str) -> TaskMetadata:
        return _metadata(
            name, "sts12",
            f"SemEval-2012 STS test pairs (MSRpar, MSRvid, SMTeuroparl, OnWN, SMTnews), pairs "
            f"without a gold score dropped; at most {spec.get('max_pairs')} pairs sampled with seed "
            f"{spec.get('seed', 0)}.",
            _revision(root, "sts12", spec), "https://www.cs.york.ac.uk/semeval-2012/task6/", "not specified",
            ["Encyclopaedic", "News", "Written"],
        )

    def load_data(self, num_proc: int | None = None, **kwargs: Any) -> None:
        if self.data_loaded:
            return
        pairs = sources.sts12_pairs(self.root, sources.LoadReport())
        max_pairs = self.spec.get("max_pairs")
        if max_pairs and len(pairs) > max_pairs:
            keep = sorted(random.Random(self.spec.get("seed", 0)).sample(range(len(pairs)), max_pairs))
            pairs = [pairs[i] for i in keep]
        if not pairs:
            raise DataError(f"task {self.metadata.name}: the test split came out empty")
        self.dataset = DatasetDict(
            {"test": Dataset.from_dict({
                "sentence1": [p[0] for p in pairs],
                "sentence2": [p[1] for p in pairs],
                "score": [p[2] for p in pairs],
            })}
        )
        self.data_loaded = True


BUILDERS = {"scifact_retrieval": SciFactNanoTask, "sts12": STS12Task}


def build_task(root: Path, name: str, spec: dict):
    """The mteb task called `name`, configured by its `evaluation.tasks` entry `spec`.

    mteb reads `metadata` from the class (unloading a task drops instance attributes), so each
    configured task is a small subclass carrying its own metadata, data root and spec."""
    builder = BUILDERS[sources.SOURCES[spec["dataset"]].task_builder]
    attrs = {"metadata": builder.describe(root, spec, name), "root": root, "spec": dict(spec)}
    return type(name, (builder,), attrs)()
