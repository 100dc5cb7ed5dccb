"""Evaluate one model on a suite of tasks with mteb, loading the model once.

    python -m boom.evaluate --model results/models/<id>/model --model-id <id> \
        --tasks '{"SciFact": {...spec...}, ...}' --root ../shared/data --out-dir results/eval/<id> \
        [--cache-dir results/mteb_cache] [--query-instruction] [--items]

For each task, `<out-dir>/<task>.json` is mteb's own TaskResult file (`to_disk`), and
`<out-dir>/<task>.provenance.json` says what made it. With `--items`, `<out-dir>/<task>.items.json`
is the task's per-item record (boom/items.py: per query, pair or text what the main score is
made of, from the predictions mteb saves), which the claims' paired bootstrap resamples; the
result cache keeps it too. A task spec is an `evaluation.tasks` entry (a task built from the
data mirror) or `{"benchmark": <mteb benchmark>, ...}` (that benchmark's task of this name,
paper scale).

The model runs through `boom.encoding.CachedEncoder` (each distinct text encoded once per model,
length-sorted batches: same scores as plain `mteb.evaluate`, faster) under its own mteb name
`boom/<id>` and a revision that hashes its weights and the evaluation settings. mteb's default
result cache keys a local model by name alone and would hand one model's scores to another;
here the cache is a project folder (`--cache-dir`) keyed by that name and revision, and a cached
result whose task data changed since (another dataset revision) is recomputed.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from boom import failpoints, items, layout, models
from boom.data.mteb_benchmarks import benchmark_task
from boom.data.manifest import resolve_root
from boom.io import replacing, write_json
from boom.data.own import OwnSource, add_own_data_argument
from boom.data.sources import SOURCES
from boom.provenance import record
from boom.records import read_digest
from boom.stage import json_arg

log = logging.getLogger("boom.evaluate")


def load_for_eval(model_dir: Path, model_id: str, max_seq_length: int, query_instruction: bool = False,
                  precision: str = "fp32"):
    """The model folder as an mteb encoder named `boom/<model_id>`, encoding in `precision`."""
    from boom.encoding import EVAL_VERSION, CachedEncoder, fingerprint

    import torch

    model = models.load(Path(model_dir), device="cuda" if torch.cuda.is_available() else "cpu")
    models.set_max_seq_length(model, max_seq_length, "evaluation.max_seq_length")
    model.model_card_data.model_name = f"boom/{model_id}"
    # precision only when not fp32: the revisions of fp32 evaluations stay as they were
    revision = fingerprint(Path(model_dir), max_seq_length=max_seq_length, query_instruction=query_instruction,
                           eval_version=EVAL_VERSION, **({"precision": precision} if precision != "fp32" else {}))
    return CachedEncoder(model, f"boom/{model_id}", revision, query_instruction=query_instruction,
                         precision=precision)


def build(task_name: str, spec: dict, root: Path):
    """The mteb task a spec names: one of boom's data-mirror tasks, or a benchmark's task."""
    if "benchmark" in spec:
        return benchmark_task(spec["benchmark"], task_name)
    from boom.data.tasks import build_task

    return build_task(root, task_name, spec)


def result_cache(cache_dir: Path | None):
    import mteb

    return mteb.ResultCache(cache_path=cache_dir) if cache_dir is not None else None


@contextmanager
def _scoring_single_threaded():
    """Every thread pool at one thread while mteb scores, except inside encoding (CachedEncoder
    restores torch's threads there). mteb scores small matrices (k-means, logistic regression)
    in thousands of short parallel sections; on 2 busy cores two threads wait on each other, and
    k-means alone ran 15-45x slower than on one thread (same labels). scikit-learn may run on
    torch's OpenMP runtime (torch loads it globally first), hence torch's count goes to 1 too."""
    import torch
    from threadpoolctl import threadpool_limits

    threads = torch.get_num_threads()
    try:
        with threadpool_limits(limits=1):
            torch.set_num_threads(1)
            yield
    finally:
        torch.set_num_threads(threads)


def _cached_items(cache, model_meta, task) -> dict | None:
    """The items record the project cache keeps beside a cached TaskResult, if it is this
    model's (name, revision) on this task's data."""
    path = items.cache_path(cache.cache_path, model_meta, task.metadata.name)
    if not path.is_file():
        return None
    try:
        record = items.read(path)
    except items.ItemsError:
        return None
    same = (record.get("model"), record.get("revision"), record.get("dataset_revision")) == \
        (model_meta.name, model_meta.revision, task.metadata.revision)
    return record if same else None


def evaluate_task(encoder, task, batch_size: int, cache=None, items_path: Path | None = None):
    """One task's mteb TaskResult and whether it came from the cache. With `items_path`, also
    the task's per-item record there (boom.items): mteb saves its predictions into a temporary
    folder, turned into the record with the task's gold data. The project cache keeps the record
    too (boom_items/, keyed like mteb's results), so that a TaskResult served from the cache
    comes with its items; a cached result without them is computed again."""
    import mteb

    meta = encoder.mteb_model_meta
    strategy, cached, record = "only-missing", None, None
    if cache is not None:
        cached = cache.load_task_result(task.metadata.name, meta)
        if cached is not None and cached.dataset_revision != task.metadata.revision:
            # mteb reuses a complete cached result whatever its dataset revision: the task's
            # subset or data changed since, so compute it again
            strategy, cached = "always", None
        if cached is not None and items_path is not None:
            record = _cached_items(cache, meta, task)
            if record is None:  # mteb cached the result, the job died before the items were kept
                strategy, cached = "always", None
    predict = items_path is not None and cached is None
    with tempfile.TemporaryDirectory(prefix="boom-predictions-") as folder:
        prepared = items.prepare(task) if predict else None
        try:
            with _scoring_single_threaded():
                result = mteb.evaluate(encoder, task, cache=cache, overwrite_strategy=strategy,
                                       encode_kwargs={"batch_size": batch_size}, show_progress_bar=True,
                                       prediction_folder=Path(folder) if predict else None)
            (task_result,) = result.task_results
            if predict:
                record = _items_record(task, task_result, Path(folder) / task.prediction_file_name, prepared, meta)
        finally:
            if prepared is not None:
                items.finish(task, prepared)
    if items_path is not None:
        if predict and cache is not None:
            items.write(record, items.cache_path(cache.cache_path, meta, task.metadata.name))
        items.write(record, items_path)
    return task_result, cached is not None


def _items_record(task, task_result, predictions: Path, prepared: dict, meta) -> dict:
    """The task's items record; for an mteb benchmark task whose predictions make none, a record
    that says why (the claims name it). A data-mirror task always makes one."""
    from boom.data.tasks import BUILDERS

    name = task.metadata.name
    try:
        return items.build(task, name, task_result, predictions, prepared, meta)
    except items.ItemsUnavailable as why:
        if isinstance(task, tuple(BUILDERS.values())):
            raise RuntimeError(f"task {name}: boom's items do not fit mteb's predictions: {why}") from None
        log.warning("task %s: no per-item records (%s); claims cannot use this task", name, why)
        return items.unavailable(name, str(why), meta, task.metadata.revision)


def write_task_result(task_result, path: Path) -> None:
    """mteb's own file of a TaskResult (`to_disk`: scores rounded to 6 decimals), written beside
    `path` and renamed into place. The same file as mteb's result cache holds, so that a task
    served from the cache after a crash gives the very numbers a fresh run gives."""
    with replacing(path) as tmp:
        task_result.to_disk(tmp)


def evaluate(model_dir: Path, model_id: str, task_name: str, spec: dict, root: Path,
             batch_size: int, max_seq_length: int, cache_dir: Path | None = None,
             query_instruction: bool = False, precision: str = "fp32"):
    """Load a model folder and evaluate it on one task."""
    encoder = load_for_eval(model_dir, model_id, max_seq_length, query_instruction, precision)
    return evaluate_task(encoder, build(task_name, spec, root), batch_size, result_cache(cache_dir))[0]


def own_files_sha256(spec: dict) -> dict:
    """{"files_sha256": {path: sha256}} for a task on your own files (data.files), else {}."""
    source = SOURCES.get(spec.get("dataset", ""))
    return {"files_sha256": source.sha256s()} if isinstance(source, OwnSource) else {}


def main(argv: list[str] | None = None) -> None:
    from boom.encoding import PRECISIONS

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, type=Path, help="folder of the model to evaluate")
    parser.add_argument("--model-id", required=True, help="the model's recipe id (its unique mteb name)")
    parser.add_argument("--tasks", required=True, type=json_arg("--tasks"), help="JSON: task name -> its evaluation.tasks entry")
    parser.add_argument("--root", required=True, help="data mirror root")
    add_own_data_argument(parser)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-seq-length", type=int, default=256)
    parser.add_argument("--query-instruction", action="store_true",
                        help="prefix non-document inputs with the task's instruction (decoder models)")
    parser.add_argument("--precision", choices=PRECISIONS, default="fp32",
                        help="encode in float32 or in bfloat16 autocast (evaluation.precision)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="mteb result cache (default: none)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out-dir", required=True, type=Path, help="folder for the TaskResult JSONs")
    parser.add_argument("--record", type=Path, help="the record of what the results are computed from "
                        "(boom/records.py): its digest goes into each task's provenance")
    parser.add_argument("--items", action="store_true",
                        help="also write <task>.items.json, each task's per-item record (boom.items)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    models.set_threads(args.threads)
    root = resolve_root(args.root)
    encoder = load_for_eval(args.model, args.model_id, args.max_seq_length, args.query_instruction, args.precision)
    cache = result_cache(args.cache_dir)
    computed_from = read_digest(args.record) if args.record else None
    tasks = args.tasks
    for i, (name, spec) in enumerate(tasks.items(), 1):
        start = time.perf_counter()
        items_path = None
        if args.items and items.has_items(spec):
            items_path = Path(layout.task_file(args.out_dir, name, "items"))
        elif args.items:
            log.warning("task %s (%s, %s): boom writes no per-item records for it; claims cannot use it",
                        name, spec.get("task_type"), spec.get("main_score"))
        task_result, from_cache = evaluate_task(encoder, build(name, spec, root), args.batch_size, cache, items_path)
        wall = time.perf_counter() - start
        write_task_result(task_result, Path(layout.task_file(args.out_dir, name)))
        write_json(Path(layout.task_file(args.out_dir, name, "provenance")), record(
            model_id=args.model_id, mteb_name=encoder.mteb_model_meta.name,
            mteb_revision=encoder.mteb_model_meta.revision, task=name, spec=spec,
            revision=task_result.dataset_revision, batch_size=args.batch_size,
            max_seq_length=args.max_seq_length, query_instruction=args.query_instruction, precision=args.precision,
            from_cache=from_cache, wall_seconds=round(wall, 3),
            items=items_path.name if items_path is not None else None, record=computed_from,
            **own_files_sha256(spec),
        ))
        log.info("[%d/%d] %s on %s: main score %.4f (%.1f s%s; %d of %d texts encoded so far)", i, len(tasks),
                 args.model_id, name, task_result.get_score(), wall, ", cached" if from_cache else "",
                 encoder.encoded, encoder.requested)
        failpoints.reach("task-scored")


if __name__ == "__main__":
    main()
