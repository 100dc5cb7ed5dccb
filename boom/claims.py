"""The paper's claims as data, checked on the suite's own numbers.

    python -m boom.claims --claims config/claims.yaml --summary results/summary.csv \
        --costs results/costs.csv --out paper_figures/claims

Each claim in the YAML file names an experiment, a suite and a comparison between variants:

  better  `a` scores higher than each of `than` (effect: a - b)
  close   `a` is within `tolerance` points of each of `than` (effect: |a - b|)
  worst   `a` scores lower than every other variant of the experiment (effect: other - a, the
          smallest of them)
  cheaper `a` trains on at most `fraction` of the examples of `than` (from the costs table)

The effect is the mean over seeds and tasks of the per-(seed, task) score difference, ×100, as the
paper prints scores. Its 95% interval is a bootstrap that resamples seeds and tasks (two-level, so
that both sources of variation count) `resamples` times with a fixed seed. A claim holds when the
point estimate is on the claimed side; the table also says whether the interval is.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from boom.errors import BoomError
from boom.provenance import record, write_json

KINDS = ("better", "close", "worst", "cheaper")
SUITES = ("in_domain", "out_of_domain", "new_domain")


class ClaimError(BoomError, ValueError):
    """A claim that names something the results do not hold; the message names it."""


def load_claims(path: Path) -> list[dict]:
    claims = yaml.safe_load(Path(path).read_text())
    if not isinstance(claims, list):
        raise ClaimError(f"{path}: expected a list of claims")
    for i, c in enumerate(claims):
        where = f"{path}: claim {c.get('id', i)}"
        missing = {"id", "claim", "experiment", "kind", "a"} - set(c)
        if missing:
            raise ClaimError(f"{where} lacks {sorted(missing)}")
        if c["kind"] not in KINDS:
            raise ClaimError(f"{where}: kind '{c['kind']}' is not one of {KINDS}")
        if c["kind"] != "cheaper" and c.get("suite") not in SUITES:
            raise ClaimError(f"{where}: suite must be one of {SUITES}")
    return claims


def _differences(df: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Per (seed, task): score(a) - score(b), ×100."""
    wide = df.pivot_table(index=["seed", "task"], columns="variant", values="value")
    for v in (a, b):
        if v not in wide.columns:
            raise ClaimError(f"variant '{v}' has no results here (variants: {', '.join(map(str, wide.columns))})")
    return ((wide[a] - wide[b]) * 100).rename("diff").reset_index()


