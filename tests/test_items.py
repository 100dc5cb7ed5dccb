"""Per-item evaluation records (boom/items.py): made from the predictions mteb saves, they give
mteb's main score on the full sample for every kind of task, scipy's and sklearn's statistics on
any resample, and they come back with a TaskResult served from the result cache."""

import json

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import average_precision_score, v_measure_score

from boom import claims, evaluate, items
from boom.config import load
from boom.data.tasks import build_task

SMOKE = load("config/smoke.yaml")["evaluation"]["tasks"]
# one small task of every kind (classification with two experiments: accuracy is averaged)
TASKS = {"SciFact": {"max_queries": 10, "distractors": 30}, "WikiQA": {"max_queries": 10},
         "STS12": {"max_pairs": 40}, "SNLI": {"max_pairs": 40},
         "Banking77": {"max_examples": 60, "n_experiments": 2, "samples_per_label": 2},
         "TwentyNewsgroups": {"max_examples": 40}}
KINDS = {"SciFact": "retrieval", "WikiQA": "reranking", "STS12": "sts", "SNLI": "pair_classification",
         "Banking77": "classification", "TwentyNewsgroups": "clustering"}


def _task(data_root, name):
    return build_task(data_root, name, {**SMOKE[name], **TASKS[name]})


def test_the_items_give_mteb_main_score_for_every_kind(data_root, tiny_base, tmp_path):
    encoder = evaluate.load_for_eval(tiny_base, "items", 64)
    for name in TASKS:
        path = tmp_path / f"{name}.items.json"
        result, _ = evaluate.evaluate_task(encoder, _task(data_root, name), 16, items_path=path)
        record = items.read(path)
        assert (record["task"], record["kind"], record["model"]) == (name, KINDS[name], "boom/items")
        # mteb rounds retrieval scores to 5 decimals; the others agree to float rounding
        tolerance = 5e-6 + 1e-12 if KINDS[name] in ("retrieval", "reranking") else 1e-9
        assert items.Items(record).statistic() == pytest.approx(result.get_score(), abs=tolerance), name
        assert record["score"] == result.get_score()
        expected_n = TASKS[name].get("max_queries") or TASKS[name].get("max_pairs") or TASKS[name].get("max_examples")
        assert record["n"] == expected_n and not list(tmp_path.glob("*.tmp"))
    banking = items.read(tmp_path / "Banking77.items.json")["parts"][0]["data"]
    assert len(banking["predictions"]) == 2 and len(banking["gold"]) == 60


def test_items_come_back_with_a_cached_result(data_root, tiny_base, tmp_path):
    cache = evaluate.result_cache(tmp_path / "cache")
    encoder = evaluate.load_for_eval(tiny_base, "cached-items", 64)

    def run(out):
        result, from_cache = evaluate.evaluate_task(encoder, _task(data_root, "TwentyNewsgroups"), 16, cache, out)
        return from_cache, json.loads(out.read_text())

    fresh = run(tmp_path / "a.items.json")
    kept = items.cache_path(cache.cache_path, encoder.mteb_model_meta, "TwentyNewsgroups")
    assert not fresh[0] and kept.is_file()
    assert run(tmp_path / "b.items.json") == (True, fresh[1])  # served from the cache, with its items
    kept.unlink()  # a cached result whose items were never kept (a crash between the two): computed again
    assert run(tmp_path / "c.items.json") == (False, fresh[1]) and kept.is_file()


def test_which_tasks_have_items():
    assert items.has_items({"dataset": "scifact", "role": "in_domain"})
    bench = {"benchmark": "MTEB(eng, v2)", "role": "in_domain"}
    assert items.has_items({**bench, "task_type": "Retrieval", "main_score": "ndcg_at_10"})
    assert items.has_items({**bench, "task_type": "Clustering", "main_score": "v_measure"})
    assert not items.has_items({**bench, "task_type": "Reranking", "main_score": "max_over_subqueries_map_at_1000"})
    assert not items.has_items({**bench, "task_type": "Summarization", "main_score": "cosine_spearman"})


def _weights(n, b=25, seed=3):
    idx = np.random.default_rng(seed).integers(0, n, size=(b, n))
    return idx, np.stack([np.bincount(row, minlength=n) for row in idx]).astype(float)


def _part(kind, n, data):
    return items.Items({"kind": kind, "parts": [{"split": "test", "subset": "default", "n": n, "data": data}]})


def test_resampled_statistics_are_scipys_and_sklearns():
    """On each resample (items drawn with replacement, ties included): Spearman, max AP over the
    similarity functions and mean v-measure equal scipy's and sklearn's on the drawn items."""
    rng = np.random.default_rng(0)
    n = 60
    idx, W = _weights(n)
    x, y = np.round(rng.normal(size=n), 1), np.round(rng.uniform(0, 5, n) * 2) / 2  # ties in both
    sts = _part("sts", n, {"similarity": x.tolist(), "gold": y.tolist()}).replicates([W])
    assert sts == pytest.approx([spearmanr(x[r], y[r])[0] for r in idx], abs=1e-12)

    labels = (rng.uniform(size=n) < 0.4).astype(int)
    cos, dist = np.round(labels * 0.3 + rng.normal(size=n), 1), np.round(rng.uniform(size=n), 1)
    pair = _part("pair_classification", n, {
        "labels": labels.tolist(), "scores": {"cosine_scores": cos.tolist(), "euclidean_distances": dist.tolist()},
        "higher_is_similar": {"cosine_scores": True, "euclidean_distances": False}})
    expected = [max(average_precision_score(labels[r], cos[r]), average_precision_score(labels[r], -dist[r]))
                for r in idx]
    assert pair.replicates([W]) == pytest.approx(expected, abs=1e-12)

    gold = rng.integers(0, 4, n)
    sets, drawn = [], []
    for _ in range(3):  # k-means runs on draws with replacement of the documents, as mteb's
        slots = rng.integers(0, n, 200)
        cluster_of = rng.integers(0, 5, n)  # a document's cluster in this run
        cells, counts = np.unique(slots, return_counts=True)
        sets.append({"level": 0, "item": cells.tolist(), "cluster": cluster_of[cells].tolist(),
                     "count": counts.tolist()})
        drawn.append((slots, cluster_of))
    clustering = _part("clustering", n, {"labels": [gold.tolist()], "sets": sets})
    full = np.mean([v_measure_score(gold[s], c[s]) for s, c in drawn])
    assert clustering.statistic() == pytest.approx(full, abs=1e-12)
    expected = []
    for r in W.astype(int):  # a resample repeats each document's slots as often as it draws it
        scores = []
        for slots, cluster_of in drawn:
            kept = np.repeat(slots, r[slots])
            scores.append(v_measure_score(gold[kept], cluster_of[kept]))
        expected.append(np.mean(scores))
    assert clustering.replicates([W]) == pytest.approx(expected, abs=1e-12)

    values = rng.uniform(size=n)
    mean = _part("retrieval", n, {"ids": list(map(str, range(n))), "values": values.tolist()})
    assert mean.replicates([W]) == pytest.approx([values[r].mean() for r in idx], abs=1e-12)


def test_the_resamples_are_the_tasks_own():
    a = claims.resample_weights("STS12", "test", "default", 50, 100)
    assert a.shape == (100, 50) and (a.sum(1) == 50).all()
    assert (a == claims.resample_weights("STS12", "test", "default", 50, 100)).all()
    assert not (a == claims.resample_weights("STS13", "test", "default", 50, 100)).all()
