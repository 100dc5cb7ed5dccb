"""Per-item evaluation records: what a paired bootstrap over evaluation items needs of one model
on one task, and the task's statistic on any resample of its items.

`boom.evaluate` has mteb save each task's predictions (`mteb.evaluate(..., prediction_folder=)`)
and turns them, with the task's gold data, into `<out-dir>/<task>.items.json`:

    {"format": 1, "task": "SciFact", "kind": "retrieval", "main_score": "ndcg_at_10",
     "statistic": "mean", "score": 0.4123 (mteb's main score), "n": 100 (items, all parts),
     "model": "boom/<id>", "revision": ..., "dataset_revision": ..., "digest": <sha256 of the items>,
     "parts": [{"split": "test", "subset": "default", "n": 100, "score": <mteb's main score of the part>,
                "data": {...}}]}

One part per evaluated (split, subset), as mteb scores them; the task's score is the mean over
parts (mteb's `TaskResult.get_score`). `data` holds exactly what a resample needs, per kind:

    retrieval, reranking  {"ids": query ids, "values": the main metric per query (pytrec_eval,
                          through mteb's own scoring)}; statistic: mean
    sts                   {"similarity": cosine per pair, "gold": normalised gold score};
                          statistic: Spearman
    pair_classification   {"labels": 0/1, "scores": {mteb's similarity name: value per pair},
                          "higher_is_similar": {name: bool}}; statistic: max over the similarity
                          functions of average precision (sklearn's, ties grouped)
    classification        {"gold": label per test text, "predictions": [label per test text] per
                          experiment}; statistic: accuracy averaged over experiments
    clustering            {"labels": [gold label code per item] per level (-1: no label),
                          "sets": [{"level", "item", "cluster", "count"}] one per k-means run mteb
                          scored}; statistic: mean over the sets of the v-measure

A clustering item is a document mteb embedded; each k-means run clustered a draw with
replacement of them (mteb's own draw, recorded from the task's random state as it ran), so a set
lists, per document drawn, its cluster and how often it was drawn. Resampling the documents with
multiplicities W scales those counts: the contingency table is W @ one-hot(label, cluster).

Statistics take a weight matrix W of shape (B, n): W[b, i] is how often item i is in resample b
(all ones: the full sample, which reproduces mteb's main score). Each is vectorised over the B
rows: ranks and average precision from tie groups in one sort of the full sample, v-measure from
contingency counts; no loop over resamples.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
from pathlib import Path
import numpy as np

from boom.data.sources import EVAL_KINDS
from boom.errors import BoomError
from boom.io import atomic_write_text

log = logging.getLogger("boom.items")

FORMAT = 1
STATISTICS = {"retrieval": "mean", "reranking": "mean", "sts": "spearman", "pair_classification": "max_ap",
              "classification": "accuracy", "clustering": "v_measure"}
# mteb task types (a benchmark task's spec) whose items can be written, and their kind
TASK_TYPES = {mteb_type: kind for kind, (mteb_type, _) in EVAL_KINDS.items()}
# the main score whose items are written, for the kinds with one (retrieval and reranking: any
# cut-off metric pytrec_eval computes per query, below)
MAIN_SCORES = {kind: main for kind, (_, main) in EVAL_KINDS.items() if kind not in ("retrieval", "reranking")}
# retrieval main scores computed per query by pytrec_eval (mteb's name -> pytrec_eval's)
_RETRIEVAL = re.compile(r"(ndcg|map|recall|precision)_at_(\d+)")
_PYTREC = {"ndcg": "ndcg_cut_{}", "map": "map_cut_{}", "recall": "recall_{}", "precision": "P_{}"}
# a part's statistic on the full sample against mteb's score: retrieval scores are rounded to 5
# decimals by mteb, the others agree to float rounding
TOLERANCE = 1e-5
# pair classification: mteb's similarity functions and whether a higher value means more similar
PAIR_SCORES = {"similarity_scores": True, "cosine_scores": True, "manhattan_distances": False,
               "euclidean_distances": False, "dot_scores": True}


class ItemsError(BoomError):
    """An items file that cannot be read or does not fit the task."""


class ItemsUnavailable(Exception):
    """This task's predictions cannot be turned into per-item records (the reason says why)."""


