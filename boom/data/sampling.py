"""Subsets of prepared training files, each deterministic from a seed, drawn without replacement:

- a *bag* (BOOM): every dataset of the mix sampled at the same ratio (stratified by dataset, so
  the bag keeps the mix's proportions);
- a *replay* sample (incremental learning): a share of the historical data mixed into the
  update model's training data.

    python -m boom.data.sampling --in results/data/train/snli.n1000.k1.jsonl --ratio 0.4 --seed 0 \
        --out results/data/train/snli.n1000.k1.r0.4.s0.jsonl
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from boom.data.manifest import DataError
from boom.data.prepare import read_jsonl, write_jsonl
from boom.provenance import record, write_json


def check_ratio(ratio: float, where: str = "ratio") -> None:
    if not 0 < ratio <= 1:
        raise ValueError(f"{where} = {ratio}: a sampling ratio must be in (0, 1]")


def sample(rows: list[dict], ratio: float, seed: int, dataset: str) -> list[dict]:
    """round(ratio * n) rows (at least one is required), without replacement, in source order.
    The seed is combined with the dataset's name, so datasets of one bag are sampled independently."""
    check_ratio(ratio)
    n = round(ratio * len(rows))
    if n == 0:
        raise DataError(f"the sample of dataset {dataset} at ratio {ratio} came out empty "
                        f"({len(rows)} examples): raise the ratio or the dataset's max_examples")
    keep = sorted(random.Random(f"{seed}:{dataset}").sample(range(len(rows)), n))
    return [rows[i] for i in keep]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--in", dest="inp", required=True, type=Path, help="prepared training file")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--ratio", required=True, type=float)
    parser.add_argument("--seed", required=True, type=int)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    rows = read_jsonl(args.inp)
    subset = sample(rows, args.ratio, args.seed, args.dataset)
    write_jsonl(args.out, subset)
    write_json(args.out.with_name(args.out.name + ".card.json"), record(
        dataset=args.dataset, source=str(args.inp), ratio=args.ratio, seed=args.seed,
        examples=len(subset), of=len(rows)))
    print(f"{args.dataset}: {len(subset)} of {len(rows)} examples (ratio {args.ratio}, seed {args.seed}) -> {args.out}")


if __name__ == "__main__":
    main()
