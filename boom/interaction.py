"""The paper's pairwise dataset interaction analysis, and the clusters it gives.

    python -m boom.interaction --base results/models/base-…/model \
        --data scifact=results/data/train/scifact.n1000.k1.jsonl … --budget '<json>' \
        --out-dir results/interaction --figures-prefix paper_figures/interaction

For each training dataset i, a probe trains the base model on a few examples of i alone and
measures its loss on held-out examples of i; for each pair (i, j) it trains on i and j together
(batch-level shuffling) and measures the held-out loss on both. The interaction of j on i is

    delta[i, j] = loss_i(trained on i and j) - loss_i(trained on i alone)

(negative: j helps i; positive: they conflict). The symmetric score (delta + delta.T) / 2 is
clustered hierarchically (average linkage); the clusters feed `split: clusters` merge variants.
Every probe starts from the same base weights with a fresh optimiser and the same seed; the
losses are the training engine's (boom.losses: InfoNCE, in-batch negatives where they apply).

Outputs: `delta.csv` (the directed matrix), `matrix.csv` (symmetric), `clusters.json`, a
heatmap and a dendrogram (`<figures-prefix>_heatmap.{png,pdf}`, `_dendrogram.{png,pdf}`).
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import random
import time
from pathlib import Path

import pandas as pd

from boom.provenance import record, write_json

log = logging.getLogger("boom.interaction")


def split_examples(rows: list[dict], train_n: int, heldout_n: int, seed: int) -> tuple[list[dict], list[dict]]:
    """A seeded, disjoint (train, held-out) sample of one prepared training file."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    heldout = [rows[i] for i in order[:heldout_n]]
    train = [rows[i] for i in order[heldout_n:heldout_n + train_n]]
    if not train or not heldout:
        raise ValueError(f"{len(rows)} examples cannot give both training and held-out examples "
                         f"(train_examples {train_n}, heldout_examples {heldout_n})")
    return train, heldout


class Probe:
    """Short training runs from one set of base weights, and held-out losses after them."""

    def __init__(self, base: Path, hyper: dict, seed: int):
        import torch

        from boom import losses, models

        self.torch = torch
        self.model = models.load(base)
        self.model.max_seq_length = hyper["max_seq_length"]
        self.initial = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        self.hyper, self.seed = hyper, seed
        self.loss_with = {flag: losses.loss_for(self.model, flag, hyper["temperature"]) for flag in (True, False)}

    def _batches(self, rows: list[dict]) -> list[list[dict]]:
        size = self.hyper["batch_size"]
        return [rows[i:i + size] for i in range(0, len(rows), size)]

    def _loss(self, batch: list[dict], in_batch: bool):
        k = min(len(r["negatives"]) for r in batch)
        columns = [[r["query"] for r in batch], [r["positive"] for r in batch]]
        columns += [[r["negatives"][j] for r in batch] for j in range(k)]
        features = [self.model.preprocess(texts) for texts in columns]
        return self.loss_with[in_batch](features, None)

    def run(self, train: dict[str, list[dict]], heldout: dict[str, list[dict]], in_batch: dict[str, bool]) -> dict[str, float]:
        """Train on `train` (batches of one dataset, shuffled together), then the mean held-out
        loss of each dataset of `heldout`."""
        torch = self.torch
        self.model.load_state_dict(self.initial)
        torch.manual_seed(self.seed)
        optimiser = torch.optim.AdamW(self.model.parameters(), lr=self.hyper["learning_rate"])
        batches = [(name, b) for name in sorted(train) for b in self._batches(train[name])]
        random.Random(self.seed).shuffle(batches)
        self.model.train()
        for name, batch in batches:
            optimiser.zero_grad()
            self._loss(batch, in_batch[name]).backward()
            optimiser.step()
        self.model.eval()
        out = {}
        with torch.no_grad():
            for name, rows in heldout.items():
                values = [float(self._loss(b, in_batch[name])) * len(b) for b in self._batches(rows)]
                out[name] = sum(values) / len(rows)
        return out


def interaction_matrix(probe: Probe, train: dict, heldout: dict, in_batch: dict) -> pd.DataFrame:
    """delta[i, j] (rows i: the dataset whose held-out loss is measured; diagonal 0)."""
    from tqdm import tqdm

    names = sorted(train)
    pairs = list(itertools.combinations(names, 2))
    alone, together = {}, {}
    with tqdm(total=len(names) + len(pairs), desc="interaction probes", unit="run") as bar:
        for name in names:
            alone[name] = probe.run({name: train[name]}, {name: heldout[name]}, in_batch)[name]
            bar.update()
        for a, b in pairs:
            together[a, b] = probe.run({a: train[a], b: train[b]}, {a: heldout[a], b: heldout[b]}, in_batch)
            bar.update()
    delta = pd.DataFrame(0.0, index=names, columns=names)
    for (a, b), losses in together.items():
        delta.loc[a, b] = losses[a] - alone[a]
        delta.loc[b, a] = losses[b] - alone[b]
    return delta


