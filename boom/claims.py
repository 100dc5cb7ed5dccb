"""The paper's claims as data, decided on the suite's own numbers by a paired bootstrap over
evaluation items and seeds.

    python -m boom claims --claims config/claims.yaml --summary results/summary.csv \
        --costs results/costs.csv --eval-dir results/eval --out paper_figures/claims [--resamples 1000]

Each claim in the YAML file names an experiment, a suite and a comparison between variants:

  better  `a` scores higher than each of `than` (effect: a - b)
  close   `a` is within `tolerance` points of each of `than` (effect: a - b; an equivalence test)
  worst   `a` scores lower than every other variant of the experiment (effect: other - a)
  cheaper `a` trains on at most `fraction` of the examples of `than` (from the costs table;
          deterministic)

The effect is the mean over seeds and tasks of the per-(seed, task) score difference, ×100, as the
paper prints scores (from the summary). Its 95% interval is a paired bootstrap over evaluation
items and seeds: per task, one (B, n) matrix of item indices drawn with replacement from a
generator seeded by a fixed seed and the task's name, the same for every model and seed (the
comparison is paired: both models are scored on the same resampled items); per replicate the
seeds are drawn with replacement too. Tasks are not resampled (Mean(Task) is over the fixed task
list). Replicate r's effect: the mean over its drawn seeds s of the mean over tasks t of
stat(a, s, t)[r] - stat(b, s, t)[r], ×100, where stat is the task's own main score on the
resampled items (mean nDCG@10 or MAP over queries, Spearman, max AP, accuracy, v-measure; see
boom/items.py), read from `<eval-dir>/<model>/<task>.items.json`.

A directional claim (better, worst) holds when its whole interval is on the claimed side of 0,
fails when it is wholly on the other side, and is inconclusive otherwise; `close` holds when the
interval lies inside [-tolerance, +tolerance], fails when it lies wholly outside that band. Over
several comparisons (`than` a list, `worst`): holds if every one holds, fails if any fails. The
report gives each claim's paired standard error (the std of the replicates) and the smallest
effect the run could detect, MDE = 2.8 × SE (80% power at α = 0.05, two-sided).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from boom import items as items_mod
from boom import layout, tables
from boom.data.sources import ROLES
from boom.errors import BoomError
from boom.io import pyplot, save_figure, write_json
from boom.provenance import record
from boom.records import read_digest

KINDS = ("better", "close", "worst", "cheaper")
SUITES = ROLES
VERDICTS = ("holds", "fails", "inconclusive")
SEED = 0  # of every resample: the same claims file on the same results gives the same intervals
MDE_FACTOR = 2.8  # z(0.975) + z(0.80): the effect detected 80% of the time at α = 0.05, two-sided
SCORE_TOLERANCE = 1e-5  # an items file's score against the summary's (both mteb's main score)


class ClaimError(BoomError, ValueError):
    """A claim that names something the results do not hold; the message names it."""


def load_claims(path: Path) -> list[dict]:
    claims = yaml.safe_load(Path(path).read_text())
    if not isinstance(claims, list):
        raise ClaimError(f"{path}: expected a list of claims")
    for i, c in enumerate(claims):
        if not isinstance(c, dict):
            raise ClaimError(f"{path}: claim {i} is not a mapping of id, claim, experiment, kind, a, ...")
        where = f"{path}: claim {c.get('id', i)}"
        missing = {"id", "claim", "experiment", "kind", "a"} - set(c)
        if missing:
            raise ClaimError(f"{where} lacks {sorted(missing)}")
        if c["kind"] not in KINDS:
            raise ClaimError(f"{where}: kind '{c['kind']}' is not one of {KINDS}")
        if c["kind"] != "cheaper" and c.get("suite") not in SUITES:
            raise ClaimError(f"{where}: suite must be one of {SUITES}")
        needs = {"better": ["than"], "close": ["than", "tolerance"], "cheaper": ["than", "fraction"]}
        for key in needs.get(c["kind"], []):
            if key not in c:
                raise ClaimError(f"{where}: a '{c['kind']}' claim needs '{key}'")
        if c["kind"] == "close" and not (isinstance(c["tolerance"], (int, float)) and c["tolerance"] > 0):
            raise ClaimError(f"{where}: tolerance must be a positive number of points, not {c['tolerance']!r}")
    return claims


def claim_variants(claim: dict) -> list[str]:
    """Every variant a claim names (a, than, except)."""
    than = claim.get("than", [])
    return [claim["a"], *([than] if isinstance(than, str) else than), *claim.get("except", [])]


def unanswerable(claims: list[dict], reported: dict[str, list[str]]) -> dict[str, str]:
    """Claim id -> why it cannot be checked, for claims on a reported experiment (`reported`:
    experiment -> its reported variants) that name a variant it lacks (a config layer removed it).
    Such a claim is skipped with this line, at parse time and in the claims report, not failed
    after the run; claims on an experiment the config does not run are skipped silently."""
    why = {}
    for c in claims:
        if c["experiment"] not in reported:
            continue
        missing = [v for v in claim_variants(c) if v not in reported[c["experiment"]]]
        if missing:
            why[c["id"]] = (f"claim {c['id']} is skipped: experiment '{c['experiment']}' reports no variant "
                            f"{', '.join(repr(m) for m in missing)} in this config (a layer removed it, or it is "
                            "not in the experiment's `report`)")
    return why


def _task_seed(task: str, split: str, subset: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{task}\0{split}\0{subset}".encode()).digest()[:8], "little")


def resample_weights(task: str, split: str, subset: str, n: int, resamples: int, seed: int = SEED) -> np.ndarray:
    """(B, n): how often each item is in each of B resamples with replacement, from the task's
    own index matrix idx_t (B, n) (seeded by `seed` and the task: the same for every model)."""
    idx = np.random.default_rng([seed, _task_seed(task, split, subset)]).integers(0, n, size=(resamples, n))
    flat = (idx + n * np.arange(resamples)[:, None]).ravel()
    return np.bincount(flat, minlength=resamples * n).reshape(resamples, n).astype(np.float64)


class Bootstrap:
    """The replicates of every (model, task) a claims check needs, each computed once: the
    task's statistic on B resamples of its items (boom/items.py), from `<eval_dir>/<model>/<task>.items.json`."""

    def __init__(self, eval_dir: Path, resamples: int = 1000, seed: int = SEED):
        if resamples < 10:
            raise ClaimError(f"--resamples {resamples}: a bootstrap needs at least 10 resamples (1000 is the default)")
        self.eval_dir, self.resamples, self.seed = Path(eval_dir), resamples, seed
        self._replicates: dict[tuple[str, str], np.ndarray] = {}
        self._records: dict[tuple[str, str], dict] = {}
        self._digests: dict[str, tuple[str, str]] = {}

    def path(self, model: str, task: str) -> Path:
        return Path(layout.eval_items_file(self.eval_dir.parent, model, task, folder=self.eval_dir.name))

    def items(self, model: str, task: str) -> items_mod.Items:
        path = self.path(model, task)
        if not path.is_file():
            raise ClaimError(f"model {model}, task {task}: no per-item results ({path} is missing); evaluate "
                             "it again with the items (snakemake reruns its evaluation job)")
        try:
            rec = items_mod.read(path)
        except items_mod.ItemsError as error:
            raise ClaimError(f"model {model}, task {task}: {error}") from None
        if "unavailable" in rec:
            raise ClaimError(f"model {model}, task {task}: its evaluation wrote no per-item results "
                             f"({rec['unavailable']}); leave the task out of the claim's suite")
        seen = self._digests.setdefault(task, (rec["digest"], model))
        if seen[0] != rec["digest"]:
            raise ClaimError(f"task {task}: models {seen[1]} and {model} were scored on different items (another "
                             "subset or data revision); rerun snakemake so that both are evaluated on the same data")
        self._records[model, task] = rec
        return items_mod.Items(rec)

    def score(self, model: str, task: str) -> float:
        """mteb's main score the items file was made with."""
        if (model, task) not in self._records:
            self.replicates(model, task)
        return self._records[model, task]["score"]

    def _weights(self, task: str, parts: list[dict]) -> list[np.ndarray]:
        return [resample_weights(task, p["split"], p["subset"], p["n"], self.resamples, self.seed) for p in parts]

    def precompute(self, pairs) -> None:
        """Replicates of many (model, task) pairs, task by task: each task's weight matrices
        are drawn once and serve every model of it (and are dropped before the next task's)."""
        by_task: dict[str, list[str]] = {}
        for model, task in pairs:
            if (model, task) not in self._replicates:
                by_task.setdefault(task, []).append(model)
        for task, models in by_task.items():
            loaded = {m: self.items(m, task) for m in dict.fromkeys(models)}
            first = next(iter(loaded.values()))
            weights = self._weights(task, first.record["parts"])
            memos = [{} for _ in weights]
            for model, it in loaded.items():
                self._replicates[model, task] = it.replicates(weights, memos)

    def replicates(self, model: str, task: str) -> np.ndarray:
        if (model, task) not in self._replicates:
            self.precompute([(model, task)])
        return self._replicates[model, task]

    def seed_draws(self, n_seeds: int) -> np.ndarray:
        """(B, n_seeds): the seeds (indices) each replicate draws with replacement; the same for
        every comparison of as many seeds."""
        return np.random.default_rng([self.seed, n_seeds]).integers(0, n_seeds, size=(self.resamples, n_seeds))


