"""The paper's pairwise dataset interaction analysis, and the clusters it gives.

    python -m boom.interaction --base results/models/base-…/model \
        --data scifact=results/data/train/scifact.n1000.k1.jsonl … --budget '<json>' \
        --hyper '<json>' --out-dir results/interaction --figures-prefix paper_figures/interaction

Two methods (the config's `interaction.method`) score how training on dataset j changes the
loss of dataset i (negative: j helps i; positive: they conflict):

`loss`, the paper's definition. From the same base weights, with a fresh AdamW and the same seed,

    delta[i, j] = heldout_loss_i(together) - heldout_loss_i(alone)

where `alone` trains on 2·S batches of i (2·train_examples examples of i, distinct where the
file has that many besides the held-out ones) and `together` on S batches of i and S of j,
shuffled at batch level (S = ceil(train_examples / batch_size)): both runs take the same number
of optimiser steps on the same number of examples, so delta measures what j brings instead of i,
not a difference in training length. N + N(N-1)/2 short runs per replicate; delta is directed.

`gradient`, its first-order version (the default at the default and smoke scales). At the base
weights θ, g_i is the mean gradient of dataset i's training loss over its train_examples (batches
of train.batch_size, dropout off, the same losses as training). One SGD step of rate lr on j
changes i's loss by L_i(θ - lr·g_j) - L_i(θ) ≈ -lr·g_i·g_j, so the score is

    delta[i, j] = -cos(g_i, g_j)

(the cosine makes it independent of each dataset's gradient scale; -1: identical directions).
It is symmetric and costs N gradient passes per replicate. The approximation holds for one small
step: it ignores curvature (the second-order term and the gradient's change along training),
takes i's training gradient for its held-out one, and treats the step as SGD's, where AdamW's
normalised steps weight the coordinates differently.

Replicates (`interaction.replicates`): replicate r draws its own disjoint train / held-out
examples of every file (seed = interaction.seed + r) and gives its own matrix; the reported matrix
is the mean over replicates, and its symmetric score (delta + delta.T) / 2 is clustered
hierarchically (average linkage, `interaction.clusters` clusters) for `split: clusters` merge
variants. Stability: the adjusted Rand index (ARI) between the clusterings of every pair of
replicates (mean and min), of each replicate against the reported one and, for the directed
`loss` method, between the clusterings of the matrix's two triangles. Mean pairwise ARI >= 0.5 is
"stable"; below it the clusters are not reproducible at this budget, and the figure says so.

Outputs: `delta.csv` (the mean directed matrix; diagonal 0), `matrix.csv` (symmetric, mean),
`matrix.r<k>.csv` (replicate k's symmetric matrix), `stability.csv`, `clusters.json` (written last:
the clusters, their stability and provenance), a heatmap and a dendrogram
(`<figures-prefix>_heatmap.{png,pdf}`, `_dendrogram.{png,pdf}`).
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

from boom import layout
from boom.errors import BoomError
from boom.io import pyplot, read_jsonl, save_figure, write_json
from boom.provenance import record
from boom.records import read_digest
from boom.stage import json_arg

log = logging.getLogger("boom.interaction")

METHODS = ("loss", "gradient")
DEFAULTS = {"method": "gradient", "replicates": 3}
STABLE_ARI = 0.5
UNSTABLE = "unstable: the clusters are not reproducible at this budget"


def split_examples(rows: list[dict], train_n: int, heldout_n: int, seed: int) -> tuple[list[dict], list[dict]]:
    """A seeded, disjoint (train, held-out) sample of one prepared training file."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    heldout = [rows[i] for i in order[:heldout_n]]
    train = [rows[i] for i in order[heldout_n:heldout_n + train_n]]
    if not train or not heldout:
        raise BoomError(f"{len(rows)} examples cannot give both training and held-out examples "
                         f"(train_examples {train_n}, heldout_examples {heldout_n})")
    return train, heldout


def exactly(rows: list[dict], n: int, start: int = 0) -> list[dict]:
    """n examples of `rows` from `start` on, wrapping around (repeating examples) when it has fewer."""
    return [rows[(start + i) % len(rows)] for i in range(n)]


