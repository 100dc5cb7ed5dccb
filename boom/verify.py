"""The reviewer's check: recompute a sample of the committed results and report any that differ.

    snakemake --cores all verify

The sample (`sample`) is, from the committed results/summary.csv and costs.csv, the base model
and the cheapest trained and merged models that score differently from the base (a model equal
to its base checks nothing): it exercises building, training, merging and evaluation, and a checkout without model weights (a fresh clone) rebuilds them from their
recipes first. Each is evaluated again, without the mteb result cache, into results/verify/, and
every score of every task is compared with the committed TaskResult JSON (`compare`).

    python -m boom.verify --models base-... train-... --committed results/eval \
        --recomputed results/verify --out-prefix paper_figures/verify

A whole rerun of `paper` into a folder of its own, every score compared with the committed run:

    snakemake --cores all paper --config results_dir=rerun/results figures_dir=rerun/paper_figures
    python -m boom verify --all-models --committed results/eval --recomputed rerun/results/eval \
        --out-prefix rerun/compare
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pandas as pd

from boom import layout
from boom.errors import BoomError
from boom.io import write_json
from boom.provenance import record
from boom.stage import json_arg

# Same machine, same thread counts: bitwise. Another CPU or BLAS may differ in the last digits.
TOLERANCE = 1e-6


class VerifyError(BoomError):
    pass


def sample(summary_csv: Path, costs_csv: Path) -> list[dict]:
    """The models to recompute, each with why it was picked: the base model, and the trained and
    the merged model of least training cost (examples, then id) among those whose committed
    scores differ from the base's on at least one task (a model equal to its base would recompute
    the base and check no training or merging at all); [] if there is no committed run."""
    if not summary_csv.is_file() or not costs_csv.is_file():
        return []
    summary = pd.read_csv(summary_csv)
    scores = summary.drop_duplicates(["model", "task"]).pivot(index="model", columns="task", values="value")
    bases = sorted(m for m in scores.index if m.startswith("base-"))
    costs = pd.read_csv(costs_csv).drop_duplicates("model").set_index("model")["train_examples"]
    chosen = [{"model": bases[0], "why": "the base model: every other model starts from it"}] if bases else []
    differ = (scores != scores.loc[bases[0]]).sum(axis=1) if bases else pd.Series(scores.shape[1], scores.index)
    for kind, what in (("train-", "trained"), ("merge-", "merged")):
        candidates = sorted((int(costs.get(m, 0)), m) for m in scores.index if m.startswith(kind))
        for examples, model in candidates:
            if differ[model]:
                chosen.append({"model": model, "why": f"the {what} model of least training cost ({examples} examples) "
                                                      f"whose scores differ from the base's ({differ[model]} of "
                                                      f"{scores.shape[1]} tasks)"})
                break
    return chosen


def _scores(path: Path) -> dict[tuple, float]:
    """(split, subset, metric) -> value of every numeric score of a TaskResult JSON."""
    if not path.is_file():
        raise VerifyError(f"{path} is missing: the committed results lack this task of the sample; "
                          "rerun `snakemake paper` or check out the committed results/eval/")
    out = {}
    for split, entries in json.loads(path.read_text())["scores"].items():
        for entry in entries:
            for metric, value in entry.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    out[(split, entry.get("hf_subset", "default"), metric)] = float(value)
    return out


def compare(models: list[str], committed: Path, recomputed: Path, tolerance: float = TOLERANCE) -> pd.DataFrame:
    """One row per model, task and score: committed, recomputed, |difference|, same (<= tolerance)."""
    rows = []
    for model in models:
        tasks = sorted(p.stem for p in (recomputed / model).glob("*.json")
                       if not p.stem.endswith((".provenance", ".items")))
        for task in tasks:
            old, new = (_scores(Path(layout.task_file(folder / model, task))) for folder in (committed, recomputed))
            for key in sorted(set(old) | set(new)):
                a, b = old.get(key), new.get(key)
                if a is None or b is None:
                    diff = float("inf")
                elif math.isnan(a) or math.isnan(b):  # mteb writes NaN where a metric is undefined
                    diff = 0.0 if math.isnan(a) and math.isnan(b) else float("inf")
                else:
                    diff = abs(a - b)
                rows.append({"model": model, "task": task, "split": key[0], "subset": key[1], "metric": key[2],
                             "committed": a, "recomputed": b, "difference": diff, "same": diff <= tolerance})
    return pd.DataFrame(rows)


def report(table: pd.DataFrame, tolerance: float, picked: str = "") -> str:
    differ = table[~table["same"]]
    lines = ["# Verification: committed results recomputed", "", picked,
             f"{len(table) - len(differ)} of {len(table)} scores ({table['model'].nunique()} models, "
             f"{table[['model', 'task']].drop_duplicates().shape[0]} model-task results) reproduced within "
             f"{tolerance:g}.", ""]
    mains = table[table["metric"] == "main_score"].pivot_table(index="task", columns="model", values="difference")
    lines += ["Largest difference of the main score, per task and model:", "", mains.to_markdown(floatfmt=".2g"), ""]
    if len(differ):
        lines += [f"## {len(differ)} scores differ", "", differ.to_markdown(index=False, floatfmt=".8g"), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="*", default=[], help="the sample's model ids")
    parser.add_argument("--why", default={}, type=json_arg("--why"), help="JSON: model id -> why it was picked")
    parser.add_argument("--all-models", action="store_true",
                        help="compare every model the recomputed folder holds (a whole rerun of `paper`)")
    parser.add_argument("--committed", required=True, type=Path, help="folder of the committed eval results")
    parser.add_argument("--recomputed", required=True, type=Path, help="folder of the recomputed eval results")
    parser.add_argument("--tolerance", type=float, default=TOLERANCE)
    parser.add_argument("--out-prefix", required=True, help="writes <prefix>.csv and <prefix>.md")
    args = parser.parse_args(argv)
    if args.all_models:
        args.models = sorted(p.name for p in args.recomputed.iterdir() if p.is_dir())
    if not args.models:
        raise VerifyError("nothing to verify: there is no committed results/summary.csv and costs.csv to sample "
                          "from; run `snakemake --cores all paper` first")
    table = compare(args.models, args.committed, args.recomputed, args.tolerance)
    table.to_csv(layout.prefixed(args.out_prefix, "csv"), index=False)
    why = args.why
    picked = ["The sample:", ""] + [f"- `{m}`: {why.get(m, 'named on the command line')}" for m in args.models] + [""]
    Path(layout.prefixed(args.out_prefix, "md")).write_text(report(table, args.tolerance, "\n".join(picked)))
    write_json(Path(layout.prefixed(args.out_prefix, "provenance.json")), record(models=args.models, why=why, tolerance=args.tolerance))
    differ = int((~table["same"]).sum())
    print(f"verify: {len(table) - differ} of {len(table)} scores of {len(args.models)} models reproduced"
          + (f"; {differ} DIFFER, see {args.out_prefix}.md" if differ else ""))


if __name__ == "__main__":
    main()
