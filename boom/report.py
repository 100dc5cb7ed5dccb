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
import json
from pathlib import Path

import pandas as pd

from boom import layout
from boom.io import write_json
from boom.provenance import record
from boom.records import read_digest
from boom.stage import json_arg

COLUMNS = ["experiment", "variant", "model", "seed", "suite", "task", "task_type", "metric", "value"]
SUITE_LABEL = {"in_domain": "ID", "out_of_domain": "OOD", "new_domain": "New"}


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


def _formatted(table: pd.DataFrame) -> pd.DataFrame:
    """`mean ± std` cells (scores ×100, as the paper prints them) when there is more than one seed."""
    value_cols = [c for c in table.columns if not c.endswith(" std") and f"{c} std" in table.columns]
    out = pd.DataFrame(index=table.index)
    for c in value_cols:
        std = table[f"{c} std"]
        out[c] = [f"{m * 100:.2f}" + (f" ± {s * 100:.2f}" if pd.notna(s) else "") for m, s in zip(table[c], std)]
    return out


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


def _compact(table: pd.DataFrame) -> pd.DataFrame:
    """The printed table: per suite, each task type's mean, Mean(Task), Mean(TaskType), and the
    cost columns; per-task scores stay in the CSV."""
    keep = [c for c in table.columns if c.split(" ")[0] in SUITE_LABEL.values() and not c.endswith(" std")]
    return table[["seeds"] + keep + [f"{c} std" for c in keep]]


def write_experiment(summary: pd.DataFrame, experiment: str, prefix: Path, costs: pd.DataFrame | None = None,
                     reference: str | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = experiment_table(summary, experiment)
    if costs is not None and not costs.empty:
        table = with_costs(table, costs, reference)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(layout.prefixed(prefix, "csv"), float_format="%.6f")
    shown = _formatted(_compact(table))
    for column, fmt in (("train examples", "{:.0f}"), ("train steps", "{:.0f}"), ("examples seen", "{:.0f}"),
                        ("relative cost", "×{:.2f}")):
        if column in table:
            shown[column] = [fmt.format(v) if pd.notna(v) else "-" for v in table[column]]
    caption = (f"{experiment}: main score ×100 per task type, Mean(Task) and Mean(TaskType) per suite (mean over "
               f"{int(table['seeds'].max())} seed(s)"
               f"{', ± std' if table['seeds'].max() > 1 else ''}); ID = in-domain, OOD = out-of-domain, "
               "New = new domain" + ("; training cost: examples trained on by every model the variant needs, "
                                     "their optimizer steps and the examples run through the loss (repeats "
                                     "included)"
                                     + (f", relative to {reference}" if "relative cost" in table else "")
                                     if "train examples" in table else "") + ". Per-task scores: the CSV.")
    Path(layout.prefixed(prefix, "md")).write_text(f"{caption}\n\n{shown.to_markdown()}\n")
    Path(layout.prefixed(prefix, "tex")).write_text(shown.to_latex(caption=caption, label=f"tab:{experiment}"))

    _figure(summary[summary["experiment"] == experiment], experiment, table["seeds"].max(), prefix, plt)


def _figure(df: pd.DataFrame, experiment: str, seeds: int, prefix: Path, plt) -> None:
    """One panel per suite: bars per variant for each task type's mean, Mean(TaskType) and
    Mean(Task); error bars are the std over seeds."""
    suites = [s for s in SUITE_LABEL if s in set(df["suite"])]
    variants = list(dict.fromkeys(df["variant"]))
    fig, axes = plt.subplots(1, len(suites), figsize=(5.5 * len(suites), 3.8), squeeze=False)
    for ax, suite in zip(axes[0], suites):
        sdf = df[df["suite"] == suite]
        per_seed = sdf.groupby(["variant", "seed", "task_type"])["value"].mean().unstack("task_type")
        per_seed["Mean(TaskType)"] = per_seed.mean(axis=1)
        per_seed["Mean(Task)"] = sdf.groupby(["variant", "seed"])["value"].mean()
        mean = per_seed.groupby(level="variant").mean().loc[variants] * 100
        std = per_seed.groupby(level="variant").std(ddof=1).loc[variants].fillna(0) * 100
        cols = list(mean.columns)
        width = 0.8 / len(variants)
        for i, variant in enumerate(variants):
            xs = [j + i * width for j in range(len(cols))]
            ax.bar(xs, mean.loc[variant], width, yerr=std.loc[variant] if seeds > 1 else None, label=variant, capsize=2)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(cols))], cols, rotation=25, ha="right", fontsize=8)
        ax.set_title(f"{SUITE_LABEL[suite]} ({sdf['task'].nunique()} tasks)", fontsize=10)
        ax.set_ylabel("main score ×100")
        lo = max(0.0, float(mean.min().min()) - 10)
        ax.set_ylim(lo, min(100.0, float(mean.max().max()) + 5))
    axes[0][0].legend(fontsize=8, ncols=min(len(variants), 6), loc="lower left", bbox_to_anchor=(0, 1.1))
    fig.suptitle(f"{experiment} (mean over {seeds} seed{'s' if seeds > 1 else ''})", fontsize=11, y=0.99)
    fig.tight_layout()
    for ext in ("png", "pdf"):
        save_figure(fig, layout.prefixed(prefix, ext))
    plt.close(fig)


def write_loss_figure(losses: pd.DataFrame, experiment: str, figures: Path) -> None:
    """Small multiples, one panel per variant that trains: the training loss of each of its
    models over optimizer steps (one line per model and seed; a merge of bags draws each bag's
    model), with the moving average over 10 steps in bold: `<figures>/<experiment>_loss.{png,pdf}`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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


def save_figure(fig, path: str) -> None:
    """Save a figure so that the same figure gives the same bytes (no creation date in a PDF): a
    rerun that changes nothing leaves the committed files as they are."""
    metadata = {"CreationDate": None} if path.endswith(".pdf") else None
    fig.savefig(path, dpi=150, metadata=metadata)


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
    e.add_argument("--reference", help="the variant whose training cost is 1")
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
        write_experiment(summary, args.experiment, args.out_prefix, costs, args.reference)
        if args.losses:
            write_loss_figure(pd.read_csv(args.losses), args.experiment, args.out_prefix.parent)
        write_json(Path(layout.prefixed(args.out_prefix, "provenance.json")), record(
            experiment=args.experiment, config=args.config_json,
            models=sorted(set(summary.loc[summary["experiment"] == args.experiment, "model"])), record=computed_from,
        ))
        print(f"wrote {args.out_prefix}.{{csv,md,tex,png,pdf}}")


if __name__ == "__main__":
    main()
