"""Share of a default-scale evaluation job spent encoding: the part a GPU takes over (the rest,
mteb's scoring, stays on the CPU). Input to benchmarks/paper_cost.py's default-scale estimate.

    python benchmarks/encode_share.py MODEL_DIR [--repeats 3]

Evaluates the model on the default scale's in- and out-of-domain tasks (one thread, no result
cache), timing CachedEncoder._encode_sorted, and prints each run's share and the median.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from boom.io import setdefault_offline

setdefault_offline()  # before anything imports the Hugging Face libraries

from boom import encoding, evaluate, models  # noqa: E402
from boom.config import load  # noqa: E402
from boom.data.manifest import resolve_root  # noqa: E402
from boom.data.sources import evaluation_tasks  # noqa: E402


def one_run(model_dir: Path, tasks: dict, root: Path) -> tuple[float, float]:
    """(evaluation seconds, of which encoding seconds) for one fresh encoder."""
    spent = 0.0
    plain = encoding.CachedEncoder._encode_sorted

    def timed(self, *args, **kwargs):
        nonlocal spent
        start = time.perf_counter()
        try:
            return plain(self, *args, **kwargs)
        finally:
            spent += time.perf_counter() - start

    encoding.CachedEncoder._encode_sorted = timed
    try:
        encoder = evaluate.load_for_eval(model_dir, "encode-share", 64)
        start = time.perf_counter()
        for name, spec in tasks.items():
            evaluate.evaluate_task(encoder, evaluate.build(name, spec, root), 64, None)
        return time.perf_counter() - start, spent
    finally:
        encoding.CachedEncoder._encode_sorted = plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", type=Path, help="a model folder, e.g. results/models/base-…/model")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    config = load()
    tasks = {n: s for n, s in evaluation_tasks(config["evaluation"]).items() if s["role"] != "new_domain"}
    root = resolve_root(config["data"]["root"])
    models.set_threads(1)
    shares = []
    for i in range(args.repeats):
        total, encode = one_run(args.model_dir, tasks, root)
        shares.append(encode / total)
        print(f"run {i + 1}: {len(tasks)} tasks in {total:.1f} s, encoding {encode:.1f} s: share {shares[-1]:.3f}")
    print(f"median encoding share: {statistics.median(shares):.3f}")


if __name__ == "__main__":
    main()
