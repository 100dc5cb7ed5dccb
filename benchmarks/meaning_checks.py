"""Does a finished default-scale run measure something? Prints the checks of issue 15 from the
tidy results, the costs and the models' cost records.

    python benchmarks/meaning_checks.py [--results results] [--figures paper_figures]

- every trained or merged model differs from its starting model on some task (a continued model
  from the model it continues, everything else from the base);
- BLS on the whole mix against the base, Mean(Task) in- and out-of-domain, per seed;
- each single-dataset model of the slice against the base on its own dataset's task;
- every training run: its fewest steps, and that its probe loss fell and its weights moved;
- the largest paired standard error claims.md reports between two trained variants.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--figures", type=Path, default=Path("paper_figures"))
    args = parser.parse_args()
    summary = pd.read_csv(args.results / "summary.csv")
    scores = summary.drop_duplicates(["model", "task"]).pivot(index="model", columns="task", values="value")
    (base,) = [m for m in scores.index if m.startswith("base-")]

    starts = {}
    for cost in (args.results / "models").glob("train-*/provenance.json"):
        recipe = json.loads(cost.read_text())["recipe"]
        starts[cost.parent.name] = recipe.get("init")
    same = []
    for model in scores.index.drop(base):
        start = base
        if starts.get(model):
            from boom.recipes import model_id

            start = model_id(starts[model])
        shared = [t for t in scores.columns if pd.notna(scores.loc[model, t]) and pd.notna(scores.loc[start, t])]
        if all(scores.loc[model, t] == scores.loc[start, t] for t in shared):
            same.append(model)
    print(f"models scoring exactly like their starting model on every task: {len(same)} of {len(scores) - 1}"
          + (f" ({', '.join(same)})" if same else ""))

    sched = summary[summary.experiment == "scheduling"]
    for suite in ("in_domain", "out_of_domain"):
        s = sched[sched.suite == suite].groupby(["variant", "seed"])["value"].mean().unstack() * 100
        gain = (s.loc["bls"] - s.loc["base"]).round(2).to_dict()
        print(f"BLS - base, {suite} Mean(Task) per seed: {gain}  (base {s.loc['base'].mean():.2f})")

    sl = summary[summary.experiment == "slice"]
    for variant, task in (("scifact", "SciFact"), ("snli", "SNLI")):
        v = sl[(sl.task == task)].groupby("variant")["value"].mean() * 100
        print(f"slice {variant} on {task}: {v[variant]:.2f} vs base {v['base']:.2f} ({v[variant] - v['base']:+.2f})")

    costs = [json.loads(p.read_text()) for p in (args.results / "models").glob("train-*/cost.json")]
    fell = sum(c["loss_end"] < c["loss_start"] for c in costs)
    moved = sum(c["weight_distance"] > 0 for c in costs)
    print(f"training runs: {len(costs)}; fewest steps {min(c['steps'] for c in costs)}; probe loss fell in {fell}, "
          f"weights moved in {moved}; examples seen / examples: "
          f"{sum(c['examples_seen'] for c in costs)} / {sum(c['examples'] for c in costs)}")

    claims = (args.figures / "claims.md").read_text()
    print("largest paired SE of a Mean(Task) difference between two trained variants (claims.md):")
    for line in re.findall(r"^- (.*(?:all|items|seeds): [0-9.]+ points) \(claim", claims, flags=re.M):
        print(f"  {line}")


if __name__ == "__main__":
    main()
