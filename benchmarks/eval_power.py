"""Where the evaluation part of the claims' paired SE comes from, task by task, and the subset
sizes that would bring it to a target: the plan for sizing `evaluation.tasks`.

    python benchmarks/eval_power.py [--configfile ...] [--target 0.3] [--resamples 1000]

From a finished run's claims inputs (summary.csv, the per-item records). For every comparison
between two trained variants that the claims make, the evaluation part of the SE of the Mean(Task)
difference (items resampled, seeds kept: claims.md's "SE: items") is the root of a sum over the
suite's tasks, one term per task: that task's bootstrap variance of the seed-mean difference over
T². A task's term shrinks as 1/n with its subset size n. Printed: each task's largest term over
the comparisons, its share of the worst comparison, and the sizes that bring every comparison's
evaluation SE to what the target leaves after the seed part (target² = items² + seeds²), each task
grown in proportion to the root of its term over its cost (the least evaluation time for that SE).
A task's cost is its median seconds in the run's evaluation logs (encoding, mteb's scoring and the
per-item record; texts differ in length, so seconds, not texts, are what a size buys), taken as
proportional to its size. With `--shrink` a task may also fall (to a quarter of its size at most):
the sizes that reach the target in the least time, not only the growth on top of today's. Seeds
the sizes cannot help: where the seed part alone exceeds the target, it says so and how many seeds
would do.
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
from collections import defaultdict
from pathlib import Path

import pandas as pd

from boom import claims as claims_mod
from boom import config as boom_config
from boom import layout

SIZE_KEYS = ("max_queries", "max_pairs", "max_examples")
SMALLEST = 0.25  # --shrink: no task falls below this share of its size


def encoded_texts(log: Path) -> dict[str, int]:
    """Task -> texts encoded for it, from an evaluation log's "(… s; N of M texts encoded so far)"."""
    counts, before = {}, 0
    for task, total in re.findall(r" on (\S+): main score .*?; (\d+) of \d+ texts encoded so far", log.read_text()):
        counts[task] = int(total) - before
        before = int(total)
    return counts


def task_seconds(logs: list[Path]) -> dict[str, float]:
    """Task -> median seconds over evaluation logs' "[i/n] <model> on <task>: main score … (S s; …)"."""
    seconds = defaultdict(list)
    for log in logs:
        for task, s in re.findall(r" on (\S+): main score \S+ \(([0-9.]+) s", log.read_text()):
            seconds[task].append(float(s))
    return {task: statistics.median(v) for task, v in seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", nargs="*", default=[], help="layers over config/default.yaml")
    parser.add_argument("--target", type=float, default=0.3, help="the paired SE aimed at (points)")
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--shrink", action="store_true",
                        help=f"let tasks fall too (to {SMALLEST:.0%} of their size at most): the least time for the target")
    parser.add_argument("--no-worse", action="store_true",
                        help="a comparison already above the target may stay where it is (and no higher)")
    args = parser.parse_args()
    config = boom_config.load(*args.configfile)
    root = boom_config.REPO_ROOT
    results = root / config["results_dir"]
    summary = pd.read_csv(layout.summary_file(results))
    claims = [c for c in claims_mod.load_claims(root / "config/claims.yaml")
              if c["experiment"] in set(summary["experiment"]) and c["kind"] != "cheaper"]
    boot = claims_mod.Bootstrap(results / "eval", args.resamples)
    boot.precompute(pair for c in claims for pair in claims_mod.needed(c, summary))

    rows = []  # one per trained comparison: its per-task terms and its seed part
    for claim in claims:
        for comp in claims_mod.check(claim, summary, None, boot)["comparisons"]:
            if comp["trained"]:
                rows.append({"label": f"{claim['id']}: {comp['label']}", "suite": claim["suite"],
                             "terms": comp["items_terms"], "se_items": comp["se_items"],
                             "se_seeds": comp["se_seeds"], "se": comp["se"], "seeds": comp["seeds"]})
    if not rows:
        raise SystemExit("no comparison between two trained variants in the claims")

    logs = root / "logs" / config["scale"] / "eval"
    base = next(iter(sorted(logs.glob("base-*/evaluate.log"))), None)
    texts = encoded_texts(base) if base else {}
    seconds = task_seconds(sorted(logs.glob("*/evaluate*.log")))
    floor = SMALLEST if args.shrink else 1.0
    tasks = config["evaluation"]["tasks"]
    size = {t: next((spec[k] for k in SIZE_KEYS if k in spec), None) for t, spec in tasks.items()}

    print(f"{len(rows)} comparisons between trained variants; evaluation part of the SE (items), seed part, all:")
    for r in sorted(rows, key=lambda r: -r["se_items"]):
        print(f"  {r['se_items']:.2f}  {r['se_seeds']:.2f}  {r['se']:.2f}  {r['label']}")

    for suites in (("in_domain", "out_of_domain"), ("new_domain",)):
        group = [r for r in rows if r["suite"] in suites]
        if not group:
            continue
        worst = max(group, key=lambda r: r["se_items"])
        print(f"\n{' and '.join(suites)}: worst evaluation part {worst['se_items']:.2f} ({worst['label']})")
        # what the items may keep once the seed part is paid: target² = items² + seeds²
        aim = {id(r): max(args.target, r["se"]) if args.no_worse else args.target for r in group}
        room = {id(r): aim[id(r)] ** 2 - r["se_seeds"] ** 2 for r in group}
        blocked = [r for r in group if room[id(r)] <= 0]
        for r in blocked:
            need = math.ceil(r["seeds"] * (r["se_seeds"] / args.target) ** 2)  # the seed part falls as 1/sqrt(seeds)
            print(f"  seed part alone {r['se_seeds']:.2f} > {args.target} ({r['label']}): no subset size helps; "
                  f"about {need} seeds would")
        group = [r for r in group if room[id(r)] > 0]
        if not group:
            continue
        names = sorted({t for r in group for t in r["terms"]})
        cost = {t: seconds.get(t, 1.0) for t in names}
        term = {t: max(r["terms"].get(t, 0.0) for r in group) for t in names}
        # grow task t by f_t ∝ sqrt(term_t / cost_t), scaled until every comparison fits its room
        shape = {t: math.sqrt(term[t] / cost[t]) if term[t] > 0 else 0.0 for t in names}
        lo, hi = 1e-6, 1e6
        for _ in range(200):
            k = math.sqrt(lo * hi)
            f = {t: max(floor, k * shape[t]) for t in names}
            fits = all(sum(v / f[t] for t, v in r["terms"].items()) <= room[id(r)] for r in group)
            lo, hi = (lo, k) if fits else (k, hi)
        f = {t: max(floor, hi * shape[t]) for t in names}
        share = {t: worst["terms"].get(t, 0.0) / worst["se_items"] ** 2 for t in names}
        print(f"  {'task':18s} {'size':>6s} {'texts':>6s} {'s':>5s} {'largest term':>12s} {'share of worst':>14s} {'size for target':>15s}")
        for t in sorted(names, key=lambda t: -term[t]):
            now = size.get(t)
            new = "-" if now is None else str(math.ceil(now * f[t]))
            print(f"  {t:18s} {now if now is not None else '-':>6} {texts.get(t, 0):>6d} {cost[t]:5.2f} {term[t]:12.4f} "
                  f"{share[t]:14.0%} {new:>15s}")
        before = sum(cost.values())
        after = sum(cost[t] * f[t] for t in names)
        print(f"  seconds a model, these tasks (medians): {before:.1f} now, about {after:.1f} at those sizes "
              f"({after / before:.2f}x); a size above what the data holds caps there")


if __name__ == "__main__":
    main()
