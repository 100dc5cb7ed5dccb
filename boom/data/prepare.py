"""Prepare one dataset's training file: normalised examples, capped, as JSON lines.

    python -m boom.data.prepare --root ../shared/data --dataset scifact --max-examples 1000 \
        --hard-negatives 1 --out results/data/train/scifact.n1000.k1.jsonl

Beside the file, `<out>.card.json` records the examples kept, the lines the reader skipped (and
why), the source files' sha256s, the reader version and the sampling seed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from boom import layout
from boom.data.examples import build_examples, capped
from boom.data.manifest import resolve_root
from boom.data.own import add_own_data_argument
from boom.data.sources import SOURCES
from boom.io import write_json, write_jsonl
from boom.provenance import record

# Seed of mining and of the per-dataset cap; bags (BOOM's subsets) are drawn later, from this file.
CAP_SEED = 0


def prepare(root: Path, dataset: str, max_examples: int, hard_negatives: int, out: Path) -> dict:
    start = time.perf_counter()
    examples, report = build_examples(dataset, root, hard_negatives, seed=CAP_SEED)
    available = len(examples)
    examples = capped(examples, max_examples, seed=CAP_SEED)
    write_jsonl(out, examples)
    source = SOURCES[dataset]
    card = record(
        dataset=dataset, task_type=source.task_type, licence=source.licence, split=source.train_split,
        loader_version=source.version, available=available, examples=len(examples), skipped=report.skipped,
        max_examples=max_examples, hard_negatives=hard_negatives, cap_seed=CAP_SEED,
        # what was used: a labelled set of L labels gives at most L - 1 negatives an example
        negatives_used=sorted({len(ex["negatives"]) for ex in examples}),
        in_batch_negatives=source.in_batch_negatives, sha256=source.sha256s(root),
        wall_seconds=round(time.perf_counter() - start, 3),
    )
    write_json(Path(layout.card_file(out)), card)
    return card


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True, help="data mirror root (holds MANIFEST.tsv and raw/)")
    add_own_data_argument(parser)  # parsed first: it registers the datasets --dataset may name
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--max-examples", required=True, type=int)
    parser.add_argument("--hard-negatives", required=True, type=int)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    trainable = sorted(n for n, s in SOURCES.items() if s.trainable)
    if args.dataset not in trainable:
        parser.error(f"--dataset {args.dataset!r} is no training set (known: {', '.join(trainable)})")
    card = prepare(resolve_root(args.root), args.dataset, args.max_examples, args.hard_negatives, args.out)
    print(f"{args.dataset}: {card['examples']} of {card['available']} examples written to {args.out}; "
          f"skipped: {card['skipped'] or 'none'}")


if __name__ == "__main__":
    main()