class Probe:
    """Short training runs from one set of base weights, held-out losses after them, and mean
    gradients at the base weights."""

    def __init__(self, base: Path, hyper: dict, seed: int):
        import torch

        from boom import losses, models

        self.torch = torch
        self.model = models.load(base)
        self.model.max_seq_length = hyper["max_seq_length"]
        self.initial = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        self.hyper, self.seed = hyper, seed
        self.loss_with = {flag: losses.loss_for(self.model, flag, hyper["temperature"]) for flag in (True, False)}

    def batches(self, rows: list[dict]) -> list[list[dict]]:
        size = self.hyper["batch_size"]
        return [rows[i:i + size] for i in range(0, len(rows), size)]

    def _loss(self, batch: list[dict], in_batch: bool):
        k = min(len(r["negatives"]) for r in batch)
        columns = [[r["query"] for r in batch], [r["positive"] for r in batch]]
        columns += [[r["negatives"][j] for r in batch] for j in range(k)]
        features = [self.model.preprocess(texts) for texts in columns]
        return self.loss_with[in_batch](features, None)

    def run(self, batches: list[tuple[str, list[dict]]], heldout: dict[str, list[dict]],
            in_batch: dict[str, bool], seed: int | None = None) -> tuple[dict[str, float], int]:
        """Train on `batches` ((dataset, batch) pairs, shuffled at batch level) from the base weights
        with a fresh AdamW, then the mean held-out loss of each dataset of `heldout`. Returns
        (losses, optimiser steps taken)."""
        torch = self.torch
        seed = self.seed if seed is None else seed
        self.model.load_state_dict(self.initial)
        torch.manual_seed(seed)
        optimiser = torch.optim.AdamW(self.model.parameters(), lr=self.hyper["learning_rate"])
        batches = list(batches)
        random.Random(seed).shuffle(batches)
        self.model.train()
        steps = 0
        for name, batch in batches:
            optimiser.zero_grad()
            self._loss(batch, in_batch[name]).backward()
            optimiser.step()
            steps += 1
        self.model.eval()
        out = {}
        with torch.no_grad():
            for name, rows in heldout.items():
                values = [float(self._loss(b, in_batch[name])) * len(b) for b in self.batches(rows)]
                out[name] = sum(values) / len(rows)
        return out, steps

    def gradient(self, rows: list[dict], in_batch: bool):
        """The mean gradient of the training loss over `rows` at the base weights (dropout off),
        flattened over every trainable parameter (zeros where the loss does not reach)."""
        torch = self.torch
        self.model.load_state_dict(self.initial)
        self.model.eval()
        params = [p for p in self.model.parameters() if p.requires_grad]
        total = [torch.zeros_like(p) for p in params]
        for batch in self.batches(rows):
            grads = torch.autograd.grad(self._loss(batch, in_batch), params, allow_unused=True)
            for t, g in zip(total, grads):
                if g is not None:
                    t.add_(g, alpha=len(batch) / len(rows))
        return torch.cat([t.flatten() for t in total])


def loss_matrix(probe: Probe, train: dict, heldout: dict, in_batch: dict, train_n: int, seed: int,
                desc: str = "interaction probes") -> tuple[pd.DataFrame, dict]:
    """The `loss` method's delta[i, j] (rows i: the dataset whose held-out loss is measured;
    diagonal 0), and the optimiser steps of each run ({"alone": {i: n}, "together": {(i, j): n}}).
    `train[i]`: the training examples of i (2·train_n where the file has them)."""
    from tqdm import tqdm

    names = sorted(train)
    first = {n: exactly(train[n], train_n) for n in names}  # S batches: what i brings to a pair
    second = {n: exactly(train[n], train_n, start=train_n) for n in names}  # i's other S batches
    for n in names:
        if len(train[n]) < 2 * train_n:
            log.warning("%s: %d training examples besides the held-out ones, fewer than 2·train_examples "
                        "= %d: its alone run repeats some", n, len(train[n]), 2 * train_n)
    pairs = list(itertools.combinations(names, 2))
    alone, together, steps = {}, {}, {"alone": {}, "together": {}}
    with tqdm(total=len(names) + len(pairs), desc=desc, unit="run") as bar:
        for n in names:
            batches = [(n, b) for b in probe.batches(first[n]) + probe.batches(second[n])]
            losses, steps["alone"][n] = probe.run(batches, {n: heldout[n]}, in_batch, seed)
            alone[n] = losses[n]
            bar.update()
        for a, b in pairs:
            batches = [(a, x) for x in probe.batches(first[a])] + [(b, x) for x in probe.batches(first[b])]
            together[a, b], steps["together"][a, b] = probe.run(batches, {a: heldout[a], b: heldout[b]},
                                                                in_batch, seed)
            bar.update()
    delta = pd.DataFrame(0.0, index=names, columns=names)
    for (a, b), losses in together.items():
        delta.loc[a, b] = losses[a] - alone[a]
        delta.loc[b, a] = losses[b] - alone[b]
    return delta, steps