def has_items(spec: dict) -> bool:
    """Whether an evaluation writes an items file for the task of this spec: every data-mirror
    task; a benchmark task (paper scale) if its type and main score are ones boom can resample."""
    if "benchmark" not in spec:
        return True
    kind = TASK_TYPES.get(spec.get("task_type"))
    if kind in ("retrieval", "reranking"):
        return bool(_RETRIEVAL.fullmatch(spec.get("main_score", "")))
    return kind is not None and spec.get("main_score") == MAIN_SCORES[kind]


def cache_path(cache_dir: Path, model_meta, task_name: str) -> Path:
    """Where the project's mteb result cache keeps a model's items of a task, beside mteb's
    own results: keyed by the model's mteb name and revision."""
    return Path(cache_dir) / "boom_items" / model_meta.model_name_as_path() / str(model_meta.revision) / \
        f"{task_name}.items.json"


def write(record: dict, path: Path) -> None:
    """The items file, written beside `path` and renamed into place."""
    atomic_write_text(path, json.dumps(record, separators=(",", ":")) + "\n")


def read(path: Path) -> dict:
    try:
        record = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise ItemsError(f"{path}: cannot read the items file ({error}); rerun the evaluation") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT or not ({"parts", "unavailable"} & set(record)):
        raise ItemsError(f"{path}: not an items file of format {FORMAT}; rerun the evaluation")
    return record


def unavailable(task_name: str, reason: str, model_meta, dataset_revision: str) -> dict:
    """The record of a task whose predictions make no items (an mteb benchmark task boom cannot
    resample): the claims name the reason."""
    return {"format": FORMAT, "task": task_name, "unavailable": reason, "model": model_meta.name,
            "revision": model_meta.revision, "dataset_revision": dataset_revision}


# --- recording what mteb does -------------------------------------------------------------


class RecordingRandom(random.Random):
    """A task's `rng_state` that gives the very draws the original would and records the ones
    mteb's clustering makes (the documents it embeds, the draw each k-means run clusters)."""

    def __init__(self, state):
        super().__init__()
        self.setstate(state)
        self.calls: list[tuple[str, list]] = []

    def sample(self, population, k, **kwargs):
        out = super().sample(population, k, **kwargs)
        self.calls.append(("sample", list(out)))
        return out

    def choices(self, population, weights=None, *, cum_weights=None, k=1):
        out = super().choices(population, weights, cum_weights=cum_weights, k=k)
        self.calls.append(("choices", list(out)))
        return out


def kind_of(task) -> str:
    """boom's kind of an mteb task object; ItemsUnavailable if its items cannot be written."""
    from mteb.abstasks.classification import AbsTaskClassification
    from mteb.abstasks.clustering import AbsTaskClustering
    from mteb.abstasks.multilabel_classification import AbsTaskMultilabelClassification
    from mteb.abstasks.pair_classification import AbsTaskPairClassification
    from mteb.abstasks.regression import AbsTaskRegression
    from mteb.abstasks.retrieval import AbsTaskRetrieval
    from mteb.abstasks.sts import AbsTaskSTS

    main = task.metadata.main_score
    if isinstance(task, AbsTaskRetrieval):
        kind = "reranking" if task.metadata.type == "Reranking" else "retrieval"
        if not _RETRIEVAL.fullmatch(main):
            raise ItemsUnavailable(f"main score {main} is not a per-query metric boom resamples")
        return kind
    if isinstance(task, AbsTaskSTS):
        kind = "sts"
    elif isinstance(task, AbsTaskPairClassification):
        kind = "pair_classification"
    elif isinstance(task, (AbsTaskMultilabelClassification, AbsTaskRegression)):
        raise ItemsUnavailable(f"{type(task).__mro__[1].__name__} tasks have no per-item records")
    elif isinstance(task, AbsTaskClassification):
        if task.is_cross_validation:
            raise ItemsUnavailable("cross-validated classification: its folds score different items")
        kind = "classification"
    elif isinstance(task, AbsTaskClustering):
        kind = "clustering"
    else:
        raise ItemsUnavailable(f"task type {task.metadata.type} has no per-item records")
    if main != MAIN_SCORES[kind]:
        raise ItemsUnavailable(f"main score {main} of a {kind} task is not {MAIN_SCORES[kind]}")
    return kind


