"""The tidy results table and the paper's tables and figures, all views of it.

    python -m boom.report summary --variants '<json>' --tasks '<json>' --eval-dir results/eval \
        --out results/summary.csv
    python -m boom.report experiment --summary results/summary.csv --experiment slice \
        --out-prefix paper_figures/slice

summary.csv has one row per (experiment, variant, seed, task): experiment, variant, model, seed,
suite, task, task_type, metric, value. Scores aggregate as the paper reports them: Mean(Task) and
Mean(TaskType), per suite.
"""

from __future__ import annotations

import argparse
import html
import json
import textwrap
from pathlib import Path

import pandas as pd

from boom import layout, tables
from boom.claims import Bootstrap
from boom.differences import COLUMNS as DIFF_COLUMNS
from boom.differences import differences
from boom.io import pyplot, save_figure, write_json
from boom.provenance import record
from boom.records import read_digest
from boom.stage import json_arg

COLUMNS = ["experiment", "variant", "model", "seed", "suite", "task", "task_type", "metric", "value"]
SUITE_LABEL = tables.SUITE_LABEL


def read_score(path: Path) -> float:
    """The main score of an mteb TaskResult JSON (read through mteb, which validates its shape)."""
    from mteb.results import TaskResult

    if not path.is_file():
        raise FileNotFoundError(f"evaluation result {path} is missing: rerun snakemake to evaluate it")
    return float(TaskResult.from_disk(path).get_score())


def summarize(variants: list[dict], tasks: dict[str, dict], eval_dir: Path) -> pd.DataFrame:
    """`tasks`: task name -> {role, task_type, main_score} (boom.data.sources.task_info)."""
    rows = []
    for v in variants:
        for task, info in tasks.items():
            rows.append({
                "experiment": v["experiment"], "variant": v["variant"], "model": v["model"], "seed": v["seed"],
                "suite": info["role"], "task": task, "task_type": info["task_type"],
                "metric": info["main_score"], "value": read_score(Path(layout.task_file(eval_dir / v["model"], task))),
            })
    return pd.DataFrame(rows, columns=COLUMNS)


def training_costs(variants: list[dict], models_dir: Path) -> pd.DataFrame:
    """Per variant and seed: the examples, optimizer steps, examples run through the loss (repeats
    included: two_stage sees its first stage twice), tokens and wall seconds of training every
    model it needs (`trained`: the train models of its recipe tree; a continued model's own run
    only), and the smallest step count among those models."""
    rows = []
    for v in variants:
        costs = [json.loads(Path(layout.model_cost_file(models_dir.parent, mid)).read_text()) for mid in v["trained"]]
        rows.append({"experiment": v["experiment"], "variant": v["variant"], "seed": v["seed"], "model": v["model"],
                     "models_trained": len(costs), "train_examples": sum(c["examples"] for c in costs),
                     "train_steps": sum(c["steps"] for c in costs),
                     "min_model_steps": min((c["steps"] for c in costs), default=0),
                     "examples_seen": sum(c.get("examples_seen", c["examples"]) for c in costs),
                     "train_tokens": sum(c["tokens"] for c in costs),
                     "train_seconds": round(sum(c["wall_seconds"] for c in costs), 3)})
    return pd.DataFrame(rows)


LOSS_COLUMNS = ["experiment", "variant", "seed", "model", "step", "loss", "learning_rate"]


def loss_curves(variants: list[dict], models_dir: Path) -> pd.DataFrame:
    """Per variant and seed, the loss curve of every model it trains (`trained`), from each
    model's cost.json: one row per optimizer step."""
    rows = []
    for v in variants:
        for mid in v["trained"]:
            cost = json.loads(Path(layout.model_cost_file(models_dir.parent, mid)).read_text())
            rows += [{"experiment": v["experiment"], "variant": v["variant"], "seed": v["seed"], "model": mid,
                      "step": step, "loss": loss, "learning_rate": lr} for step, loss, lr in cost.get("loss_curve", [])]
    return pd.DataFrame(rows, columns=LOSS_COLUMNS)