def bootstrap(diffs: pd.DataFrame, resamples: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """Mean difference and its 95% interval, resampling seeds and tasks with replacement."""
    table = diffs.pivot(index="seed", columns="task", values="diff").to_numpy()
    rng = np.random.default_rng(seed)
    n_seeds, n_tasks = table.shape
    means = np.empty(resamples)
    for r in range(resamples):
        rows = rng.integers(0, n_seeds, n_seeds)
        cols = rng.integers(0, n_tasks, n_tasks)
        means[r] = table[np.ix_(rows, cols)].mean()
    low, high = np.percentile(means, [2.5, 97.5])
    return float(table.mean()), float(low), float(high)


def check(claim: dict, summary: pd.DataFrame, costs: pd.DataFrame | None, resamples: int = 2000) -> dict:
    """One claim's verdict: holds, effect, interval, and what was compared."""
    exp = summary[summary["experiment"] == claim["experiment"]]
    if exp.empty:
        raise ClaimError(f"claim {claim['id']}: experiment '{claim['experiment']}' has no results")
    row = {"id": claim["id"], "claim": claim["claim"], "experiment": claim["experiment"],
           "suite": claim.get("suite", "-"), "seeds": int(exp["seed"].nunique())}
    a = claim["a"]
    if claim["kind"] == "cheaper":
        if costs is None:
            raise ClaimError(f"claim {claim['id']}: a cost claim needs the costs table")
        c = costs[costs["experiment"] == claim["experiment"]].groupby("variant")["train_examples"].mean()
        ratio = float(c[a] / c[claim["than"]])
        return {**row, "compared": f"{a} / {claim['than']} training examples", "effect": ratio,
                "low": ratio, "high": ratio, "holds": ratio <= claim["fraction"], "interval_agrees": ratio <= claim["fraction"]}
    df = exp[exp["suite"] == claim["suite"]]
    if claim["kind"] == "worst":
        others = [v for v in dict.fromkeys(df["variant"]) if v != a and v not in claim.get("except", [])]
        results = [(b, *bootstrap(_differences(df, b, a), resamples)) for b in others]
        b, effect, low, high = min(results, key=lambda r: r[1])
        return {**row, "compared": f"{b} - {a} (the closest of {len(others)})", "effect": effect, "low": low,
                "high": high, "holds": all(r[1] > 0 for r in results), "interval_agrees": all(r[2] > 0 for r in results)}
    than = claim["than"] if isinstance(claim["than"], list) else [claim["than"]]
    results = [(b, *bootstrap(_differences(df, a, b), resamples)) for b in than]
    if claim["kind"] == "better":
        b, effect, low, high = min(results, key=lambda r: r[1])  # the weakest comparison decides
        return {**row, "compared": f"{a} - {b}" + (f" (the smallest of {len(than)})" if len(than) > 1 else ""),
                "effect": effect, "low": low, "high": high,
                "holds": all(r[1] > 0 for r in results), "interval_agrees": all(r[2] > 0 for r in results)}
    tol = claim["tolerance"]
    b, effect, low, high = max(results, key=lambda r: abs(r[1]))
    return {**row, "compared": f"{a} - {b}" + (f" (the largest of {len(than)})" if len(than) > 1 else "")
            + f", tolerance ±{tol}", "effect": effect, "low": low, "high": high,
            "holds": all(abs(r[1]) <= tol for r in results),
            "interval_agrees": all(-tol <= r[2] and r[3] <= tol for r in results)}


def write_report(verdicts: list[dict], prefix: Path) -> None:
    table = pd.DataFrame(verdicts)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(f"{prefix}.csv", index=False, float_format="%.4f")
    lines = ["# The paper's claims, checked on this run's numbers", "",
             "Effect: mean score difference ×100 over seeds and tasks (for `cheaper`: the ratio of "
             "training examples); 95% interval: bootstrap over seeds and tasks. *Interval agrees*: the "
             "whole interval is on the claimed side.", "",
             "| claim | experiment | suite | compared | effect | 95% interval | holds | interval agrees | seeds |",
             "|---|---|---|---|---|---|---|---|---|"]
    for v in verdicts:
        lines.append(f"| {v['claim']} | {v['experiment']} | {v['suite']} | {v['compared']} | {v['effect']:+.2f} | "
                     f"[{v['low']:+.2f}, {v['high']:+.2f}] | {'yes' if v['holds'] else '**no**'} | "
                     f"{'yes' if v['interval_agrees'] else 'no'} | {v['seeds']} |")
    held = sum(v["holds"] for v in verdicts)
    lines += ["", f"{held} of {len(verdicts)} claims hold on these numbers."]
    Path(f"{prefix}.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", required=True, type=Path)
    parser.add_argument("--summary", required=True, type=Path)
    parser.add_argument("--costs", type=Path)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--out", required=True, type=Path, help="output prefix (.md, .csv)")
    args = parser.parse_args(argv)
    claims = load_claims(args.claims)
    summary = pd.read_csv(args.summary)
    costs = pd.read_csv(args.costs) if args.costs else None
    present = set(summary["experiment"])
    verdicts = [check(c, summary, costs, args.resamples) for c in claims if c["experiment"] in present]
    write_report(verdicts, args.out)
    write_json(Path(f"{args.out}.provenance.json"), record(claims=claims, summary=str(args.summary)))
    print(f"{sum(v['holds'] for v in verdicts)} of {len(verdicts)} claims hold; wrote {args.out}.md")


if __name__ == "__main__":
    main()
