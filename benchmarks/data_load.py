"""How long reading the whole offline data takes: every file sha256-checked, all 26 datasets parsed.

    python benchmarks/data_load.py [--repeats 3] [--examples]

Prints the wall time of each run (caches cleared between runs) and the median; with
`--examples`, also the time to build every training example (mining, decontamination).
"""

from __future__ import annotations

import argparse
import statistics
import time

from boom.data import manifest
from boom.data.examples import build_examples, evaluation_items
from boom.data.sources import SOURCES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default="../shared/data")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--examples", action="store_true", help="also build every training example once")
    args = parser.parse_args()
    root = manifest.resolve_root(args.root)
    runs = []
    for _ in range(args.repeats):
        manifest.read_manifest.cache_clear()
        manifest._verified.cache_clear()
        start = time.perf_counter()
        for source in SOURCES.values():
            source.read(root)
        runs.append(time.perf_counter() - start)
    print(f"read + sha256-check all {len(SOURCES)} datasets: runs {', '.join(f'{r:.2f}' for r in runs)} s; "
          f"median {statistics.median(runs):.2f} s")
    if args.examples:
        evaluation_items.cache_clear()
        start = time.perf_counter()
        total = sum(len(build_examples(n, root, k=1)[0]) for n, s in SOURCES.items() if s.trainable)
        print(f"build every training example ({total} examples, k=1): {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