def experiment_table(summary: pd.DataFrame, experiment: str) -> pd.DataFrame:
    """Rows: variants (config order); columns: each task's main score, then per suite Mean(Task)
    and Mean(TaskType), then overall; each as `<col>` (mean over seeds) and `<col> std`."""
    df = summary[summary["experiment"] == experiment]
    if df.empty:
        raise ValueError(f"summary has no rows for experiment '{experiment}'")
    order = list(dict.fromkeys(df["variant"]))
    tasks = list(dict.fromkeys(df["task"]))
    suites = [s for s in SUITE_LABEL if s in set(df["suite"])]
    per_seed = {}
    for (variant, seed), g in df.groupby(["variant", "seed"], sort=False):
        row = dict(zip(g["task"], g["value"]))
        for label, sg in [(SUITE_LABEL[s], g[g["suite"] == s]) for s in suites] + [("All", g)]:
            by_type = sg.groupby("task_type", sort=False)["value"].mean()
            if label != "All":
                row.update({f"{label} {t}": v for t, v in by_type.items()})
            row[f"{label} Mean(Task)"] = sg["value"].mean()
            row[f"{label} Mean(TaskType)"] = by_type.mean()
        per_seed[(variant, seed)] = row
    wide = pd.DataFrame.from_dict(per_seed, orient="index")
    wide = wide[tasks + [c for c in wide.columns if c not in tasks]]
    wide.index = wide.index.set_names(["variant", "seed"])
    grouped = wide.groupby(level="variant", sort=False)
    mean, std = grouped.mean(), grouped.std(ddof=1)
    table = pd.concat([mean, std.add_suffix(" std")], axis=1).loc[order]
    table.insert(0, "seeds", grouped.size().loc[order])
    return table


def with_costs(table: pd.DataFrame, costs: pd.DataFrame, reference: str | None) -> pd.DataFrame:
    """Add each variant's training cost: examples trained on (over every model its recipe needs;
    mean over seeds) and, where the experiment has `reference`, the ratio to it."""
    examples = costs.groupby("variant")["train_examples"].mean()
    table = table.copy()
    table["train examples"] = examples.reindex(table.index)
    for column, label in (("train_steps", "train steps"), ("examples_seen", "examples seen")):
        if column in costs:
            table[label] = costs.groupby("variant")[column].mean().reindex(table.index)
    if reference in examples.index and examples[reference] > 0:
        table["relative cost"] = table["train examples"] / examples[reference]
    return table


def write_experiment(summary: pd.DataFrame, experiment: str, prefix: Path, costs: pd.DataFrame | None = None,
                     reference: str | None = None, boot=None, notes: list[str] | None = None,
                     description: str = "", provenance: dict | None = None) -> pd.DataFrame:
    """The experiment's CSV (every task, the differences from `reference`), its main and wide
    tables (md, tex, html) and its figure (png, pdf); the differences, returned. `boot`: the
    claims' bootstrap over the per-item results (boom.claims.Bootstrap), for the intervals."""
    plt = pyplot()

    table = experiment_table(summary, experiment)
    if costs is not None and not costs.empty:
        table = with_costs(table, costs, reference)
    diffs = differences(summary, experiment, reference, boot) if reference else pd.DataFrame(columns=DIFF_COLUMNS)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    _with_differences(table, diffs, reference).to_csv(layout.prefixed(prefix, "csv"), float_format="%.6f")

    seeds = int(table["seeds"].max())
    spread = f"mean over {seeds} seed{'s' if seeds > 1 else ''}" + (" ± std" if seeds > 1 else "")
    has_diffs = not diffs.empty
    main_caption = (f"{experiment}: Mean(Task) ×100 per suite ({spread})"
                    + (f"; vs {reference}: the difference in points, [its paired 95% bootstrap interval over "
                       "evaluation items and seeds]" if has_diffs else "")
                    + ("; train steps: optimizer steps of every model the variant needs" if "train steps" in table
                       else "")
                    + (f"; relative cost: training examples relative to {reference}" if "relative cost" in table
                       else "")
                    + ". ID = in-domain, OOD = out-of-domain, New = new domain.")
    wide_caption = (f"{experiment}, per task type: main score ×100 ({spread}), Mean(Task) and Mean(TaskType) "
                    "per suite; training cost: examples trained on by every model the variant needs, their "
                    "optimizer steps and the examples run through the loss (repeats included). Per-task scores: "
                    "the CSV.")
    main, wide = tables.main_table(table, diffs, reference), tables.wide_table(table)
    notes = list(notes or [])
    note_md = "".join(f"- {n}\n" for n in notes)
    Path(layout.prefixed(prefix, "md")).write_text(
        f"{main_caption}\n\n{tables.markdown(main)}\n\n" + (f"{note_md}\n" if notes else "")
        + f"{wide_caption}\n\n{tables.markdown(wide)}\n")
    Path(layout.prefixed(prefix, "tex")).write_text(
        tables.latex(main, main_caption + (" " + " ".join(notes) if notes else ""), f"tab:{experiment}")
        + "\n" + tables.latex(tables.wide_table(table, with_std=False),
                               wide_caption.replace(f"({spread})", f"(mean over {seeds} seeds; the std: the .md and .csv)"
                                                    if seeds > 1 else f"({spread})"),
                               f"tab:{experiment}-types", wide=True))
    Path(layout.prefixed(prefix, "html")).write_text(tables.html_page(experiment, [
        f"<p>{html.escape(description)}</p>" if description else "",
        tables.html_table(main, main_caption),
        "".join(f"<p>{html.escape(n)}</p>" for n in notes),
        tables.html_table(wide, wide_caption),
        _provenance_panel(provenance or {}, experiment),
    ]))
    _figure(summary[summary["experiment"] == experiment], experiment, seeds, prefix, plt, diffs, reference)
    return diffs


