"""The budget sweep: does a claim depend on the training budget?

The experiments the claims rest on are rerun with the max_examples of every training set of the
mix at each cap of `budget.caps` (config/default.yaml), as experiments of their own named `budget/<exp>_n<cap>`;
`budget.new_domain_caps` grows the new domain's data alone (`budget/<exp>_new<cap>`). They are
ordinary experiments to the workflow (recipes, models, evaluations, tables, figures), so a cap
equal to the run's own gives the run's own models. This module names them, checks the claims on
each, and writes the sweep's table and figure:

    python -m boom budget --sweep budget --claims config/claims.yaml --summaries <csv>... \
        --costs <csv>... --eval-dir results/eval --levels '<json>' --ratios '<json>' --out paper_figures/budget

For each claim, its effect and paired 95% interval at every cap, and its trend over the caps:
"stable: holds|fails (decided at <caps>)" (every cap that decides it agrees), "changes at
<cap>" (a decided cap disagrees with the one before), or "never decided". Beside them, each bag
model's own Mean(Task) against its ratio at every cap: how far from converged the bags are.
Imports no torch: the Snakefile names the sweep's experiments when the workflow is parsed.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from boom.errors import ConfigError

SWEEPS = ("budget", "budget_new_domain")


def experiment_name(experiment: str, cap: int, new_domain: bool = False) -> str:
    return f"budget/{experiment}_{'new' if new_domain else 'n'}{cap}"


def sweep_experiments(config: dict) -> dict[str, dict[str, dict]]:
    """sweep -> {experiment name -> its spec}: each listed experiment at each cap, reporting the
    variants listed (`all`: every variant, the bags and parts included: their own scores are shown)."""
    spec = config.get("budget") or {}
    experiments = config["experiments"]
    sweeps: dict[str, dict[str, dict]] = {sweep: {} for sweep in SWEEPS}
    wanted = [("budget", cap, exp, variants, {"datasets": cap})
              for cap in spec.get("caps", []) for exp, variants in (spec.get("experiments") or {}).items()]
    wanted += [("budget_new_domain", cap, exp, None, {"new_datasets": cap})
               for cap in spec.get("new_domain_caps", []) for exp in spec.get("new_domain_experiments", [])]
    for sweep, cap, exp, variants, caps in wanted:
        if exp not in experiments:  # a layer removed it: it leaves the sweep too (absent() says so)
            continue
        base = experiments[exp]
        described = (f"the mix's training sets at {cap} examples each" if sweep == "budget"
                     else f"the new domain's training sets at {cap} examples each")
        sweeps[sweep][experiment_name(exp, cap, sweep == "budget_new_domain")] = {
            **base, "description": f"{base.get('description', exp)} Budget sweep: {described}.",
            "report": list(base["variants"] if variants in (None, "all") else variants), "budget": caps, "sweep": sweep, "cap": cap, "of": exp}
    return sweeps


def absent(config: dict) -> list[str]:
    """The sweep's experiments that the config does not have (a layer removed them)."""
    spec = config.get("budget") or {}
    listed = list(spec.get("experiments") or {}) + list(spec.get("new_domain_experiments", []))
    return [e for e in dict.fromkeys(listed) if e not in config["experiments"]]


def check(config: dict) -> None:
    """The budget section's cross-references: of the experiments there, variants that exist, none
    that waits for the interaction clusters, new-domain experiments that evaluate the new domain."""
    spec = config.get("budget") or {}
    experiments = config["experiments"]
    listed = [(f"budget.experiments.{e}", e) for e in spec.get("experiments") or {}]
    listed += [("budget.new_domain_experiments", e) for e in spec.get("new_domain_experiments", [])]
    for where, exp in listed:
        if exp not in experiments:
            continue
        if any(v.get("split") == "clusters" for v in experiments[exp]["variants"].values()):
            raise ConfigError(f"config key {where}: '{exp}' merges per interaction cluster, which the budget sweep "
                              "does not rerun (the clusters come from the run's own budget); leave it out")
    for exp, variants in (spec.get("experiments") or {}).items():
        for v in [] if variants == "all" or exp not in experiments else variants:
            if v not in experiments[exp]["variants"]:
                raise ConfigError(f"config key budget.experiments.{exp}: '{v}' is not a variant of '{exp}' "
                                  f"(variants: {', '.join(experiments[exp]['variants'])})")
    for exp in spec.get("new_domain_experiments", []):
        if exp in experiments and "new_domain" not in experiments[exp].get("suites", []):
            raise ConfigError(f"config key budget.new_domain_experiments: '{exp}' is not evaluated on the new domain "
                              "(its suites lack new_domain)")