def prepare(task):
    """Before mteb evaluates `task` with a prediction folder: its data loaded (the gold side of
    the items; mteb unloads only what it loaded itself) and, for clustering, its random state
    recorded. Returns what `finish` needs to unload what this loaded."""
    from mteb.abstasks.clustering import AbsTaskClustering

    loaded_here = not task.data_loaded
    if loaded_here:
        task.load_data()
    if isinstance(task, AbsTaskClustering):
        task.rng_state = RecordingRandom(task.rng_state.getstate())
    return {"loaded_here": loaded_here, "dataset": task.dataset}


def finish(task, prepared: dict) -> None:
    if prepared["loaded_here"]:
        task.unload_data()


def _split(dataset, subset: str, split: str):
    """The data of one (subset, split), as mteb's evaluate picks it."""
    if subset not in dataset and subset == "default":
        return dataset[split]
    return dataset[subset][split]


def _floats(values) -> list[float]:
    """JSON-friendly floats; float32 values (embeddings' similarities) at 9 significant digits,
    which tells every float32 apart and keeps their order (ranks, ties, AP unchanged)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size and np.isfinite(arr).all() and (arr.astype(np.float32).astype(np.float64) == arr).all():
        return [float(f"{v:.9g}") for v in arr.tolist()]
    return arr.tolist()


def _retrieval_part(task, data, predictions: dict, main: str) -> dict:
    from mteb._evaluators.retrieval_metrics import calculate_retrieval_scores

    metric, k = _RETRIEVAL.fullmatch(main).groups()
    qrels = {q: docs for q, docs in data["relevant_docs"].items() if len(docs)}
    results = {q: dict(docs) for q, docs in predictions.items()}
    if task.ignore_identical_ids:  # as mteb's RetrievalEvaluator.evaluate
        results = {q: {d: s for d, s in docs.items() if d != q} for q, docs in results.items()}
    k_values = sorted(set(task.k_values) | {int(k)})
    scores = calculate_retrieval_scores(results, qrels, k_values, task.skip_first_result).all_scores
    ids = sorted(scores)
    key = _PYTREC[metric].format(k)
    return {"ids": ids, "values": [float(scores[q][key]) for q in ids]}


def _sts_part(task, data, predictions: dict) -> dict:
    gold = [float(task._normalize(s)) for s in data["score"]]
    similarity = predictions["cosine_scores"]
    if len(similarity) != len(gold):
        raise ItemsUnavailable(f"{len(similarity)} predictions for {len(gold)} pairs")
    return {"similarity": _floats(similarity), "gold": gold}


def _pair_part(task, data, predictions: dict) -> dict:
    from datasets import Dataset

    if task.metadata.modalities == ["text"] and len(data) == 1:  # mteb's v1 layout: one row of lists
        data = Dataset.from_dict(data[0])
    labels = [int(v) for v in data[task.label_column_name]]
    scores = {name: _floats(predictions[name]) for name in PAIR_SCORES if predictions.get(name) is not None}
    if not scores or any(len(v) != len(labels) for v in scores.values()):
        raise ItemsUnavailable("the saved similarities do not match the pairs")
    return {"labels": labels, "scores": scores, "higher_is_similar": {k: PAIR_SCORES[k] for k in scores}}


def _classification_part(task, data, predictions: list) -> dict:
    gold = list(data[task.label_column_name])
    if not predictions or any(len(p) != len(gold) for p in predictions):
        raise ItemsUnavailable("the saved predictions do not match the test texts")
    return {"gold": gold, "predictions": [list(p) for p in predictions]}


def _clustering_part(task, data, predictions: dict, calls: list) -> dict:
    """The documents mteb embedded, their gold labels per level, and per k-means run the
    documents it drew (from the recorded draws) with the clusters mteb saved."""
    n_all = len(data)
    if task.max_document_to_embed is None and task.max_fraction_of_documents_to_embed is None:
        embedded = list(range(n_all))
    else:
        kind, embedded = calls.pop(0) if calls else (None, None)
        if kind != "sample":
            raise ItemsUnavailable("mteb's draw of the documents to embed was not recorded")
    column = list(data[task.label_column_name])
    labels = [label if isinstance(label, list) else [label] for label in (column[i] for i in embedded)]
    depth = max(map(len, labels))
    if task.max_depth is not None:
        depth = min(task.max_depth, depth)
    codes, sets = [], []
    for level in range(depth):
        level_labels = [lab[level] if len(lab) > level else None for lab in labels]
        names = sorted({str(v) for v in level_labels if v is not None and v != -1})
        index = {name: i for i, name in enumerate(names)}
        code = np.array([-1 if v is None or v == -1 else index[str(v)] for v in level_labels])
        codes.append(code.tolist())
        valid = np.flatnonzero(code >= 0)
        runs = predictions.get(f"Level {level}", [])
        for assignment in runs:
            kind, drawn = calls.pop(0) if calls else (None, None)
            if kind != "choices" or len(drawn) != len(assignment):
                raise ItemsUnavailable("mteb's draws of the clustered documents were not recorded")
            pairs = np.stack([valid[np.asarray(drawn)], np.asarray(assignment)], axis=1)
            cells, count = np.unique(pairs, axis=0, return_counts=True)
            sets.append({"level": level, "item": cells[:, 0].tolist(), "cluster": cells[:, 1].tolist(),
                         "count": count.tolist()})
    if not sets:
        raise ItemsUnavailable("mteb saved no cluster assignments")
    return {"labels": codes, "sets": sets}


def build(task, name: str, task_result, predictions_path: Path, prepared: dict, model_meta) -> dict:
    """The items record of a task mteb just evaluated with a prediction folder. Raises
    ItemsUnavailable if the predictions do not make one (or it does not give mteb's scores)."""
    kind = kind_of(task)
    if not predictions_path.is_file():
        raise ItemsUnavailable(f"mteb wrote no predictions ({predictions_path.name})")
    predictions = json.loads(predictions_path.read_text())
    calls = list(task.rng_state.calls) if isinstance(task.rng_state, RecordingRandom) else []
    dataset, main = prepared["dataset"], task.metadata.main_score
    parts = []
    for split, entries in task_result.scores.items():
        for entry in entries:
            subset = entry["hf_subset"]
            try:
                saved = predictions[subset][split]
            except KeyError:
                raise ItemsUnavailable(f"no predictions saved for subset {subset}, split {split}") from None
            data = _split(dataset, subset, split)
            if kind in ("retrieval", "reranking"):
                part = _retrieval_part(task, data, saved, main)
            elif kind == "sts":
                part = _sts_part(task, data, saved)
            elif kind == "pair_classification":
                part = _pair_part(task, data, saved)
            elif kind == "classification":
                part = _classification_part(task, data, saved)
            else:
                part = _clustering_part(task, data, saved, calls)
            n = len(part[{"retrieval": "values", "reranking": "values", "sts": "gold", "pair_classification": "labels",
                          "classification": "gold", "clustering": "labels"}[kind]])
            if kind == "clustering":
                n = len(part["labels"][0])
            parts.append({"split": split, "subset": subset, "n": n, "score": float(entry["main_score"]),
                          "data": part})
    if calls:
        raise ItemsUnavailable(f"{len(calls)} recorded draws of mteb's clustering were not accounted for")
    record = {"format": FORMAT, "task": name, "kind": kind, "main_score": main, "statistic": STATISTICS[kind],
              "score": float(task_result.get_score()), "n": sum(p["n"] for p in parts),
              "model": model_meta.name, "revision": model_meta.revision,
              "dataset_revision": task.metadata.revision, "parts": parts}
    record["digest"] = digest(record)
    items = Items(record)
    for part, stat in zip(parts, items.part_statistics()):
        if not abs(stat - part["score"]) <= TOLERANCE:
            raise ItemsUnavailable(f"the items give {stat:.6f} on subset {part['subset']}, split {part['split']}, "
                                   f"mteb {part['score']:.6f}")
    return record


def digest(record: dict) -> str:
    """A hash of which items a record holds (ids, gold data), the same for every model scored on
    the same items: a pairing of two models' items is checked against it."""
    gold_keys = {"retrieval": ("ids",), "reranking": ("ids",), "sts": ("gold",), "pair_classification": ("labels",),
                 "classification": ("gold",), "clustering": ("labels",)}[record["kind"]]
    key = [(p["split"], p["subset"], p["n"], [p["data"][k] for k in gold_keys]) for p in record["parts"]]
    return hashlib.sha256(json.dumps(key, default=str).encode()).hexdigest()[:16]


# --- statistics on weighted resamples ----------------------------------------------------


# The functions below take the weights transposed, M = W.T of shape (n, B), one column per
# resample: gathering items (rows) and summing down the items is then contiguous in memory.


def _cumsum(M: np.ndarray) -> np.ndarray:
    """Cumulative sums down the items (axis 0): a row at a time, each a contiguous vector add
    (numpy's cumsum along axis 0 runs down each column, twice as slow here)."""
    out = np.empty_like(M)
    if len(M):
        out[0] = M[0]
    for i in range(1, len(M)):
        np.add(out[i - 1], M[i], out=out[i])
    return out


class Ties:
    """The order that sorts a value per item (descending: highest first) and its runs of equal
    values: what ranks and thresholds of any resample of the items follow from."""

    def __init__(self, values: np.ndarray, descending: bool = False):
        self.order = np.argsort(-values if descending else values, kind="mergesort")
        ordered = values[self.order]
        new = np.r_[True, ordered[1:] != ordered[:-1]]
        self.ends = np.r_[np.flatnonzero(new)[1:] - 1, len(values) - 1]  # the last position of each run
        self.tied = len(self.ends) < len(values)
        self.group = np.empty(len(values), dtype=np.int64)  # each item's run
        self.group[self.order] = np.cumsum(new) - 1


def average_ranks(M: np.ndarray, ties: Ties) -> np.ndarray:
    """(n, B): the average rank (1-based, tied values sharing their mean rank) of each item's
    value among the items of each resample, counted with their multiplicities (scipy's
    rankdata of the resample, per item)."""
    ordered = M[ties.order]
    upto = _cumsum(ordered)  # items up to each position
    if ties.tied:
        upto = upto[ties.ends]  # ... up to the end of each run
        ranks = upto - (np.diff(upto, axis=0, prepend=0) - 1) / 2
        return ranks[ties.group]
    out = np.empty_like(upto)
    out[ties.order] = upto - (ordered - 1) / 2
    return out


def weighted_spearman(M: np.ndarray, x: Ties, y_ranks: np.ndarray) -> np.ndarray:
    """scipy's spearmanr of each resample: Pearson's r of the average ranks, each item counted
    as often as it is drawn."""
    middle = (M.sum(axis=0) + 1) / 2  # the mean rank of every resample
    dx, dy = average_ranks(M, x) - middle, y_ranks - middle
    mx = M * dx
    with np.errstate(invalid="ignore", divide="ignore"):
        return (mx * dy).sum(0) / np.sqrt((mx * dx).sum(0) * (M * dy * dy).sum(0))


class Thresholds:
    """A ranking of labelled items by score (highest first), prepared for average precision:
    the positives and the negatives in ranking order, the runs of tied scores (one threshold
    each) that hold positives, which positive ends each and how many negatives rank up to it."""

    def __init__(self, scores: np.ndarray, labels: np.ndarray):
        ties = Ties(scores, descending=True)
        self.group = ties.group
        positive = labels[ties.order] > 0
        self.positives, self.negatives = ties.order[positive], ties.order[~positive]  # items, ranked
        run = ties.group[self.positives]  # the run of each positive
        last = np.r_[run[1:] != run[:-1], True] if len(run) else np.zeros(0, dtype=bool)
        self.last_positive = np.flatnonzero(last)  # per run with positives: its last positive
        # negatives ranked up to the end of each such run
        self.negatives_upto = np.searchsorted(np.flatnonzero(~positive), ties.ends[run[last]], side="right")
        self.simple = not ties.tied  # no ties: each positive is its own run


def weighted_average_precision(M: np.ndarray, t: Thresholds) -> np.ndarray:
    """sklearn's average_precision_score of each resample: the sum over thresholds (runs of
    tied scores) of the recall gained there times the precision there; only thresholds with
    positives gain recall."""
    if not len(t.positives):  # sklearn: no positive, no recall (nan)
        return np.full(M.shape[1], np.nan)
    hits = _cumsum(M[t.positives])  # positives ranked up to each positive
    if not t.simple:
        hits = hits[t.last_positive]
    negatives = _cumsum(M[t.negatives])
    upto = t.negatives_upto
    seen = hits + negatives[np.maximum(upto - 1, 0)] * (upto > 0)[:, None] if len(negatives) else hits
    gained = np.diff(hits, axis=0, prepend=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (gained * hits / np.maximum(seen, 1)).sum(0) / hits[-1]


def _xlogx(x: np.ndarray) -> np.ndarray:
    """x log x of counts (whole numbers: 0 log 0 = 0), from a table of n log n (twice as fast
    as the logarithm of every cell)."""
    top = int(x.max()) if x.size else 0
    if top > 1 << 22:
        return x * np.log(np.maximum(x, 1))
    table = np.arange(top + 1.0)
    table *= np.log(np.maximum(table, 1))
    return table[x.astype(np.intp)]


def v_measure(contingency: np.ndarray, cell_xlogx: np.ndarray | None = None) -> np.ndarray:
    """sklearn's v_measure_score (beta 1) of each (labels x clusters) table of an (L, C, B)
    array: from sums of n log n over its cells, rows, columns and total."""
    total = contingency.sum(axis=(0, 1))
    cells = (_xlogx(contingency) if cell_xlogx is None else cell_xlogx).reshape(-1, contingency.shape[-1]).sum(0)
    rows, cols, whole = _xlogx(contingency.sum(1)).sum(0), _xlogx(contingency.sum(0)).sum(0), _xlogx(total)
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.maximum(total, 1)
        mi = np.clip((cells - rows - cols + whole) / n, 0, None)
        h_labels, h_clusters = (whole - rows) / n, (whole - cols) / n
        homogeneity = np.where(h_labels > 0, mi / np.where(h_labels > 0, h_labels, 1), 1.0)
        completeness = np.where(h_clusters > 0, mi / np.where(h_clusters > 0, h_clusters, 1), 1.0)
        v = np.where(homogeneity + completeness == 0, 0.0,
                     2 * homogeneity * completeness / (homogeneity + completeness))
    return np.where(total > 0, v, 1.0)


class _Part:
    """One (split, subset) of a record, compiled for weighted statistics."""

    def __init__(self, kind: str, part: dict):
        self.kind, self.n, data = kind, int(part["n"]), part["data"]
        if kind in ("retrieval", "reranking"):
            self.values = np.asarray(data["values"], dtype=np.float64)
        elif kind == "classification":
            gold = np.asarray(data["gold"], dtype=object)
            self.values = np.mean([np.asarray(p, dtype=object) == gold for p in data["predictions"]],
                                  axis=0).astype(np.float64)
        elif kind == "sts":
            self.x = Ties(np.asarray(data["similarity"], dtype=np.float64))
            self.y = Ties(np.asarray(data["gold"], dtype=np.float64))
        elif kind == "pair_classification":
            self.labels = np.asarray(data["labels"], dtype=np.float64)
            self.scores, seen = [], set()
            for name, values in data["scores"].items():
                t = Thresholds(np.asarray(values, dtype=np.float64) * (1 if data["higher_is_similar"][name] else -1),
                               self.labels)
                key = t.group.tobytes()  # the same ranking and ties (cosine and the model's own
                if key not in seen:      # similarity, mostly): the same AP on every resample
                    seen.add(key)
                    self.scores.append(t)
        elif kind == "clustering":
            from scipy import sparse

            codes = [np.asarray(c, dtype=np.int64) for c in data["labels"]]
            rows, cols, vals, self.shapes = [], [], [], []
            offset = 0
            for s in data["sets"]:
                item, cluster = np.asarray(s["item"], dtype=np.int64), np.asarray(s["cluster"], dtype=np.int64)
                n_labels, n_clusters = int(codes[s["level"]].max()) + 1, int(cluster.max()) + 1
                rows.append(item)
                cols.append(offset + codes[s["level"]][item] * n_clusters + cluster)
                vals.append(np.asarray(s["count"], dtype=np.float64))
                self.shapes.append((offset, n_labels, n_clusters))
                offset += n_labels * n_clusters
            self.onehot = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                                            shape=(self.n, offset))
        else:
            raise ItemsError(f"unknown kind of items '{kind}'")
        if kind in ("retrieval", "reranking", "classification") and len(self.values) != self.n:
            raise ItemsError(f"{len(self.values)} values for {self.n} items")

    def statistic(self, W: np.ndarray, memo: dict | None = None) -> np.ndarray:
        """The part's statistic on each resample (B,) of weights W (B, n); `memo` keeps what
        depends on W and the items' gold data only, shared by every model of the task."""
        memo = {} if memo is None else memo
        if "M" not in memo:
            memo["M"] = np.ascontiguousarray(W.T, dtype=np.float64)
        M = memo["M"]
        if self.kind in ("retrieval", "reranking", "classification"):
            return self.values @ M / M.sum(0)
        if self.kind == "sts":
            if "gold_ranks" not in memo:
                memo["gold_ranks"] = average_ranks(M, self.y)
            return weighted_spearman(M, self.x, memo["gold_ranks"])
        if self.kind == "pair_classification":
            return np.max([weighted_average_precision(M, t) for t in self.scores], axis=0)
        counts = np.asarray(self.onehot.T @ M)  # (cells, B): one-hot(label, cluster).T @ W.T
        cell_xlogx = _xlogx(counts)
        return np.mean([v_measure(counts[off:off + nl * nc].reshape(nl, nc, -1), cell_xlogx[off:off + nl * nc])
                        for off, nl, nc in self.shapes], axis=0)


class Items:
    """A record's items, compiled: its statistic on the full sample and on weighted resamples."""

    def __init__(self, record: dict):
        self.record = record
        self.parts = [_Part(record["kind"], p) for p in record["parts"]]

    def part_statistics(self) -> list[float]:
        return [float(p.statistic(np.ones((1, p.n)))[0]) for p in self.parts]

    def statistic(self) -> float:
        """The full-sample statistic: mteb's main score."""
        return float(np.mean(self.part_statistics()))

    def replicates(self, weights: list[np.ndarray], memos: list[dict] | None = None) -> np.ndarray:
        """(B,): the task's statistic (mean over parts) on each resample; weights[k] is part k's
        (B, n_k) multiplicity matrix."""
        memos = memos if memos is not None else [{} for _ in self.parts]
        return np.mean([p.statistic(w, m) for p, w, m in zip(self.parts, weights, memos)], axis=0)


def load(path: Path) -> Items:
    return Items(read(path))
