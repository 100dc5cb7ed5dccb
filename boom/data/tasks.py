"""The evaluation tasks as real mteb tasks, built from the data mirror.

Each configured task is a small subclass of an mteb abstract task whose `load_data` reads the
(sha256-checked) raw files through the dataset's reader. Its metadata says how the evaluation
subset was drawn, and `dataset.revision` is derived from the files' sha256s and the subset spec.
mteb reads `metadata` from the class (unloading a task drops instance attributes), hence classes.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from datasets import Dataset, DatasetDict
from mteb.abstasks.classification import AbsTaskClassification
from mteb.abstasks.clustering import AbsTaskClustering
from mteb.abstasks.pair_classification import AbsTaskPairClassification
from mteb.abstasks.retrieval import AbsTaskRetrieval
from mteb.abstasks.retrieval_dataset_loaders import RetrievalSplitData
from mteb.abstasks.sts import AbsTaskSTS
from mteb.abstasks.task_metadata import TaskMetadata

from boom.data.forms import Labelled, Pairs, Retrieval
from boom.data.manifest import DataError
from boom.data.sources import EVAL_KINDS, SOURCES, DatasetSource, sts_scale


def revision(root: Path, dataset: str, spec: dict) -> str:
    """Changes whenever the data files, the reader version or the subset spec change."""
    source = SOURCES[dataset]
    shas = source.sha256s(root)
    key = repr((sorted(shas.items()), source.version, sorted(spec.items())))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _metadata(name: str, source: DatasetSource, description: str, rev: str) -> TaskMetadata:
    task_type, main_score = EVAL_KINDS[source.eval_kind]
    return TaskMetadata(
        name=name,
        type=task_type,
        description=f"{source.title} ({source.role.replace('_', '-')}, {source.domain}): {description} "
                    f"Licence: {source.licence}. Read from the boom data mirror.",
        reference=None,
        dataset={"path": f"boom-local/{source.name}", "revision": rev},
        # the instruction a decoder model puts on queries (boom.encoding): retrieval documents
        # get none; both sides of symmetric tasks are queries
        prompt={"query": source.instruction} if source.eval_kind in ("retrieval", "reranking") else source.instruction,
        category="t2t",
        modalities=["text"],
        eval_splits=["test"],
        eval_langs=["eng-Latn"],
        main_score=main_score,
        date=None,
        domains=None,
        task_subtypes=None,
        license="not specified",
        annotations_creators="expert-annotated",
        dialect=[],
        sample_creation="found",
        bibtex_citation="",
    )


def _sample(items: list, n: int | None, rng: random.Random) -> list:
    """At most n items, drawn without replacement, in their original order."""
    if n is None or len(items) <= n:
        return list(items)
    keep = sorted(rng.sample(range(len(items)), n))
    return [items[i] for i in keep]


def _retrieval_dataset(form: Retrieval, split: str, qids: list[str], doc_ids: list[str], qrels: dict,
                       top_ranked: dict | None) -> dict:
    return {"default": {"test": RetrievalSplitData(
        queries=Dataset.from_list([{"id": q, "text": form.queries[split][q]} for q in qids]),
        corpus=Dataset.from_list([{"id": d, "text": form.corpus[d], "title": ""} for d in doc_ids]),
        relevant_docs={q: dict(qrels[q]) for q in qids},
        top_ranked=top_ranked,
    )}}


def _pair_dataset(pairs: list[tuple], label_column: str, cast) -> DatasetDict:
    return DatasetDict({"test": Dataset.from_dict({
        "sentence1": [p[0] for p in pairs], "sentence2": [p[1] for p in pairs],
        label_column: [cast(p[2]) for p in pairs],
    })})


class _BoomTask:
    """Mixin: the data root, the dataset and the spec a task was configured with."""

    root: Path
    source: DatasetSource
    spec: dict

    def load_data(self, num_proc: int | None = None, **kwargs: Any) -> None:
        if self.data_loaded:
            return
        form = self.source.read_eval(self.root)
        self.dataset = self.build(form, self.source.eval_split, random.Random(self.spec.get("seed", 0)))
        self.data_loaded = True

    def build(self, form, split: str, rng: random.Random):
        """The task's `dataset` from the parsed data; raise self._empty() if nothing is left."""
        raise NotImplementedError

    def _empty(self) -> DataError:
        return DataError(f"task {self.metadata.name}: the {self.source.eval_split} split of "
                         f"{self.source.name} came out empty; check the dataset and the task's spec")

    @classmethod
    def describe(cls, name: str, source: DatasetSource, spec: dict, rev: str) -> TaskMetadata:
        return _metadata(name, source, cls.subset_description(spec), rev)