# ---------------------------------------------------------------- what a sweep will take


def read_walls(folder: Path) -> dict[str, float]:
    """Job name -> wall seconds, from Snakemake's benchmark files under `folder` (one .tsv a job)."""
    walls = {}
    for path in sorted(folder.rglob("*.tsv")) if folder.is_dir() else []:
        lines = path.read_text().splitlines()
        try:
            walls[str(path.relative_to(folder).with_suffix(""))] = float(lines[1].split("\t")[0])
        except (IndexError, ValueError):  # a job that died before its benchmark line: not a measurement
            continue
    return walls


def fit_training(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Seconds of a training job as a + b × examples (least squares over measured jobs)."""
    if len(points) < 2 or len({x for x, _ in points}) < 2:
        raise ConfigError("the budget estimate needs the measured times of two or more training jobs of "
                          "different sizes (results/benchmarks/train/): run `paper` first")
    n = len(points)
    mx, my = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    b = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
    return my - b * mx, b


def median(values: list[float], default: float) -> float:
    values = sorted(values)
    if not values:
        return default
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def estimate(plan: dict[int, dict], fit: tuple[float, float], job_seconds: dict[str, float], cores: int) -> list[str]:
    """Lines saying what a sweep's jobs not yet done will take: per cap (`plan`: cap ->
    {trainings: [examples, ...], evaluations: n, new_domain: n, merges: n}) and in all, from the
    measured per-job times, the jobs' sum spread over `cores` (one job a core, as `paper` runs them)."""
    a, b = fit
    lines, total = [], 0.0
    for cap in sorted(plan):
        p = plan[cap]
        seconds = (sum(a + b * x for x in p["trainings"]) + p["evaluations"] * job_seconds["evaluate"]
                   + p["new_domain"] * job_seconds["evaluate_new_domain"] + p["merges"] * job_seconds["merge"])
        total += seconds
        lines.append(f"  cap {cap}: {len(p['trainings'])} trainings ({sum(p['trainings'])} examples), "
                     f"{p['evaluations'] + p['new_domain']} evaluations, {p['merges']} merges: "
                     f"{seconds / 60:.0f} min of jobs")
    head = (f"about {total / 60 / cores:.0f} min on {cores} cores for the jobs not done yet (training {a:.0f} s + "
            f"{b:.3f} s an example, evaluation {job_seconds['evaluate']:.0f} s, new-domain evaluation "
            f"{job_seconds['evaluate_new_domain']:.0f} s, merge {job_seconds['merge']:.0f} s a job: the medians "
            "and fit of the committed run's jobs)")
    return [head, *lines]


# ---------------------------------------------------------------- the sweep's verdicts


def trend(verdicts: list[tuple[int, str]]) -> str:
    """A claim's verdicts over the caps (in order) in one phrase."""
    decided = [(cap, v) for cap, v in verdicts if v in ("holds", "fails")]
    if not decided:
        return "never decided"
    for (_, before), (cap, now) in zip(decided, decided[1:]):
        if now != before:
            return f"changes at {cap}"
    return f"stable: {decided[0][1]} (decided at {', '.join(str(cap) for cap, _ in decided)})"


def restricted(claim: dict, reported: list[str]) -> dict | None:
    """The claim on what an experiment of the sweep reports: its `than` variants there (a sweep
    may leave some out, say so), or None where `a` or every `than` is missing."""
    if claim["a"] not in reported:
        return None
    if claim["kind"] == "worst":
        return claim
    if claim["kind"] == "cheaper":
        return claim if claim["than"] in reported else None
    than = claim["than"] if isinstance(claim["than"], list) else [claim["than"]]
    kept = [v for v in than if v in reported]
    return {**claim, "than": kept} if kept else None