def gradient_matrix(probe: Probe, train: dict, in_batch: dict, desc: str = "interaction gradients") -> pd.DataFrame:
    """The `gradient` method's delta[i, j] = -cos(g_i, g_j) (symmetric; diagonal 0)."""
    import torch
    from tqdm import tqdm

    names = sorted(train)
    unit = []
    for n in tqdm(names, desc=desc, unit="dataset"):
        g = probe.gradient(train[n], in_batch[n])
        norm = float(g.norm())
        if norm == 0.0:
            raise ValueError(f"{n}: the training loss has a zero gradient at the base weights")
        unit.append(g / norm)
    stacked = torch.stack(unit)
    cosine = (stacked @ stacked.T).double()
    cosine = ((cosine + cosine.T) / 2).clamp(-1.0, 1.0).numpy()  # exactly symmetric
    delta = pd.DataFrame(-cosine, index=names, columns=names)
    for n in names:
        delta.loc[n, n] = 0.0  # not an interaction (and the same for both methods)
    return delta


def symmetric(delta: pd.DataFrame) -> pd.DataFrame:
    return (delta + delta.T) / 2


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


def labels(clusters: list[list[str]], names: list[str]) -> list[int]:
    """Each name's cluster number (the index of its cluster in `clusters`)."""
    of = {name: k for k, group in enumerate(clusters) for name in group}
    return [of[name] for name in names]


def ari(a: list[list[str]], b: list[list[str]]) -> float:
    """Adjusted Rand index between two clusterings of the same names (1: identical)."""
    from sklearn.metrics import adjusted_rand_score

    names = sorted(sum(a, []))
    if names != sorted(sum(b, [])):
        raise ValueError("the two clusterings do not cover the same datasets")
    return float(adjusted_rand_score(labels(a, names), labels(b, names)))