class RetrievalTask(_BoomTask, AbsTaskRetrieval):
    @staticmethod
    def subset_description(spec: dict) -> str:
        return (f"NanoBEIR-style subset: at most {spec.get('max_queries', 'all')} queries (seed "
                f"{spec.get('seed', 0)}), every relevant document of those queries plus "
                f"{spec.get('distractors', 'all other')} distractor documents sampled with the same seed.")

    def build(self, form, split: str, rng: random.Random):
        assert isinstance(form, Retrieval)
        qrels = {q: docs for q, docs in form.qrels.get(split, {}).items() if docs}
        qids = _sample(sorted(qrels), self.spec.get("max_queries"), rng)
        relevant = sorted({d for q in qids for d in qrels[q]})
        others = sorted(set(form.corpus) - set(relevant))
        n_distract = min(self.spec.get("distractors", len(others)), len(others))
        doc_ids = sorted(set(relevant) | set(rng.sample(others, n_distract)))
        if not qids:
            raise self._empty()
        return _retrieval_dataset(form, split, qids, doc_ids, qrels, top_ranked=None)


class RerankingTask(_BoomTask, AbsTaskRetrieval):
    @staticmethod
    def subset_description(spec: dict) -> str:
        return (f"each question's own judged candidate sentences are reranked; at most "
                f"{spec.get('max_queries', 'all')} questions with at least one correct and one wrong "
                f"candidate (seed {spec.get('seed', 0)}).")

    def build(self, form, split: str, rng: random.Random):
        assert isinstance(form, Retrieval)
        qrels, negatives = form.qrels.get(split, {}), form.negatives.get(split, {})
        qids = _sample(sorted(q for q in qrels if qrels[q] and negatives.get(q)), self.spec.get("max_queries"), rng)
        if not qids:
            raise self._empty()
        candidates = {q: sorted(set(qrels[q]) | set(negatives[q])) for q in qids}
        doc_ids = sorted({d for c in candidates.values() for d in c})
        return _retrieval_dataset(form, split, qids, doc_ids, qrels, top_ranked=candidates)


class STSTask(_BoomTask, AbsTaskSTS):
    @staticmethod
    def subset_description(spec: dict) -> str:
        return (f"sentence pairs with a gold score (unscored pairs dropped); at most "
                f"{spec.get('max_pairs', 'all')} pairs sampled with seed {spec.get('seed', 0)}.")

    def build(self, form, split: str, rng: random.Random):
        assert isinstance(form, Pairs)
        pairs = _sample(form.pairs.get(split, []), self.spec.get("max_pairs"), rng)
        if not pairs:
            raise self._empty()
        return _pair_dataset(pairs, "score", float)


class PairClassificationTask(_BoomTask, AbsTaskPairClassification):
    @staticmethod
    def subset_description(spec: dict) -> str:
        return (f"pairs labelled 1 (paraphrase / duplicate / entailment) or 0 (not / contradiction; "
                f"NLI's neutral pairs dropped); at most {spec.get('max_pairs', 'all')} pairs sampled "
                f"with seed {spec.get('seed', 0)}.")

    def build(self, form, split: str, rng: random.Random):
        assert isinstance(form, Pairs)
        binary = {"entailment": 1, "contradiction": 0, 1: 1, 0: 0}
        pairs = [(a, b, binary[label]) for a, b, label in form.pairs.get(split, []) if label in binary]
        pairs = _sample(pairs, self.spec.get("max_pairs"), rng)
        if not pairs:
            raise self._empty()
        return _pair_dataset(pairs, "labels", int)


def _label_ids(*splits: list[tuple[str, str]]) -> dict[str, int]:
    return {label: i for i, label in enumerate(sorted({label for s in splits for _, label in s}))}