def sweep_rows(claims: list[dict], summary, costs, boot, levels: dict[str, dict]) -> list[dict]:
    """One row per claim and cap: the claim checked on that cap's experiment (boom.claims.check)."""
    from boom.claims import check as check_claim

    rows = []
    for name, level in levels.items():
        reported = list(dict.fromkeys(summary.loc[summary["experiment"] == name, "variant"]))
        for claim in claims:
            if claim["experiment"] != level["of"]:
                continue
            kept = restricted(claim, reported)
            if kept is None:
                continue
            verdict = check_claim({**kept, "experiment": name}, summary, costs, boot)
            rows.append({**verdict, "experiment": level["of"], "cap": level["cap"], "id": claim["id"],
                         "claim": claim["claim"], "tolerance": claim.get("tolerance")})
    return rows


def bag_rows(summary, ratios: dict[str, dict[str, float]], levels: dict[str, dict]) -> list[dict]:
    """Each bag model's Mean(Task) per suite and cap, with its ratio (the full corpus at 1.0)."""
    rows = []
    for name, level in levels.items():
        df = summary[(summary["experiment"] == name) & summary["variant"].isin(list(ratios.get(level["of"], {})))]
        for (variant, suite), part in df.groupby(["variant", "suite"]):
            per_seed = part.groupby("seed")["value"].mean() * 100
            rows.append({"experiment": level["of"], "cap": level["cap"], "variant": variant, "suite": suite,
                         "ratio": ratios[level["of"]][variant], "mean_task": float(per_seed.mean()),
                         "std": float(per_seed.std(ddof=1)) if len(per_seed) > 1 else 0.0, "seeds": len(per_seed)})
    return rows


def _interval(row: dict) -> str:
    if row["se"] is None:
        return f"ratio {row['effect']:.2f}"
    return f"{row['effect']:+.2f} [{row['low']:+.2f}, {row['high']:+.2f}]"


def claims_table(rows: list[dict]):
    """Claims as rows, caps as columns ("effect [interval] verdict"), the SE and the trend."""
    import pandas as pd

    caps = sorted({r["cap"] for r in rows})
    out = []
    for cid in dict.fromkeys(r["id"] for r in rows):
        mine = sorted((r for r in rows if r["id"] == cid), key=lambda r: r["cap"])
        line = {"claim": mine[0]["claim"], "experiment": mine[0]["experiment"], "suite": mine[0]["suite"],
                "compared": mine[-1]["compared"]}
        for cap in caps:
            at = [r for r in mine if r["cap"] == cap]
            line[f"n{cap}"] = f"{_interval(at[0])} {at[0]['verdict']}" if at else "–"
        ses = [r["se"] for r in mine if r["se"] is not None]
        line["paired SE"] = f"{min(ses):.2f}-{max(ses):.2f}" if ses else "–"
        line["trend"] = trend([(r["cap"], r["verdict"]) for r in mine])
        out.append(line)
    return pd.DataFrame(out)


def noise_table(rows: list[dict]):
    """Each score claim's paired SE by cap, with its evaluation (items) and seed parts."""
    import pandas as pd

    scored = [r for r in rows if r["se"] is not None]
    caps = sorted({r["cap"] for r in scored})
    out = []
    for cid in dict.fromkeys(r["id"] for r in scored):
        line = {"claim": cid}
        for cap in caps:
            at = [r for r in scored if r["id"] == cid and r["cap"] == cap]
            line[f"n{cap}"] = f"{at[0]['se']:.2f} ({at[0]['se_items']:.2f}, {at[0]['se_seeds']:.2f})" if at else "–"
        out.append(line)
    return pd.DataFrame(out)