def cluster(matrix: pd.DataFrame, n_clusters: int):
    """Average-linkage clusters of the symmetric score (low score: datasets that help each other
    are close). Returns (clusters as sorted lists of names, the scipy linkage)."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    values = matrix.to_numpy()
    off = values[~np.eye(len(values), dtype=bool)]
    distance = values - off.min()  # a shift keeps the order of the scores and makes them >= 0
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    labels = fcluster(tree, t=min(n_clusters, len(values)), criterion="maxclust")
    groups: dict[int, list[str]] = {}
    for name, label in zip(matrix.index, labels):
        groups.setdefault(int(label), []).append(name)
    return sorted(sorted(g) for g in groups.values()), tree


def write_figures(delta: pd.DataFrame, matrix: pd.DataFrame, tree, prefix: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy.cluster.hierarchy import dendrogram

    prefix.parent.mkdir(parents=True, exist_ok=True)
    n = len(delta)
    fig, ax = plt.subplots(figsize=(1.0 + 0.45 * n, 0.8 + 0.4 * n))
    bound = float(abs(delta.to_numpy()).max()) or 1.0
    image = ax.imshow(delta.to_numpy(), cmap="RdBu_r", vmin=-bound, vmax=bound)
    ax.set_xticks(range(n), delta.columns, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(n), delta.index, fontsize=8)
    ax.set_xlabel("trained together with j")
    ax.set_ylabel("held-out loss of i")
    ax.set_title("interaction: loss_i(i+j) - loss_i(i)  (blue: j helps i)", fontsize=9)
    fig.colorbar(image, ax=ax, shrink=0.8)
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(f"{prefix}_heatmap.{ext}", dpi=150)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(max(5.0, 0.45 * n), 3.5))
    dendrogram(tree, labels=list(matrix.index), ax=ax, leaf_rotation=60)
    ax.set_ylabel("average-linkage distance (shifted symmetric interaction)")
    ax.set_title("datasets clustered by interaction", fontsize=10)
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(f"{prefix}_dendrogram.{ext}", dpi=150)
    plt.close(fig)


def analyse(base: Path, data: dict[str, Path], budget: dict, hyper: dict, threads: int) -> dict:
    from boom import models
    from boom.data.prepare import read_jsonl

    models.set_threads(threads)
    train, heldout = {}, {}
    for name, path in sorted(data.items()):
        train[name], heldout[name] = split_examples(read_jsonl(path), budget["train_examples"],
                                                    budget["heldout_examples"], budget["seed"])
    # as each prepared file's card says (mirror and Hub datasets alike)
    in_batch = {name: json.loads(Path(f"{path}.card.json").read_text())["in_batch_negatives"]
                for name, path in data.items()}
    probe = Probe(base, hyper, budget["seed"])
    delta = interaction_matrix(probe, train, heldout, in_batch)
    matrix = (delta + delta.T) / 2
    clusters, tree = cluster(matrix, budget["clusters"])
    return {"delta": delta, "matrix": matrix, "clusters": clusters, "tree": tree}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, type=Path, help="folder of the base model")
    parser.add_argument("--data", nargs="+", required=True, help="NAME=PATH of each prepared training file")
    parser.add_argument("--budget", required=True, help="JSON: the config's interaction section")
    parser.add_argument("--hyper", required=True, help="JSON: batch_size, learning_rate, temperature, max_seq_length")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out-dir", required=True, type=Path)
    parser.add_argument("--figures-prefix", required=True, type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    data = {k: Path(v) for k, v in (item.split("=", 1) for item in args.data)}
    budget, hyper = json.loads(args.budget), json.loads(args.hyper)
    start = time.perf_counter()
    result = analyse(args.base, data, budget, hyper, args.threads)
    wall = time.perf_counter() - start
    args.out_dir.mkdir(parents=True, exist_ok=True)
    result["delta"].to_csv(args.out_dir / "delta.csv", float_format="%.6f")
    result["matrix"].to_csv(args.out_dir / "matrix.csv", float_format="%.6f")
    write_figures(result["delta"], result["matrix"], result["tree"], args.figures_prefix)
    # Written last: the checkpoint's main output, so a crash never leaves clusters without the rest.
    write_json(args.out_dir / "clusters.json", record(
        clusters=result["clusters"], budget=budget, hyper=hyper, datasets=sorted(data),
        runs=len(data) + len(data) * (len(data) - 1) // 2, wall_seconds=round(wall, 3)))
    log.info("interaction of %d datasets in %.1f s; clusters: %s", len(data), wall, result["clusters"])


if __name__ == "__main__":
    main()
