"""Evaluate one model on one task with mteb.

    python -m boom.evaluate --model results/models/<id>/model --model-id <id> --task SciFactNano \
        --spec '<task spec json>' --root ../shared/data --out results/eval/<id>/SciFactNano.json

`<out>` is mteb's TaskResult JSON, unchanged; `<out minus .json>.provenance.json` says what made
it. Each model is evaluated under its own name (`boom/<id>`) with mteb's result cache switched
off: mteb's default cache keys local models by name and would hand one model's scores to another.
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


def evaluate(model_dir: Path, model_id: str, task_name: str, spec: dict, root: Path,
             batch_size: int, max_seq_length: int):
    import mteb

    from boom.data.tasks import build_task

    model = models.load(model_dir)
    model.max_seq_length = max_seq_length
    model.model_card_data.model_name = f"boom/{model_id}"
    task = build_task(root, task_name, spec)
    result = mteb.evaluate(model, task, cache=None, encode_kwargs={"batch_size": batch_size},
                           show_progress_bar=True)
    (task_result,) = result.task_results
    return task_result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, type=Path, help="folder of the model to evaluate")
    parser.add_argument("--model-id", required=True, help="the model's recipe id (its unique mteb name)")
    parser.add_argument("--task", required=True, help="task name (a key of evaluation.tasks)")
    parser.add_argument("--spec", required=True, help="the task's evaluation.tasks entry, as JSON")
    parser.add_argument("--root", required=True, help="data mirror root")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-seq-length", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", required=True, type=Path, help="TaskResult JSON to write")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    models.set_threads(args.threads)
    spec = json.loads(args.spec)
    start = time.perf_counter()
    task_result = evaluate(args.model, args.model_id, args.task, spec, resolve_root(args.root),
                           args.batch_size, args.max_seq_length)
    wall = time.perf_counter() - start
    write_json(args.out, task_result.to_dict())
    write_json(args.out.with_suffix(".provenance.json"), record(
        model_id=args.model_id, task=args.task, spec=spec, revision=task_result.dataset_revision,
        batch_size=args.batch_size, max_seq_length=args.max_seq_length, wall_seconds=round(wall, 3),
    ))
    log.info("%s on %s: main score %.4f (%.1f s)", args.model_id, args.task, task_result.get_score(), wall)


if __name__ == "__main__":
    main()