def write_figure(rows: list[dict], bags: list[dict], prefix: Path, title: str, xlabel: str) -> None:
    """One panel per claim (effect and 95% interval against the cap; zero, and the tolerance band
    of a `close` claim), and a panel of the bag models' scores against their ratio per cap."""
    from boom.io import pyplot, save_figure

    plt = pyplot()
    ids = list(dict.fromkeys(r["id"] for r in rows if r["se"] is not None))
    panels = len(ids) + (1 if bags else 0) + 1
    cols = min(3, max(1, panels))
    nrows = math.ceil(panels / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(5.2 * cols, 3.3 * nrows), squeeze=False)
    for ax, cid in zip(axes.flat, ids):
        mine = sorted((r for r in rows if r["id"] == cid), key=lambda r: r["cap"])
        caps = [r["cap"] for r in mine]
        effects = [r["effect"] for r in mine]
        err = [[r["effect"] - r["low"] for r in mine], [r["high"] - r["effect"] for r in mine]]
        colours = {"holds": "tab:green", "fails": "tab:red", "inconclusive": "tab:grey"}
        ax.axhline(0, color="black", lw=0.8)
        if mine[0]["tolerance"]:
            ax.axhspan(-mine[0]["tolerance"], mine[0]["tolerance"], color="tab:blue", alpha=0.12,
                       label=f"±{mine[0]['tolerance']} tolerance")
            ax.legend(fontsize=7, loc="best")
        ax.plot(caps, effects, color="0.5", lw=0.8)
        for cap, eff, lo, hi, r in zip(caps, effects, err[0], err[1], mine):
            ax.errorbar([cap], [eff], yerr=[[lo], [hi]], fmt="o", color=colours[r["verdict"]], capsize=3)
        ax.set_xscale("log", base=2)
        ax.set_xticks(caps, [str(c) for c in caps])
        compared = mine[0]["compared"].split(" (")[0].split(", tolerance")[0]
        ax.set_title("\n".join([cid, f"{compared} ({mine[0]['suite']})",
                                trend([(r["cap"], r["verdict"]) for r in mine])]), fontsize=8)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel("effect, points ×100", fontsize=8)
        ax.tick_params(labelsize=7)
    used = len(ids)
    if bags:
        ax = axes.flat[used]
        used += 1
        for (cap, suite), group in _grouped(bags):
            group = sorted(group, key=lambda r: r["ratio"])
            ax.errorbar([r["ratio"] for r in group], [r["mean_task"] for r in group], yerr=[r["std"] for r in group],
                        marker="o", ms=3, capsize=2, lw=1, ls="-" if suite == "in_domain" else "--",
                        label=f"cap {cap}, {'ID' if suite == 'in_domain' else 'OOD'}")
        ax.set_title("each bag model's own score against its ratio\n(1.0: BLS on the whole mix)", fontsize=8)
        ax.set_xlabel("bag ratio", fontsize=8)
        ax.set_ylabel("Mean(Task) ×100", fontsize=8)
        ax.legend(fontsize=6, ncol=2)
        ax.tick_params(labelsize=7)
    ax = axes.flat[used]
    used += 1
    for cid in ids:
        mine = sorted((r for r in rows if r["id"] == cid), key=lambda r: r["cap"])
        line, = ax.plot([r["cap"] for r in mine], [r["se"] for r in mine], marker="o", ms=3, lw=1, label=cid)
        ax.plot([r["cap"] for r in mine], [r["se_seeds"] for r in mine], marker="x", ms=3, lw=0.8, ls=":",
                color=line.get_color())
    ax.set_xscale("log", base=2)
    caps = sorted({r["cap"] for r in rows})
    ax.set_xticks(caps, [str(c) for c in caps])
    ax.set_ylim(bottom=0)
    ax.set_title("each claim's paired SE (solid) and its seed part (dotted)", fontsize=8)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel("points ×100", fontsize=8)
    ax.legend(fontsize=5)
    ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[used:]:
        ax.set_visible(False)
    fig.suptitle(f"{title}\ndots: each claim's effect; bars: its paired 95% bootstrap interval over evaluation items "
                 "and seeds (green holds, red fails, grey inconclusive); bag bars: ± std over seeds", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.96 if nrows > 1 else 0.9))
    for ext in ("png", "pdf"):
        save_figure(fig, f"{prefix}.{ext}")
    plt.close(fig)


def _grouped(bags: list[dict]):
    keys = sorted({(b["cap"], b["suite"]) for b in bags})
    return [((cap, suite), [b for b in bags if b["cap"] == cap and b["suite"] == suite]) for cap, suite in keys]