def _side(variant: str, df: pd.DataFrame) -> pd.DataFrame:
    rows = df[df["variant"] == variant]
    if rows.empty:
        there = ", ".join(map(str, dict.fromkeys(df["variant"])))
        raise ClaimError(f"variant '{variant}' has no results here (variants: {there})")
    dup = rows.duplicated(["seed", "task"])
    if dup.any():
        seed, task = rows[dup].iloc[0][["seed", "task"]]
        raise ClaimError(f"variant '{variant}' has two results for seed {seed}, task {task} in the summary; "
                         "rebuild results/summary.csv")
    return rows.set_index(["seed", "task"])[["model", "value"]]


def compare(df: pd.DataFrame, a: str, b: str, boot: Bootstrap) -> dict:
    """a - b over the suite's tasks: the effect (×100, from the summary), its paired bootstrap
    replicates' 95% interval, SE and MDE, and whether both sides are trained (not kind base)."""
    tasks = list(dict.fromkeys(df["task"]))
    sa, sb = _side(a, df), _side(b, df)
    seeds_a, seeds_b = sorted(set(sa.index.get_level_values(0))), sorted(set(sb.index.get_level_values(0)))
    if seeds_a != seeds_b:
        raise ClaimError(f"variants '{a}' and '{b}' have results for other seeds ({seeds_a} and {seeds_b}); a paired "
                         "comparison needs the same seeds of both")
    for v, side in ((a, sa), (b, sb)):
        missing = [(s, t) for s in seeds_a for t in tasks if (s, t) not in side.index]
        if missing:
            raise ClaimError(f"variant '{v}' lacks seed {missing[0][0]}, task {missing[0][1]} in the summary; "
                             "rebuild results/summary.csv")
    diffs = np.zeros((len(seeds_a), boot.resamples))
    per_seed = np.zeros(len(seeds_a))  # each seed's effect on the full evaluation sets
    per_task = {task: np.zeros(boot.resamples) for task in tasks}  # each task's seed-summed replicates
    effect = 0.0
    for i, seed in enumerate(seeds_a):
        for task in tasks:
            (ma, va), (mb, vb) = sa.loc[(seed, task)], sb.loc[(seed, task)]
            for model, value in ((ma, va), (mb, vb)):
                score = boot.score(model, task)
                if abs(score - value) > SCORE_TOLERANCE:
                    raise ClaimError(f"model {model}, task {task}: the items file's score {score:.6f} is not the "
                                     f"summary's {value:.6f} (they come from different evaluations); rerun "
                                     "snakemake to rebuild both")
            diff = boot.replicates(ma, task) - boot.replicates(mb, task)
            diffs[i] += diff
            per_task[task] += diff
            per_seed[i] += va - vb
    effect = per_seed.sum()
    diffs /= len(tasks)
    per_seed /= len(tasks)
    draws = boot.seed_draws(len(seeds_a))
    reps = diffs[draws, np.arange(boot.resamples)[:, None]].mean(axis=1) * 100
    low, high = np.percentile(reps, [2.5, 97.5])
    se = float(reps.std(ddof=1))
    # The SE's two sources, each alone: the evaluation items (every seed kept, items resampled:
    # what the subset sizes control) and the seeds (items kept, seeds resampled: training noise,
    # which only more seeds average out)
    se_items = float((diffs.mean(axis=0) * 100).std(ddof=1))
    se_seeds = float((per_seed[draws].mean(axis=1) * 100).std(ddof=1))
    # se_items² as a sum over tasks (their resamples are independent): each task's term, which
    # falls as 1/size of its subset (benchmarks/eval_power.py sizes the subsets from these)
    items_terms = {task: float(np.var(d / len(seeds_a) * 100, ddof=1)) / len(tasks) ** 2 for task, d in per_task.items()}
    models = set(sa["model"]) | set(sb["model"])
    return {"a": a, "b": b, "effect": effect / (len(seeds_a) * len(tasks)) * 100, "low": float(low),
            "high": float(high), "se": se, "se_items": se_items, "se_seeds": se_seeds, "items_terms": items_terms,
            "mde": MDE_FACTOR * se,
            "seeds": len(seeds_a), "tasks": len(tasks),
            "trained": not any(str(m).startswith("base-") for m in models)}


