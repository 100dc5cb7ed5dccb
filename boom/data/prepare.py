"""Prepare one dataset's training file: normalised examples, capped, as JSON lines.

    python -m boom.data.prepare --root ../shared/data --dataset scifact --max-examples 1000 \
        --out results/data/train/scifact.n1000.jsonl

Beside the file, `<out>.card.json` records the examples kept, the lines skipped (and why), the
source files' sha256s and the sampling seed.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from boom.data.manifest import provenance_of, resolve_root
from boom.data.sources import SOURCES, training_examples
from boom.provenance import record, write_json

# Seed of the per-dataset cap; bags (BOOM's sampled subsets) are drawn later, from this file.
CAP_SEED = 0


def prepare(root: Path, dataset: str, max_examples: int, out: Path) -> dict:
    examples, report = training_examples(root, dataset, max_examples, seed=CAP_SEED)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w") as fh:
        for ex in examples:
            fh.write(json.dumps(ex, ensure_ascii=False) + "\n")
    os.replace(tmp, out)
    card = record(
        dataset=dataset, task_type=SOURCES[dataset].task_type, licence=SOURCES[dataset].licence,
        loader_version=SOURCES[dataset].version, examples=report.kept, skipped=report.skipped, max_examples=max_examples, cap_seed=CAP_SEED,
        sha256=provenance_of(root, list(SOURCES[dataset].files)),
    )
    write_json(out.with_name(out.name + ".card.json"), card)
    return card


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True, help="data mirror root (holds MANIFEST.tsv and raw/)")
    parser.add_argument("--dataset", required=True, choices=sorted(n for n, s in SOURCES.items() if s.trainable))
    parser.add_argument("--max-examples", required=True, type=int)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    card = prepare(resolve_root(args.root), args.dataset, args.max_examples, args.out)
    print(f"{args.dataset}: {card['examples']} examples written to {args.out}; skipped: {card['skipped'] or 'none'}")


if __name__ == "__main__":
    main()
