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

from boom import layout
from boom.data.manifest import DataError
from boom.io import read_jsonl, write_json, write_jsonl
from boom.provenance import record


# Part of every sampled dataset's recipe entry: bump it when a change here changes which rows a
# bag holds. 2: a stream per ratio and bag (1: one per dataset, nested bags).
SAMPLER_VERSION = 2


def check_ratio(ratio: float, where: str = "ratio") -> None:
    if not 0 < ratio <= 1:
        raise ValueError(f"{where} = {ratio}: a sampling ratio must be in (0, 1]")


def sample(rows: list[dict], ratio: float, seed: int, dataset: str, complement: bool = False) -> list[dict]:
    """round(ratio * n) rows (at least one is required), without replacement, in source order;
    with `complement`, the other rows. The stream is seeded by the seed, the ratio and the
    dataset's name: every dataset, ratio and bag (`seed` carries the bag index) is drawn
    independently, as BOOM draws its subsets. (One stream per dataset alone made the bags nested,
    bag20 inside bag40 inside ... and the replay sample inside bag20: the least diverse bags.)"""
    check_ratio(ratio)
    n = round(ratio * len(rows))
    keep = set(random.Random(f"{SAMPLER_VERSION}:{seed}:{ratio}:{dataset}").sample(range(len(rows)), n))
    out = [row for i, row in enumerate(rows) if (i in keep) != complement]
    if not out:
        what = "complement of the sample" if complement else "sample"
        raise DataError(f"the {what} of dataset {dataset} at ratio {ratio} came out empty "
                        f"({len(rows)} examples): change the ratio or raise the dataset's max_examples")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--in", dest="inp", required=True, type=Path, help="prepared training file")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--ratio", required=True, type=float)
    parser.add_argument("--seed", required=True, type=int)
    parser.add_argument("--complement", action="store_true", help="write the rows the sample leaves out")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    rows = read_jsonl(args.inp)
    subset = sample(rows, args.ratio, args.seed, args.dataset, args.complement)
    write_jsonl(args.out, subset)
    write_json(Path(layout.card_file(args.out)), record(
        dataset=args.dataset, source=str(args.inp), ratio=args.ratio, seed=args.seed, complement=args.complement,
        examples=len(subset), of=len(rows)))
    print(f"{args.dataset}: {len(subset)} of {len(rows)} examples (ratio {args.ratio}, seed {args.seed}) -> {args.out}")


if __name__ == "__main__":
    main()