def write_outputs(rows: list[dict], bags: list[dict], prefix: Path, sweep: str, resamples: int) -> None:
    import pandas as pd

    from boom import layout, tables
    from boom.io import atomic_write_text

    table = claims_table(rows)
    title = ("The claims against the training budget" if sweep == "budget"
             else "The new-domain claims against the new domain's training data")
    what = ("the mix's training sets' cap (the new domain's at the run's own)" if sweep == "budget"
            else "the new domain's cap, the mix at the run's own caps")
    caption = (f"{title}: each claim at each value of {what}; effect ×100 [paired 95% bootstrap interval, "
               f"{resamples} resamples over evaluation items and seeds] and verdict. trend: the verdicts over the caps "
               "(stable, changes at a cap, or never decided).")
    detail = pd.DataFrame([{k: r[k] for k in ("id", "experiment", "suite", "cap", "compared", "effect", "low", "high",
                                              "se", "se_items", "se_seeds", "verdict", "seeds")} for r in rows])
    detail.to_csv(Path(f"{prefix}.csv"), index=False)
    pd.DataFrame(bags).to_csv(Path(layout.sweep_bags_file(prefix.parent, sweep)), index=False)
    md = [f"# {title}", "", caption, "", table.to_markdown(index=False), "",
          "Paired SE of each claim's effect by cap: all (items, seeds), the two sources each alone as in "
          "claims.md:", "", noise_table(rows).to_markdown(index=False), ""]
    if bags:
        bag_table = pd.DataFrame(bags).pivot_table(index=["suite", "cap"], columns="ratio", values="mean_task")
        bag_table.columns = [f"ratio {c:g}" for c in bag_table.columns]
        md += ["Each bag model's own Mean(Task) ×100 (mean over seeds) by ratio; 1.0 is BLS on the whole mix:", "",
               bag_table.round(2).reset_index().to_markdown(index=False), ""]
    atomic_write_text(Path(f"{prefix}.md"), "\n".join(md))
    atomic_write_text(Path(f"{prefix}.html"), tables.html_page(title, [tables.html_table(table.set_index("claim"),
                                                                                         caption)]))
    write_figure(rows, bags, prefix, title,
                 "examples a training set of the mix (cap)" if sweep == "budget" else "new-domain examples (cap)")


def main(argv: list[str] | None = None) -> None:
    import pandas as pd

    from boom.claims import Bootstrap, load_claims, needed
    from boom.io import write_json
    from boom.provenance import record
    from boom.records import read_digest
    from boom.stage import json_arg

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sweep", required=True, choices=SWEEPS)
    parser.add_argument("--claims", required=True, type=Path)
    parser.add_argument("--summaries", nargs="+", required=True, type=Path, help="each sweep experiment's summary")
    parser.add_argument("--costs", nargs="+", required=True, type=Path, help="each sweep experiment's costs")
    parser.add_argument("--eval-dir", required=True, type=Path)
    parser.add_argument("--levels", required=True, type=json_arg("--levels"),
                        help="JSON: sweep experiment name -> {of: experiment, cap: examples}")
    parser.add_argument("--ratios", required=True, type=json_arg("--ratios"),
                        help="JSON: experiment -> {variant: bag ratio} of the bag models to show")
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--record", type=Path)
    parser.add_argument("--out", required=True, type=Path, help="output prefix")
    args = parser.parse_args(argv)
    summary = pd.concat([pd.read_csv(p) for p in args.summaries], ignore_index=True)
    costs = pd.concat([pd.read_csv(p) for p in args.costs], ignore_index=True)
    claims = [c for c in load_claims(args.claims) if c["experiment"] in {lv["of"] for lv in args.levels.values()}]
    boot = Bootstrap(args.eval_dir, args.resamples)
    for name in args.levels:
        for claim in claims:
            boot.precompute(needed({**claim, "experiment": name}, summary))
    rows = sweep_rows(claims, summary, costs, boot, args.levels)
    bags = bag_rows(summary, args.ratios, args.levels)
    write_outputs(rows, bags, args.out, args.sweep, args.resamples)
    write_json(Path(f"{args.out}.provenance.json"),
               record(claims=claims, levels=args.levels, eval_dir=str(args.eval_dir), resamples=args.resamples,
                      record=read_digest(args.record) if args.record else None))
    print(json.dumps({r["id"] + f"@{r['cap']}": r["verdict"] for r in rows}))
    print(f"wrote {args.out}.md")


if __name__ == "__main__":
    main()