def _with_differences(table: pd.DataFrame, diffs: pd.DataFrame, reference: str | None) -> pd.DataFrame:
    """The numeric table with, per suite, `<S> vs <reference>`, its low and high (points)."""
    out = table.copy()
    for suite, label in SUITE_LABEL.items():
        d = diffs[diffs["suite"] == suite].set_index("variant")
        if d.empty:
            continue
        for column, name in (("effect", ""), ("low", " low"), ("high", " high")):
            out[f"{label} vs {reference}{name}"] = d[column].reindex(out.index).astype(float)
    return out


def _provenance_panel(prov: dict, experiment: str) -> str:
    """What made the tables, for the report: commit, versions, seeds, data, models, the command."""
    if not prov:
        return ""
    rows = [("rebuild", f"snakemake --cores all {experiment}"), ("commit", prov.get("git_commit", "?")),
            ("seeds", ", ".join(map(str, prov.get("seeds", [])))),
            ("data mirror", f"MANIFEST.tsv sha256 {prov.get('manifest_sha256', '?')}"),
            ("python", prov.get("python", "?")),
            ("packages", ", ".join(f"{k} {v}" for k, v in prov.get("versions", {}).items() if v))]
    rows += [(f"training set {name}", sha) for name, sha in sorted(prov.get("data", {}).items())]
    rows += [("models", ", ".join(prov.get("models", [])))]
    body = "".join(f"<tr><td>{html.escape(k)}</td><td style='text-align:left;white-space:normal'>"
                   f"{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<details open><summary>Provenance</summary><table><tbody>{body}</tbody></table></details>"


def _figure(df: pd.DataFrame, experiment: str, seeds: int, prefix: Path, plt, diffs: pd.DataFrame,
            reference: str | None) -> None:
    """Per suite, the differences from the reference with their paired 95% intervals (top row,
    where the experiment has a reference) and bars per variant of each task type's mean,
    Mean(TaskType) and Mean(Task) with the std over seeds (bottom row)."""
    suites = [s for s in SUITE_LABEL if s in set(df["suite"])]
    variants = list(dict.fromkeys(df["variant"]))
    columns = {s: _bar_columns(df[df["suite"] == s]) for s in suites}
    top = not diffs.empty
    controls = {v for v, m in zip(df["variant"], df["model"]) if str(m).startswith("base-")}
    heights = ([0.32 * len(variants) + 1.0] if top else []) + [3.0]
    fig = plt.figure(figsize=(max(7.0, 0.75 * sum(len(c) for c in columns.values()) + 2.5), sum(heights) + 1.3),
                     layout="constrained")
    grid = fig.add_gridspec(len(heights), len(suites), height_ratios=heights,
                            width_ratios=[max(3, len(columns[s])) for s in suites])
    if top:
        first = None
        for i, suite in enumerate(suites):
            ax = fig.add_subplot(grid[0, i], sharey=first)
            first = first or ax
            _difference_panel(ax, diffs[diffs["suite"] == suite], [v for v in variants if v != reference], controls,
                              f"{SUITE_LABEL[suite]}: Mean(Task) difference")
            ax.tick_params(axis="y", labelleft=i == 0)
    for i, suite in enumerate(suites):
        ax = fig.add_subplot(grid[len(heights) - 1, i])
        _bar_panel(ax, df[df["suite"] == suite], variants, columns[suite], seeds, SUITE_LABEL[suite])
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, ncols=min(len(variants), 7), loc="outside lower center", frameon=False)
    what = ("top: the difference from " + reference + " in points, bars its paired 95% bootstrap interval over "
            "evaluation items and seeds (filled: excludes 0); bottom: " if top else "")
    legend = f"{what}main score ×100" + (f", error bars the std over {seeds} seeds" if seeds > 1 else "")
    # wrapped to the figure's width (about 15 characters an inch at this size): a narrow figure
    # (few task types) would clip it at both sides
    fig.suptitle(f"{experiment} (mean over {seeds} seed{'s' if seeds > 1 else ''})\n"
                 + textwrap.fill(legend, width=int(15 * fig.get_figwidth())), fontsize=9)
    for ext in ("png", "pdf"):
        save_figure(fig, layout.prefixed(prefix, ext))
    plt.close(fig)


