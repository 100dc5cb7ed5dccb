"""How much one trained model's score moves with the training seed alone: the seed part of the
claims' paired SE, measured apart from everything else.

    python benchmarks/seed_spread.py --model results/models/train-f533f8a5e046 [--task CoSQA]
        [--seeds 6] [--dropout 0.0]

Retrains the model's own recipe on its own prepared files (the same examples, the same replay
sample) with training seeds 0..n-1, so that only the seed's part of training varies (batch order,
dropout masks), evaluates each on `--task` (a task of config/default.yaml), and prints the scores,
their mean and standard deviation. With `--dropout P`, every seed is trained a second time with
every dropout layer at P (MiniLM's own: 0.1), alternated: does dropout carry the spread, and does
training without it run faster (the trainer's seconds, median over the seeds)?
The example model is the committed run's incremental `update` of seed 0 (CoSQA and a 10% replay
of the mix, 14 steps): the new domain's claims have a seed part of 0.93-0.97 points.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import statistics
import tempfile
from pathlib import Path

from boom.io import setdefault_offline

setdefault_offline()  # before anything imports the Hugging Face libraries

from boom import config as boom_config  # noqa: E402
from boom import evaluate, models, train  # noqa: E402
from boom.data.manifest import resolve_root  # noqa: E402


def stage_arguments(model: Path) -> tuple[dict, Path, dict[str, Path]]:
    """The recipe, base folder and data files a trained model's provenance command names."""
    record = json.loads((model / "provenance.json").read_text())
    argv = shlex.split(record["command"])  # one shell line (boom.provenance.command)
    data = dict(a.split("=", 1) for a in argv[argv.index("--data") + 1:argv.index("--out")])
    return record["recipe"], Path(argv[argv.index("--base") + 1]), {n: Path(p) for n, p in data.items()}


def with_dropout(p: float | None):
    """models.load, with every dropout layer at p (None: as the model has it)."""
    import torch

    load = models.load

    def patched(path):
        model = load(path)
        if p is not None:
            for module in model.modules():
                if isinstance(module, torch.nn.Dropout):
                    module.p = p
        return model
    return patched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True, help="a trained model's folder in results/models")
    parser.add_argument("--task", default="CoSQA")
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--dropout", type=float, default=None, help="also train every seed at this dropout")
    args = parser.parse_args()
    config = boom_config.load()
    evaluation = config["evaluation"]
    spec, root = evaluation["tasks"][args.task], resolve_root(config["data"]["root"])
    recipe, base, data = stage_arguments(args.model)
    arms = [None] + ([args.dropout] if args.dropout is not None else [])
    load, scores, seconds = models.load, {arm: [] for arm in arms}, {arm: [] for arm in arms}
    for seed in range(args.seeds):
        for arm in arms:
            out = Path(tempfile.mkdtemp(prefix="boom-seed-")) / "model"
            try:
                train.models.load = with_dropout(arm)
                cost = train.train(dict(recipe, seed=seed), base, data, out)
                seconds[arm].append(cost["wall_seconds"])
                train.models.load = load
                result = evaluate.evaluate(out, f"seed{seed}", args.task, spec, root, evaluation["batch_size"],
                                           evaluation["max_seq_length"], precision=evaluation["precision"])
                scores[arm].append(100 * result.get_score())
            finally:
                train.models.load = load
                shutil.rmtree(out.parent, ignore_errors=True)
            print(f"seed {seed}, dropout {'as the model has it' if arm is None else arm}: "
                  f"{args.task} {scores[arm][-1]:.2f}", flush=True)
    for arm, values in scores.items():
        print(f"dropout {'as the model has it' if arm is None else arm}: {args.task} mean {statistics.mean(values):.2f}, "
              f"sd over {len(values)} training seeds {statistics.stdev(values):.2f}; "
              f"training {statistics.median(seconds[arm]):.1f} s (median)")
    if len(arms) == 2:
        diff = [b - a for a, b in zip(*scores.values())]
        print(f"paired difference (dropout {args.dropout} - as it has): mean {statistics.mean(diff):+.2f}, "
              f"sd {statistics.stdev(diff):.2f}")


if __name__ == "__main__":
    main()
