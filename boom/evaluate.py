"""Evaluate one model on a suite of tasks with mteb, loading the model once.

    python -m boom.evaluate --model results/models/<id>/model --model-id <id> \
        --tasks '{"SciFact": {...spec...}, ...}' --root ../shared/data --out-dir results/eval/<id>

For each task, `<out-dir>/<task>.json` is mteb's TaskResult JSON, unchanged, and
`<out-dir>/<task>.provenance.json` says what made it. Each model is evaluated under its own name
(`boom/<id>`) with mteb's result cache switched off: mteb's default cache keys local models by
name and would hand one model's scores to another.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from boom import models
from boom.data.manifest import resolve_root
from boom.provenance import record, write_json

log = logging.getLogger("boom.evaluate")


def load_for_eval(model_dir: Path, model_id: str, max_seq_length: int):
    model = models.load(model_dir)
    model.max_seq_length = max_seq_length
    model.model_card_data.model_name = f"boom/{model_id}"
    return model


def evaluate_task(model, task_name: str, spec: dict, root: Path, batch_size: int):
    """One task's mteb TaskResult for an already loaded model."""
    import mteb

    from boom.data.tasks import build_task

    task = build_task(root, task_name, spec)
    result = mteb.evaluate(model, task, cache=None, encode_kwargs={"batch_size": batch_size},
                           show_progress_bar=True)
    (task_result,) = result.task_results
    return task_result


def evaluate(model_dir: Path, model_id: str, task_name: str, spec: dict, root: Path,
             batch_size: int, max_seq_length: int):
    """Load a model folder and evaluate it on one task."""
    model = load_for_eval(model_dir, model_id, max_seq_length)
    return evaluate_task(model, task_name, spec, root, batch_size)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, type=Path, help="folder of the model to evaluate")
    parser.add_argument("--model-id", required=True, help="the model's recipe id (its unique mteb name)")
    parser.add_argument("--tasks", required=True, help="JSON: task name -> its evaluation.tasks entry")
    parser.add_argument("--root", required=True, help="data mirror root")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-seq-length", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out-dir", required=True, type=Path, help="folder for the TaskResult JSONs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    models.set_threads(args.threads)
    root = resolve_root(args.root)
    model = load_for_eval(args.model, args.model_id, args.max_seq_length)
    tasks = json.loads(args.tasks)
    for i, (name, spec) in enumerate(tasks.items(), 1):
        start = time.perf_counter()
        task_result = evaluate_task(model, name, spec, root, args.batch_size)
        wall = time.perf_counter() - start
        write_json(args.out_dir / f"{name}.json", task_result.to_dict())
        write_json(args.out_dir / f"{name}.provenance.json", record(
            model_id=args.model_id, task=name, spec=spec, revision=task_result.dataset_revision,
            batch_size=args.batch_size, max_seq_length=args.max_seq_length, wall_seconds=round(wall, 3),
        ))
        log.info("[%d/%d] %s on %s: main score %.4f (%.1f s)", i, len(tasks), args.model_id, name,
                 task_result.get_score(), wall)


if __name__ == "__main__":
    main()