def _bar_columns(sdf: pd.DataFrame) -> list[str]:
    """The bar groups of a suite: its task types, Mean(TaskType), Mean(Task); only Mean(Task) for
    a suite of one task type (the three would be one number drawn three times)."""
    types = list(dict.fromkeys(sdf["task_type"]))
    return ["Mean(Task)"] if len(types) == 1 else [*sorted(types), "Mean(TaskType)", "Mean(Task)"]


def _bar_panel(ax, sdf: pd.DataFrame, variants: list[str], cols: list[str], seeds: int, label: str) -> None:
    per_seed = sdf.groupby(["variant", "seed", "task_type"])["value"].mean().unstack("task_type")
    per_seed["Mean(TaskType)"] = per_seed.mean(axis=1)
    per_seed["Mean(Task)"] = sdf.groupby(["variant", "seed"])["value"].mean()
    mean = per_seed.groupby(level="variant").mean().loc[variants, cols] * 100
    std = per_seed.groupby(level="variant").std(ddof=1).loc[variants, cols].fillna(0) * 100
    width = 0.8 / len(variants)
    for i, variant in enumerate(variants):
        xs = [j + i * width for j in range(len(cols))]
        ax.bar(xs, mean.loc[variant], width, yerr=std.loc[variant] if seeds > 1 else None, label=variant, capsize=1.5,
               error_kw={"lw": 0.7})
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(cols))], cols, rotation=20, ha="right", fontsize=7)
    ax.set_title(f"{label} ({sdf['task'].nunique()} task{'s' if sdf['task'].nunique() > 1 else ''})", fontsize=9)
    ax.set_ylabel("main score ×100", fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    lo = max(0.0, float(mean.min().min()) - 10)
    ax.set_ylim(lo, min(100.0, float(mean.max().max()) + 5))


def _difference_panel(ax, d: pd.DataFrame, variants: list[str], controls: set[str], title: str) -> None:
    """Each variant's difference with its interval, one row each; the x range is the trained
    variants': an untrained control (the base model) beyond it is drawn at the edge, its value
    written beside it."""
    d = d.set_index("variant").reindex(variants)
    ys = list(range(len(variants)))[::-1]
    shown = d.drop(index=[v for v in variants if v in controls], errors="ignore")
    ends = pd.concat([shown["effect"], shown["low"], shown["high"]]).dropna()
    lo, hi = (min(0.0, ends.min()), max(0.0, ends.max())) if not ends.empty else (-1.0, 1.0)
    pad = 0.08 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad
    for y, (variant, row) in zip(ys, d.iterrows()):
        if pd.isna(row["effect"]):
            continue
        if variant in controls and not lo <= row["effect"] <= hi:
            edge = lo if row["effect"] < lo else hi
            ax.plot(edge, y, "<" if edge == lo else ">", color="0.3", ms=5, clip_on=False)
            ax.annotate(f"{row['effect']:+.1f}", (edge, y), xytext=(6 if edge == lo else -6, 0),
                        textcoords="offset points", ha="left" if edge == lo else "right", va="center", fontsize=7)
            continue
        has_interval = pd.notna(row["low"])
        excludes = has_interval and (row["low"] > 0 or row["high"] < 0)
        colour = "tab:blue" if excludes else "0.45"
        if has_interval:
            ax.errorbar(row["effect"], y, xerr=[[row["effect"] - row["low"]], [row["high"] - row["effect"]]],
                        fmt="o", mfc=colour if excludes else "white", color=colour, capsize=2, ms=4, lw=1)
        else:
            ax.plot(row["effect"], y, "x", color=colour)
    ax.set_xlim(lo, hi)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(ys, variants, fontsize=7)
    ax.set_ylim(-0.6, len(variants) - 0.4)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("points (×100)", fontsize=8)
    ax.grid(axis="x", lw=0.3, alpha=0.5)


def write_loss_figure(losses: pd.DataFrame, experiment: str, figures: Path) -> None:
    """Small multiples, one panel per variant that trains: the training loss of each of its
    models over optimizer steps (one line per model and seed; a merge of bags draws each bag's
    model), with the moving average over 10 steps in bold: `<figures>/<experiment>_loss.{png,pdf}`."""
    plt = pyplot()

    variants = list(dict.fromkeys(losses["variant"]))
    cols = min(4, max(1, len(variants)))
    rows = max(1, -(-len(variants) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.5 * rows + 0.6), squeeze=False, sharey=True)
    for ax in axes.flat[len(variants):]:
        ax.axis("off")
    if not variants:
        axes[0][0].text(0.5, 0.5, "no variant of this experiment trains a model", ha="center", va="center")
    for ax, variant in zip(axes.flat, variants):
        v = losses[losses["variant"] == variant]
        models = list(dict.fromkeys(v["model"]))
        for mid in models:
            m = v[v["model"] == mid].sort_values("step")
            ax.plot(m["step"], m["loss"], lw=0.5, alpha=0.35, color="tab:blue")
            ax.plot(m["step"], m["loss"].rolling(10, min_periods=1).mean(), lw=1.2, color="tab:blue")
        seeds = v["seed"].nunique()
        ax.set_title(f"{variant} ({len(models)} model{'s' if len(models) > 1 else ''}, {seeds} seed{'s' if seeds > 1 else ''})",
                     fontsize=9)
        ax.set_xlabel("optimizer step", fontsize=8)
        ax.tick_params(labelsize=7)
    for row in axes:
        row[0].set_ylabel("training loss", fontsize=8)
    fig.suptitle(f"{experiment}: training loss per step (thin: each step; bold: mean of the last 10 steps)",
                 fontsize=10)
    fig.tight_layout()
    for ext in ("png", "pdf"):
        save_figure(fig, layout.loss_figure(figures, experiment, ext))
    plt.close(fig)


def write_table(df: pd.DataFrame, out: Path) -> None:
    """A tidy table as CSV, written beside its place and renamed into it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    df.to_csv(tmp, index=False, float_format="%.8f")
    tmp.replace(out)


def _manifest_sha256(config: dict) -> str | None:
    """The sha256 of the data mirror's MANIFEST.tsv (which pins every file's own), if there is one."""
    from boom.data.manifest import resolve_root, sha256_of

    root = config.get("data", {}).get("root")
    path = resolve_root(root) / "MANIFEST.tsv" if root else None
    return sha256_of(path) if path is not None and path.is_file() else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("summary", help="collect every evaluation into the tidy results table")
    s.add_argument("--variants", required=True, type=json_arg("--variants", list), help="JSON list of {experiment, variant, seed, model}")
    s.add_argument("--tasks", required=True, type=json_arg("--tasks"), help="JSON of task name -> {role, task_type, main_score}")
    s.add_argument("--eval-dir", required=True, type=Path)
    s.add_argument("--out", required=True, type=Path)
    c = sub.add_parser("concat", help="concatenate per-experiment summaries into one")
    c.add_argument("--inputs", nargs="+", required=True, type=Path)
    c.add_argument("--out", required=True, type=Path)
    c.add_argument("--columns", choices=["summary", "costs"], default="summary", help="which table is concatenated")
    k = sub.add_parser("costs", help="each variant's training cost, from its models' cost.json")
    k.add_argument("--variants", required=True, type=json_arg("--variants", list), help="JSON list of {experiment, variant, seed, model, trained}")
    k.add_argument("--models-dir", required=True, type=Path)
    k.add_argument("--out", required=True, type=Path)
    k.add_argument("--losses-out", type=Path, help="where to write the trained models' loss curves (csv)")
    e = sub.add_parser("experiment", help="one experiment's table (csv, md, tex) and figure (png, pdf)")
    e.add_argument("--summary", required=True, type=Path)
    e.add_argument("--costs", type=Path, help="the experiment's costs table")
    e.add_argument("--losses", type=Path, help="the experiment's loss curves (drawn as <prefix>_loss.png)")
    e.add_argument("--reference", help="the variant the others are compared with (differences, relative cost)")
    e.add_argument("--eval-dir", type=Path, help="the evaluation results with their per-item records: the "
                   "differences' paired intervals (without it, differences only)")
    e.add_argument("--notes", type=json_arg("--notes", list), default=[],
                   help="JSON list of notes printed under the main table (the same model under other names)")
    e.add_argument("--data", type=json_arg("--data"), default={},
                   help="JSON of training set -> the sha256 of its sources, for the provenance panel")
    e.add_argument("--experiment", required=True)
    e.add_argument("--out-prefix", required=True, type=Path)
    e.add_argument("--config-json", required=True, type=json_arg("--config-json"), help="the resolved configuration, recorded beside the outputs")
    for p in (s, c, k, e):
        p.add_argument("--record", type=Path, help="the record of what the outputs are computed from "
                       "(boom/records.py): its digest goes into their provenance")
    args = parser.parse_args(argv)
    computed_from = read_digest(args.record) if args.record else None

    if args.command in ("summary", "concat", "costs"):
        if args.command == "summary":
            df = summarize(args.variants, args.tasks, args.eval_dir)
        elif args.command == "costs":
            df = training_costs(args.variants, args.models_dir)
            if args.losses_out:
                write_table(loss_curves(args.variants, args.models_dir), args.losses_out)
        else:
            df = pd.concat([pd.read_csv(p) for p in args.inputs], ignore_index=True)
            df = df[COLUMNS] if args.columns == "summary" else df
        write_table(df, args.out)
        write_json(Path(layout.provenance_file(str(args.out))), record(table=args.command, rows=len(df), record=computed_from))
        print(f"{len(df)} rows written to {args.out}")
    else:
        summary = pd.read_csv(args.summary)
        costs = pd.read_csv(args.costs) if args.costs else None
        boot = Bootstrap(args.eval_dir) if args.eval_dir else None
        prov = record(experiment=args.experiment, config=args.config_json,
                      models=sorted(set(summary.loc[summary["experiment"] == args.experiment, "model"])),
                      seeds=sorted(int(x) for x in set(summary["seed"])), data=args.data,
                      manifest_sha256=_manifest_sha256(args.config_json), record=computed_from)
        spec = args.config_json.get("experiments", {}).get(args.experiment, {})
        write_experiment(summary, args.experiment, args.out_prefix, costs, args.reference, boot, args.notes,
                         spec.get("description", ""), prov)
        if args.losses:
            # the figures folder: the prefix less the experiment's name (a sweep's has a folder in it)
            figures = Path(str(args.out_prefix).removesuffix(args.experiment).rstrip('/') or '.')
            write_loss_figure(pd.read_csv(args.losses), args.experiment, figures)
        write_json(Path(layout.prefixed(args.out_prefix, "provenance.json")), prov)
        print(f"wrote {args.out_prefix}.{{{','.join(layout.FIGURE_EXTS)}}}")


if __name__ == "__main__":
    main()