def triangles(delta: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The symmetric matrices made of delta's upper (i < j) and of its lower (i > j) triangle."""
    import numpy as np

    values = delta.to_numpy()
    upper = np.triu(values, 1)
    lower = np.tril(values, -1)
    make = lambda v: pd.DataFrame(v, index=delta.index, columns=delta.columns)  # noqa: E731
    return make(upper + upper.T), make(lower + lower.T)


def stability(replicate_clusters: list[list[list[str]]], reported: list[list[str]],
              triangle_clusters: tuple | None = None) -> dict:
    """How reproducible the clusters are: mean / min ARI between the replicates' clusterings,
    each replicate's ARI against the reported clustering, the triangles' ARI (`loss` method) and
    a verdict ("stable" at a mean pairwise ARI >= 0.5). One replicate: the pairwise figures are
    None and the verdict says that nothing was measured."""
    pairwise = {(a, b): ari(replicate_clusters[a], replicate_clusters[b])
                for a, b in itertools.combinations(range(len(replicate_clusters)), 2)}
    out = {
        "replicates": len(replicate_clusters),
        "pairwise": [{"a": a, "b": b, "ari": round(v, 6)} for (a, b), v in pairwise.items()],
        "replicate_ari_mean": round(sum(pairwise.values()) / len(pairwise), 6) if pairwise else None,
        "replicate_ari_min": round(min(pairwise.values()), 6) if pairwise else None,
        "vs_reported": [round(ari(c, reported), 6) for c in replicate_clusters],
        "triangle_ari": round(ari(*triangle_clusters), 6) if triangle_clusters is not None else None,
        "threshold": STABLE_ARI,
    }
    if not pairwise:
        out["verdict"] = "not measured: one replicate (interaction.replicates >= 2 gives a verdict)"
    else:
        out["verdict"] = "stable" if out["replicate_ari_mean"] >= STABLE_ARI else UNSTABLE
    return out


def stability_rows(stab: dict) -> pd.DataFrame:
    rows = [{"comparison": "replicates", "a": f"r{p['a']}", "b": f"r{p['b']}", "ari": p["ari"]}
            for p in stab["pairwise"]]
    rows += [{"comparison": "vs_reported", "a": f"r{k}", "b": "reported", "ari": v}
             for k, v in enumerate(stab["vs_reported"])]
    if stab["triangle_ari"] is not None:
        rows.append({"comparison": "triangles", "a": "upper", "b": "lower", "ari": stab["triangle_ari"]})
    return pd.DataFrame(rows, columns=["comparison", "a", "b", "ari"])


def stability_figures(stab: dict) -> str:
    """The ARI figures in words ('' with one replicate and no triangles)."""
    parts = []
    if stab["replicate_ari_mean"] is not None:
        parts.append(f"replicate ARI mean {stab['replicate_ari_mean']:.2f} (min {stab['replicate_ari_min']:.2f}, "
                     f"{stab['replicates']} replicates)")
    if stab["triangle_ari"] is not None:
        parts.append(f"triangles ARI {stab['triangle_ari']:.2f}")
    return ", ".join(parts)


def stability_line(stab: dict) -> str:
    figures = stability_figures(stab)
    return f"{figures}: {stab['verdict']}" if figures else stab["verdict"]


def write_figures(delta: pd.DataFrame, matrix: pd.DataFrame, tree, prefix: Path,
                  stab: dict | None = None, method: str = "loss") -> None:
    plt = pyplot()
    from scipy.cluster.hierarchy import dendrogram, leaves_list

    prefix.parent.mkdir(parents=True, exist_ok=True)
    n = len(delta)
    order = [list(delta.index).index(name) for name in matrix.index[leaves_list(tree)]]
    delta = delta.iloc[order, order]  # the dendrogram's order: clusters are blocks on the diagonal
    fig, ax = plt.subplots(figsize=(1.6 + 0.45 * n, 0.8 + 0.4 * n))
    bound = float(abs(delta.to_numpy()).max()) or 1.0
    image = ax.imshow(delta.to_numpy(), cmap="RdBu_r", vmin=-bound, vmax=bound)
    ax.set_xticks(range(n), delta.columns, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(n), delta.index, fontsize=8)
    if method == "gradient":
        ax.set_xlabel("dataset j")
        ax.set_ylabel("dataset i")
        ax.set_title("interaction: -cos(g_i, g_j), in the dendrogram's order", fontsize=9)
    else:
        ax.set_xlabel("trained together with j")
        ax.set_ylabel("held-out loss of i")
        ax.set_title("interaction: loss_i(i+j) - loss_i(i+i), in the dendrogram's order", fontsize=9)
    label = "-cos(g_i, g_j)" if method == "gradient" else "loss_i(i+j) - loss_i(i+i)"
    fig.colorbar(image, ax=ax, shrink=0.8).set_label(f"{label}; negative (blue): j helps i", fontsize=8)
    fig.tight_layout()
    for ext in ("png", "pdf"):
        save_figure(fig, f"{prefix}_heatmap.{ext}")
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(max(6.0, 0.45 * n), 3.8))
    dendrogram(tree, labels=list(matrix.index), ax=ax, leaf_rotation=60)
    ax.set_ylabel("average-linkage distance\n(shifted symmetric interaction)", fontsize=8)
    title = f"datasets clustered by interaction ({method})"
    if stab is not None:  # the figures, then the verdict on a line of its own
        title += "\n" + "\n".join(filter(None, [stability_figures(stab), stab["verdict"]]))
    unstable = stab is not None and stab["verdict"].startswith("unstable")
    ax.set_title(title, fontsize=9, color="firebrick" if unstable else "black")
    fig.tight_layout()
    for ext in ("png", "pdf"):
        save_figure(fig, f"{prefix}_dendrogram.{ext}")
    plt.close(fig)