class ClassificationTask(_BoomTask, AbsTaskClassification):
    @staticmethod
    def subset_description(spec: dict) -> str:
        return (f"logistic regression on embeddings, {spec.get('n_experiments', 10)} experiments of "
                f"{spec.get('samples_per_label', 8)} training texts per label (mteb's protocol); at most "
                f"{spec.get('max_examples', 'all')} test texts sampled with seed {spec.get('seed', 0)}. "
                "Where the dataset has no train split, a seeded half of its test split trains the classifier.")

    def build(self, form, split: str, rng: random.Random):
        assert isinstance(form, Labelled)
        test = form.texts.get(split, [])
        train = form.texts.get("train", [])
        if not train:  # e.g. AG News: only a test file; the classifier learns from a seeded half
            order = list(range(len(test)))
            rng.shuffle(order)
            half = set(order[: len(order) // 2])
            train = [t for i, t in enumerate(test) if i in half]
            test = [t for i, t in enumerate(test) if i not in half]
        test = _sample(test, self.spec.get("max_examples"), rng)
        if not test or not train:
            raise self._empty()
        ids = _label_ids(train, test)
        return DatasetDict({
            name: Dataset.from_dict({"text": [t for t, _ in rows], "label": [ids[lab] for _, lab in rows]})
            for name, rows in (("train", train), ("test", test))
        })

    # Two of mteb 2.26's methods (mteb is pinned) with the label column read once: mteb reads a
    # datasets column a row at a time, which took 5-20 s per task on training splits of 10-30k
    # texts. Same samples and scores (tests check both against mteb's own methods).

    def _undersample_data(self, dataset: Dataset, experiment_num: int, idxs: list[int] | None = None):
        """`samples_per_label` training texts per label, as mteb draws them, line for line."""
        if idxs is None:
            idxs = list(range(len(dataset)))
        np.random.RandomState(self.seed).shuffle(idxs)  # mteb: a RandomState for v1 compatibility
        labels = dataset.with_format("arrow")[self.label_column_name].to_pylist()
        counts: dict = defaultdict(int)
        sampled = []
        for i in idxs:
            if counts[labels[i]] < self.samples_per_label:
                sampled.append(i)
                counts[labels[i]] += 1
        return dataset.select(sampled), idxs, sampled

    def _calculate_scores(self, y_test, y_pred):
        """mteb's metrics, given the test labels as a list instead of a datasets column."""
        return super()._calculate_scores(list(y_test), y_pred)


class ClusteringTask(_BoomTask, AbsTaskClustering):
    max_fraction_of_documents_to_embed = None

    @staticmethod
    def subset_description(spec: dict) -> str:
        return (f"k-means on embeddings against the gold labels (mteb's protocol); at most "
                f"{spec.get('max_examples', 'all')} texts sampled with seed {spec.get('seed', 0)}.")

    def build(self, form, split: str, rng: random.Random):
        assert isinstance(form, Labelled)
        rows = _sample(form.texts.get(split, []), self.spec.get("max_examples"), rng)
        if not rows:
            raise self._empty()
        ids = _label_ids(rows)
        self.max_document_to_embed = len(rows)
        return DatasetDict({"test": Dataset.from_dict(
            {"sentences": [t for t, _ in rows], "labels": [ids[lab] for _, lab in rows]})})


BUILDERS = {
    "retrieval": RetrievalTask,
    "reranking": RerankingTask,
    "sts": STSTask,
    "pair_classification": PairClassificationTask,
    "classification": ClassificationTask,
    "clustering": ClusteringTask,
}


def build_task(root: Path, name: str, spec: dict):
    """The mteb task called `name`, configured by its `evaluation.tasks` entry `spec`."""
    source = SOURCES[spec["dataset"]]
    builder = BUILDERS[source.eval_kind]
    attrs: dict[str, Any] = {
        "metadata": builder.describe(name, source, spec, revision(root, source.name, spec)),
        "root": root, "source": source, "spec": dict(spec),
    }
    if builder is STSTask:
        attrs["min_score"], attrs["max_score"] = getattr(source, "score_range", None) or sts_scale(source.name)
    if builder is ClassificationTask:
        attrs["samples_per_label"] = spec.get("samples_per_label", 8)
        attrs["n_experiments"] = spec.get("n_experiments", 10)
    return type(name, (builder,), attrs)()