def directional(c: dict) -> str:
    """The claimed side is above 0."""
    return "holds" if c["low"] > 0 else "fails" if c["high"] < 0 else "inconclusive"


def equivalent(c: dict, tolerance: float) -> str:
    """Equivalence within ±tolerance points."""
    if -tolerance <= c["low"] and c["high"] <= tolerance:
        return "holds"
    return "fails" if c["low"] > tolerance or c["high"] < -tolerance else "inconclusive"


def combine(verdicts: list[str]) -> str:
    if "fails" in verdicts:
        return "fails"
    return "holds" if all(v == "holds" for v in verdicts) else "inconclusive"


def check(claim: dict, summary: pd.DataFrame, costs: pd.DataFrame | None, boot: Bootstrap | None) -> dict:
    """One claim's verdict (holds, fails, inconclusive), its effect, interval, SE and MDE, what
    was compared, and every comparison it made (`comparisons`)."""
    exp = summary[summary["experiment"] == claim["experiment"]]
    if exp.empty:
        raise ClaimError(f"claim {claim['id']}: experiment '{claim['experiment']}' has no results")
    row = {"id": claim["id"], "claim": claim["claim"], "experiment": claim["experiment"],
           "suite": claim.get("suite", "-"), "seeds": int(exp["seed"].nunique())}
    a = claim["a"]
    if claim["kind"] == "cheaper":
        if costs is None:
            raise ClaimError(f"claim {claim['id']}: a cost claim needs the costs table (--costs)")
        c = costs[costs["experiment"] == claim["experiment"]].groupby("variant")["train_examples"].mean()
        for v in (a, claim["than"]):
            if v not in c.index:
                raise ClaimError(f"claim {claim['id']}: variant '{v}' has no training costs "
                                 f"(variants: {', '.join(map(str, c.index))})")
        ratio = float(c[a] / c[claim["than"]])
        return {**row, "compared": f"{a} / {claim['than']} training examples", "effect": ratio, "low": ratio,
                "high": ratio, "se": None, "se_items": None, "se_seeds": None, "mde": None, "tasks": None,
                "verdict": "holds" if ratio <= claim["fraction"] else "fails", "comparisons": []}
    if boot is None:
        raise ClaimError(f"claim {claim['id']}: a score claim needs the per-item results (--eval-dir)")
    df = exp[exp["suite"] == claim["suite"]]
    if df.empty:
        raise ClaimError(f"claim {claim['id']}: experiment '{claim['experiment']}' has no results in suite "
                         f"{claim['suite']} (suites: {', '.join(dict.fromkeys(exp['suite']))})")
    if claim["kind"] == "worst":
        others = [v for v in dict.fromkeys(df["variant"]) if v != a and v not in claim.get("except", [])]
        if a not in set(df["variant"]):
            _side(a, df)  # names the variants there are
        comps = [{**compare(df, b, a, boot), "label": f"{b} - {a}"} for b in others]
        for c in comps:
            c["verdict"] = directional(c)
        note = f" (the closest of {len(others)})"
    else:
        than = claim["than"] if isinstance(claim["than"], list) else [claim["than"]]
        comps = [{**compare(df, a, b, boot), "label": f"{a} - {b}"} for b in than]
        if claim["kind"] == "better":
            for c in comps:
                c["verdict"] = directional(c)
            note = f" (the smallest of {len(than)})" if len(than) > 1 else ""
        else:
            for c in comps:
                c["verdict"] = equivalent(c, claim["tolerance"])
            note = (f" (the farthest of {len(than)})" if len(than) > 1 else "") + f", tolerance ±{claim['tolerance']}"
    if not comps:
        raise ClaimError(f"claim {claim['id']}: no other variant to compare '{a}' with")
    verdict = combine([c["verdict"] for c in comps])
    # the comparison shown: one that decides the verdict, the least favourable to the claim
    deciding = [c for c in comps if c["verdict"] == verdict]
    if claim["kind"] == "close":
        shown = max(deciding, key=lambda c: max(abs(c["low"]), abs(c["high"])))
    else:
        shown = min(deciding, key=lambda c: c["low"])
    return {**row, "compared": shown["label"] + note, "effect": shown["effect"], "low": shown["low"],
            "high": shown["high"], "se": shown["se"], "se_items": shown["se_items"], "se_seeds": shown["se_seeds"],
            "mde": shown["mde"], "tasks": shown["tasks"],
            "verdict": verdict, "comparisons": comps}


