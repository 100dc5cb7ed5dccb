"""Paper-scale training data: FlagEmbedding's bge-full-data from the Hugging Face Hub.

The paper trains on bge-full-data (about 2M examples) without Quora, SCIDOCS-RR and ArguAna. The
dataset repository holds one split per source dataset (parquet shards `data/<split>-*.parquet`),
its rows `{"query": str, "pos": [str], "neg": [str], "prompt": str, "type": str}`; `normalise`
turns one into boom's training example form. Loading needs the network and a pinned revision (a
commit hash of the dataset repository): it runs in the prepare job on the cluster, never at parse
time.

    python -m boom data.hub --repo cfli/bge-full-data --revision <commit> --split msmarco_passage \
        --task-type retrieval --max-examples 1000000 --hard-negatives 7 --out results/.../x.jsonl
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

from boom import layout
from boom.data.manifest import DataError
from boom.data.prepare import CAP_SEED
from boom.data.sources import in_batch_negatives
from boom.io import write_json, write_jsonl
from boom.provenance import record

BGE_FULL_DATA_REPO = "cfli/bge-full-data"
# Held out by the paper (MTEB has only test or dev splits of them: they would leak into evaluation).
PAPER_EXCLUDED = ("quora", "scidocsrr", "arguana")


@dataclass(frozen=True)
class HubDataset:
    """One split of a Hub dataset repository at a pinned revision."""

    repo: str
    split: str  # e.g. "msmarco_passage"
    revision: str  # a commit hash: a branch name would let the data change under a recipe

    def check_pinned(self) -> None:
        if len(self.revision) != 40 or any(c not in "0123456789abcdef" for c in self.revision):
            raise DataError(f"{self.repo}:{self.split}: revision {self.revision!r} is not a commit hash; pin the "
                            "dataset (train.hub.revision) to a 40-hex-digit commit so that a recipe always means "
                            "the same data")


def excluded(split: str) -> bool:
    """Whether a bge-full-data split is one the paper leaves out."""
    name = split.lower().replace("-", "").replace("_", "")
    return any(name.startswith(x) for x in PAPER_EXCLUDED)


def normalise(row: dict, k: int, source: str) -> dict:
    """A bge-full-data row -> {query, positive, negatives[k], instruction}: the first positive,
    the first k negatives. A row with fewer (a binary classification set has one other label)
    repeats its negatives in order, as FlagEmbedding's trainer fills a group; a row with none
    when k > 0, or without a query or positive, is an error naming its source."""
    if not row.get("query") or not row.get("pos"):
        raise DataError(f"{source}: row without a query or a positive: {str(row)[:120]}")
    negatives = list(row.get("neg") or [])
    if k and not negatives:
        raise DataError(f"{source}: row has no negatives, {k} needed: {row['query'][:80]!r}")
    negatives = [negatives[i % len(negatives)] for i in range(k)] if k else []
    return {"query": row["query"], "positive": row["pos"][0], "negatives": negatives,
            "instruction": row.get("prompt", "")}


def load(dataset: HubDataset, k: int, max_examples: int | None = None) -> tuple[list[dict], int]:
    """Download (through the Hub cache) and normalise one split: (examples, rows available).
    `repo` may also be a local folder of the same layout (tests)."""
    from datasets import load_dataset

    if not Path(dataset.repo).is_dir():
        dataset.check_pinned()
    if excluded(dataset.split):
        raise DataError(f"{dataset.split} is one of the sets the paper leaves out ({', '.join(PAPER_EXCLUDED)}): "
                        "remove it from train.hub.datasets")
    try:
        rows = load_dataset(dataset.repo, split=dataset.split, revision=dataset.revision)
    except ValueError as exc:  # an unknown split: datasets lists the ones there are
        raise DataError(f"{dataset.repo}@{dataset.revision}: no split {dataset.split!r} ({exc}); fix "
                        "train.hub.datasets") from None
    available = len(rows)
    if max_examples is not None and max_examples < available:
        rows = rows.shuffle(seed=CAP_SEED).select(range(max_examples))  # a seeded cap, as the mirror's
    return [normalise(r, k, f"{dataset.repo}:{dataset.split}") for r in rows], available


def prepare(dataset: HubDataset, task_type: str, max_examples: int, k: int, out: Path) -> dict:
    """Write one split's training file and its card, as boom.data.prepare does for the mirror."""
    start = time.perf_counter()
    examples, available = load(dataset, k, max_examples)
    write_jsonl(out, examples)
    card = record(dataset=dataset.split, task_type=task_type, repo=dataset.repo, revision=dataset.revision,
                  split=dataset.split, available=available, examples=len(examples), max_examples=max_examples,
                  hard_negatives=k, cap_seed=CAP_SEED, in_batch_negatives=in_batch_negatives(task_type),
                  wall_seconds=round(time.perf_counter() - start, 3))
    write_json(Path(layout.card_file(out)), card)
    return card


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", required=True, help="Hub dataset id (or a local folder of the same layout)")
    parser.add_argument("--revision", required=True, help="the dataset repository's commit")
    parser.add_argument("--split", required=True)
    parser.add_argument("--task-type", required=True)
    parser.add_argument("--max-examples", required=True, type=int)
    parser.add_argument("--hard-negatives", required=True, type=int)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    card = prepare(HubDataset(args.repo, args.split, args.revision), args.task_type, args.max_examples,
                   args.hard_negatives, args.out)
    print(f"{args.repo}:{args.split}: {card['examples']} of {card['available']} examples written to {args.out}")


if __name__ == "__main__":
    main()