def analyse(base: Path, data: dict[str, Path], budget: dict, hyper: dict, threads: int) -> dict:
    from boom import models

    budget = {**DEFAULTS, **budget}
    method, n_replicates = budget["method"], budget["replicates"]
    if method not in METHODS:
        raise BoomError(f"interaction.method '{method}': one of {', '.join(METHODS)}")
    if n_replicates < 1:
        raise BoomError(f"interaction.replicates {n_replicates}: at least 1")
    train_n, heldout_n = budget["train_examples"], budget["heldout_examples"]
    models.set_threads(threads)
    rows = {name: read_jsonl(path) for name, path in sorted(data.items())}
    # as each prepared file's card says (mirror and Hub datasets alike)
    in_batch = {name: json.loads(Path(layout.card_file(path)).read_text())["in_batch_negatives"]
                for name, path in data.items()}
    probe = Probe(base, hyper, budget["seed"])
    deltas, steps = [], []
    for r in range(n_replicates):
        seed = budget["seed"] + r
        # `loss` trains alone on 2·train_examples of i: drawn here, disjoint from the held-out ones
        want = 2 * train_n if method == "loss" else train_n
        train, heldout = {}, {}
        for name in rows:
            train[name], heldout[name] = split_examples(rows[name], want, heldout_n, seed)
        if method == "loss":
            delta, s = loss_matrix(probe, train, heldout, in_batch, train_n, seed,
                                   desc=f"interaction probes r{r}")
            steps.append(s)
        else:
            delta = gradient_matrix(probe, train, in_batch, desc=f"interaction gradients r{r}")
        deltas.append(delta)
    delta = sum(deltas) / len(deltas)
    matrices = [symmetric(d) for d in deltas]
    matrix = symmetric(delta)
    clusters, tree = cluster(matrix, budget["clusters"])
    replicate_clusters = [cluster(m, budget["clusters"])[0] for m in matrices]
    triangle_clusters = None
    if method == "loss":
        triangle_clusters = tuple(cluster(t, budget["clusters"])[0] for t in triangles(delta))
    n = len(rows)
    runs = n if method == "gradient" else n + n * (n - 1) // 2
    return {"delta": delta, "matrix": matrix, "matrices": matrices, "clusters": clusters, "tree": tree,
            "replicate_clusters": replicate_clusters, "method": method, "steps": steps,
            "stability": stability(replicate_clusters, clusters, triangle_clusters),
            "runs": runs * n_replicates, "budget": budget}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, type=Path, help="folder of the base model")
    parser.add_argument("--data", nargs="+", required=True, help="NAME=PATH of each prepared training file")
    parser.add_argument("--budget", required=True, type=json_arg("--budget"), help="JSON: the config's interaction section")
    parser.add_argument("--hyper", required=True, type=json_arg("--hyper"), help="JSON: batch_size, learning_rate, temperature, max_seq_length")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--record", type=Path, help="the record of what the analysis is computed from "
                        "(boom/records.py): its digest goes into clusters.json")
    parser.add_argument("--out-dir", required=True, type=Path)
    parser.add_argument("--figures-prefix", required=True, type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    data = {k: Path(v) for k, v in (item.split("=", 1) for item in args.data)}
    budget, hyper = args.budget, args.hyper
    start = time.perf_counter()
    result = analyse(args.base, data, budget, hyper, args.threads)
    wall = time.perf_counter() - start
    stab = result["stability"]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    result["delta"].to_csv(layout.interaction_output(args.out_dir, "delta"), float_format="%.6f")
    result["matrix"].to_csv(layout.interaction_output(args.out_dir, "matrix"), float_format="%.6f")
    for k, m in enumerate(result["matrices"]):
        m.to_csv(layout.interaction_output(args.out_dir, f"matrix.r{k}"), float_format="%.6f")
    stability_rows(stab).to_csv(layout.interaction_output(args.out_dir, "stability"), index=False, float_format="%.6f")
    write_figures(result["delta"], result["matrix"], result["tree"], args.figures_prefix,
                  stab=stab, method=result["method"])
    # Written last: the checkpoint's main output, so a crash never leaves clusters without the rest.
    write_json(Path(layout.interaction_output(args.out_dir, "clusters")), record(
        clusters=result["clusters"], method=result["method"], stability=stab,
        replicate_clusters=result["replicate_clusters"], budget=result["budget"], hyper=hyper,
        datasets=sorted(data), runs=result["runs"], wall_seconds=round(wall, 3),
        record=read_digest(args.record) if args.record else None))
    log.info("interaction (%s) of %d datasets, %d replicates, in %.1f s; clusters: %s",
             result["method"], len(data), len(result["matrices"]), wall, result["clusters"])
    log.info("stability: %s; each replicate vs the reported clusters: %s", stability_line(stab),
             ", ".join(f"{v:.2f}" for v in stab["vs_reported"]))
    if stab["verdict"].startswith("unstable"):
        log.warning("the interaction clusters are not reproducible at this budget (mean pairwise ARI "
                    "%.2f < %.2f): raise interaction.train_examples or replicates", stab["replicate_ari_mean"],
                    STABLE_ARI)


if __name__ == "__main__":
    main()