def needed(claim: dict, summary: pd.DataFrame) -> list[tuple[str, str]]:
    """The (model, task) pairs a claim's comparisons read items of."""
    if claim["kind"] == "cheaper":
        return []
    df = summary[(summary["experiment"] == claim["experiment"]) & (summary["suite"] == claim.get("suite"))]
    return list(dict.fromkeys(zip(df["model"], df["task"])))


def largest_trained_se(verdicts: list[dict], part: str = "se", suites=None) -> tuple[float, str, str] | None:
    """The largest paired SE (`part`: se, or its evaluation part se_items, or its seed part
    se_seeds) of a Mean(Task) difference between two trained variants (no comparison with a model
    of kind base), over every comparison of the claims (of `suites`, default all)."""
    found = [(c[part], v["id"], c["label"]) for v in verdicts for c in v["comparisons"]
             if c["trained"] and (suites is None or v["suite"] in suites)]
    return max(found) if found else None


def _fmt(value, spec: str = "+.2f") -> str:
    return "–" if value is None else format(value, spec)


def write_report(verdicts: list[dict], prefix: Path, resamples: int, skipped: dict[str, str] | None = None) -> None:
    table = pd.DataFrame([{k: v for k, v in row.items() if k != "comparisons"} for row in verdicts])
    prefix.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(layout.prefixed(prefix, "csv"), index=False, float_format="%.4f")
    lines = ["# The paper's claims, checked on this run's numbers", "",
             "Effect: mean score difference ×100 over seeds and tasks (for `cheaper`: the ratio of training "
             f"examples, deterministic). 95% interval and paired SE: a paired bootstrap ({resamples} resamples) over "
             "each task's evaluation items (the same resampled items for both models) and over seeds; tasks are "
             "not resampled. The SE's two sources, each alone: *items* resamples the evaluation items with every "
             "seed kept (what the evaluation subsets' sizes control), *seeds* resamples the seeds with the items "
             "kept (training noise: only more seeds average it out). "
             "MDE: the smallest effect this run could detect, 2.8 × SE (80% power, α = 0.05). "
             "*holds*: the whole interval is on the claimed side (`close`: inside ±tolerance); *fails*: wholly "
             "on the other side (outside the band); *inconclusive* otherwise.", "",
             "| claim | experiment | suite | compared | effect | 95% interval | paired SE | SE: items | SE: seeds "
             "| MDE | verdict | seeds |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    shown = shown_table(verdicts)
    for row in shown.itertuples(index=False):
        cells = list(row)
        cells[10] = cells[10] if cells[10] == "holds" else f"**{cells[10]}**"
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    counts = {k: sum(v["verdict"] == k for v in verdicts) for k in VERDICTS}
    lines += ["", f"{counts['holds']} of {len(verdicts)} claims hold on these numbers ({counts['fails']} fail, "
              f"{counts['inconclusive']} inconclusive)."]
    lines += ["", "Largest paired SE of a Mean(Task) difference between two trained variants, over every comparison "
              "the claims make (not only the one shown):", ""]
    for suites, label in ((("in_domain", "out_of_domain"), "in- and out-of-domain"), (("new_domain",), "new domain")):
        for part, name in (("se", "all"), ("se_items", "items"), ("se_seeds", "seeds")):
            largest = largest_trained_se(verdicts, part, suites)
            if largest:
                lines.append(f"- {label}, {name}: {largest[0]:.2f} points (claim {largest[1]}, {largest[2]})")
    if not largest_trained_se(verdicts):
        lines.append("- no claim compares two trained variants.")
    if skipped:
        lines += ["", "Not checked on this config:", ""] + [f"- {line}" for line in skipped.values()]
    Path(layout.prefixed(prefix, "md")).write_text("\n".join(lines) + "\n")
    caption = lines[2]
    Path(layout.prefixed(prefix, "html")).write_text(tables.html_page("The paper's claims, checked on this run's numbers", [
        tables.html_table(shown.set_index("claim"), caption),
        "<p>" + html.escape(f"{counts['holds']} of {len(verdicts)} claims hold on these numbers ({counts['fails']} "
                            f"fail, {counts['inconclusive']} inconclusive).") + "</p>",
        *(["<p>Not checked on this config:</p><ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in skipped.values())
           + "</ul>"] if skipped else []),
    ]))


def shown_table(verdicts: list[dict]) -> pd.DataFrame:
    """The claims as printed: effect in points (a cost claim: its ratio), interval, SEs, verdict."""
    rows = []
    for v in verdicts:
        scored = v["se"] is not None
        rows.append({"claim": v["claim"], "experiment": v["experiment"], "suite": v["suite"], "compared": v["compared"],
                     "effect": f"{v['effect']:+.2f}" if scored else f"ratio {v['effect']:.2f}",
                     "95% interval": f"[{v['low']:+.2f}, {v['high']:+.2f}]" if scored else "–",
                     "paired SE": _fmt(v["se"], ".2f"), "SE: items": _fmt(v["se_items"], ".2f"),
                     "SE: seeds": _fmt(v["se_seeds"], ".2f"), "MDE": _fmt(v["mde"], ".2f"),
                     "verdict": v["verdict"], "seeds": v["seeds"]})
    return pd.DataFrame(rows)


VERDICT_COLOURS = {"holds": "tab:green", "fails": "tab:red", "inconclusive": "0.5"}


def write_figure(verdicts: list[dict], claims: list[dict], prefix: Path, resamples: int) -> None:
    """A forest plot of every score claim: its effect (points) and paired 95% interval, zero
    marked, the ±tolerance band of a `close` claim shaded, the verdict in colour and in words.
    Cost claims (a ratio, not points) are listed under the plot. `<prefix>.{png,pdf}`."""
    plt = pyplot()

    tolerance = {c["id"]: c.get("tolerance") for c in claims if c["kind"] == "close"}
    scored = [v for v in verdicts if v["se"] is not None]
    ratios = [v for v in verdicts if v["se"] is None]
    fig, ax = plt.subplots(figsize=(9.5, 0.42 * len(scored) + 1.9 + 0.18 * len(ratios)), layout="constrained")
    ys = list(range(len(scored)))[::-1]
    for y, v in zip(ys, scored):
        tol = tolerance.get(v["id"])
        if tol:
            ax.fill_betweenx([y - 0.35, y + 0.35], -tol, tol, color="tab:green", alpha=0.12, lw=0)
        colour = VERDICT_COLOURS[v["verdict"]]
        ax.errorbar(v["effect"], y, xerr=[[v["effect"] - v["low"]], [v["high"] - v["effect"]]], fmt="o",
                    color=colour, capsize=3, ms=5, lw=1.4)
        ax.annotate(v["verdict"], (1.01, y), xycoords=("axes fraction", "data"), va="center", fontsize=8,
                    color=colour)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(ys, [f"{v['claim'][:70]}{'…' if len(v['claim']) > 70 else ''}\n{v['compared'].split(' (')[0]}, "
                       f"{tables.SUITE_LABEL.get(v['suite'], v['suite'])}" for v in scored], fontsize=7)
    ax.set_ylim(-0.6, len(scored) - 0.4)
    ax.grid(axis="x", lw=0.3, alpha=0.5)
    ax.set_xlabel("effect: difference in Mean(Task), points (×100)", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    note = (f"Bars: paired 95% bootstrap interval ({resamples} resamples over evaluation items and seeds); "
            "shaded: a `close` claim's ±tolerance band.")
    if ratios:
        note += " Cost: " + "; ".join(f"{v['claim']}: ratio {v['effect']:.2f} ({v['verdict']})" for v in ratios)
    fig.suptitle("\n".join(["The paper's claims on this run's numbers", *textwrap.wrap(note, 140)]), fontsize=8,
                 x=0.01, ha="left")
    for ext in ("png", "pdf"):
        save_figure(fig, layout.prefixed(prefix, ext))
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", required=True, type=Path)
    parser.add_argument("--summary", required=True, type=Path)
    parser.add_argument("--costs", type=Path)
    parser.add_argument("--eval-dir", required=True, type=Path,
                        help="folder of the evaluation results: <model>/<task>.items.json per model and task")
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--record", type=Path, help="the record of what the claims are computed from "
                        "(boom/records.py): its digest goes into their provenance")
    parser.add_argument("--out", required=True, type=Path, help="output prefix (.md, .csv)")
    args = parser.parse_args(argv)
    claims = load_claims(args.claims)
    summary = pd.read_csv(args.summary)
    costs = pd.read_csv(args.costs) if args.costs else None
    present = set(summary["experiment"])
    claims = [c for c in claims if c["experiment"] in present]
    skipped = unanswerable(claims, {e: list(dict.fromkeys(g["variant"])) for e, g in summary.groupby("experiment")})
    for line in skipped.values():
        print(line, file=sys.stderr)
    claims = [c for c in claims if c["id"] not in skipped]
    boot = Bootstrap(args.eval_dir, args.resamples)
    boot.precompute(pair for c in claims for pair in needed(c, summary))
    verdicts = [check(c, summary, costs, boot) for c in claims]
    write_report(verdicts, args.out, args.resamples, skipped)
    write_figure(verdicts, claims, args.out, args.resamples)
    write_json(Path(layout.prefixed(args.out, "provenance.json")), record(claims=claims, summary=str(args.summary),
                                                           eval_dir=str(args.eval_dir), resamples=args.resamples,
                                                           seed=SEED,
                                                           record=read_digest(args.record) if args.record else None))
    held = sum(v["verdict"] == "holds" for v in verdicts)
    print(f"{held} of {len(verdicts)} claims hold; wrote {args.out}.md")


if __name__ == "__main__":
    main()
