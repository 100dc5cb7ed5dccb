"""The path layout of a run: one function per kind of file, used by the package and the rules alike.

Each function returns the concrete path when given values, and a rule's Snakemake pattern when
given wildcard strings (as PyPSA-Eur's path helpers do):

    train_file("results", "scifact", 1000, 1)                 -> results/data/train/scifact.n1000.k1.jsonl
    train_file("results", "{dataset}", "{cap}", "{k}")        -> results/data/train/{dataset}.n{cap}.k{k}.jsonl

so formatting a rule's pattern with a job's wildcards gives that job's path. The names are part
of the committed results (results/, paper_figures/): a change here renames files that exist.
Standard library only, and nothing of boom's: the rules import it when the workflow is parsed.
"""

from __future__ import annotations

# Every table and figure of one experiment, one file each (beside its .provenance.json).
FIGURE_EXTS = ("csv", "md", "tex", "html", "png", "pdf")


# Training data (results/data/train/): one prepared file per dataset, cap and hard negatives, and
# the bags sampled from it; each with a .card.json beside it.

def train_name(dataset, cap, k, ratio=None, seed=None, complement=False) -> str:
    """The stem of a training file, also its log's: `<dataset>.n<cap>.k<k>`, and for a bag drawn
    from it at a `ratio` with a `seed`, `.r<ratio>.s<seed>`, and `.c` for that bag's complement."""
    stem = f"{dataset}.n{cap}.k{k}"
    if ratio is not None:
        stem += f".r{ratio}.s{seed}" + (".c" if complement else "")
    return stem


def train_file(results, dataset, cap, k) -> str:
    """A dataset's prepared training file, at `cap` examples with `k` hard negatives each."""
    return f"{results}/data/train/{train_name(dataset, cap, k)}.jsonl"


def bag_file(results, dataset, cap, k, ratio, seed, complement=False) -> str:
    """A bag sampled from `train_file(results, dataset, cap, k)`, or what that bag left out."""
    return f"{results}/data/train/{train_name(dataset, cap, k, ratio, seed, complement)}.jsonl"


def card_file(data_file) -> str:
    """The card beside a training file: what was kept, skipped, and read."""
    return f"{data_file}.card.json"


# Models (results/models/<id>/): the weights, and beside them what a run cost and what made it.

def models_dir(results) -> str:
    return f"{results}/models"


def model_dir(results, model) -> str:
    """The weights folder of model `model` (`<kind>-<hash>`)."""
    return f"{models_dir(results)}/{model}/model"


def model_meta_file(weights_folder, kind) -> str:
    """A file beside a model's weights folder: `cost` (what its run cost) or `provenance` (what
    made it), `<results>/models/<id>/<kind>.json`."""
    return f"{str(weights_folder).rstrip('/').rsplit('/', 1)[0]}/{kind}.json"


def model_cost_file(results, model) -> str:
    return model_meta_file(model_dir(results, model), "cost")


def model_provenance_file(results, model) -> str:
    return model_meta_file(model_dir(results, model), "provenance")


# Evaluation results: <results>/eval/<model>/<task>.json (mteb's TaskResult) with its
# .provenance.json and per-item record .items.json; the reviewer's check writes the same names
# under <results>/verify/ (`folder="verify"`).

def eval_dir(results, folder="eval") -> str:
    return f"{results}/{folder}"


def task_file(model_folder, task, kind=None) -> str:
    """One task's file in a model's evaluation folder: mteb's TaskResult (`kind` None), or its
    `provenance` or per-item `items` record."""
    return f"{model_folder}/{task}.{kind}.json" if kind else f"{model_folder}/{task}.json"


def eval_file(results, model, task, folder="eval") -> str:
    return task_file(f"{eval_dir(results, folder)}/{model}", task)


def eval_provenance_file(results, model, task, folder="eval") -> str:
    return task_file(f"{eval_dir(results, folder)}/{model}", task, "provenance")


def eval_items_file(results, model, task, folder="eval") -> str:
    return task_file(f"{eval_dir(results, folder)}/{model}", task, "items")


def mteb_cache_dir(results) -> str:
    """mteb's result cache of a scale's evaluations."""
    return f"{results}/mteb_cache"


def verify_cache_dir(results, model) -> str:
    """The reviewer's check's own result cache, one per model (it starts empty)."""
    return f"{eval_dir(results, 'verify')}/{model}/mteb_cache"


# The interaction analysis (results/interaction/) and its figures.

def interaction_dir(results) -> str:
    return f"{results}/interaction"


def interaction_output(folder, name) -> str:
    """One output of the interaction analysis in its folder: `clusters` (json), or a table as csv:
    `delta`, `matrix`, `matrix.r<k>` (replicate k's matrix), `stability`."""
    return f"{folder}/{name}.json" if name == "clusters" else f"{folder}/{name}.csv"


def interaction_file(results, name) -> str:
    return interaction_output(interaction_dir(results), name)


def clusters_file(results) -> str:
    return interaction_file(results, "clusters")


def interaction_figures_prefix(figures) -> str:
    return f"{figures}/interaction"


def interaction_figure(figures, kind, ext) -> str:
    """The heatmap or dendrogram (`kind`) of the interaction matrix, as png or pdf."""
    return f"{interaction_figures_prefix(figures)}_{kind}.{ext}"


# Tables: per experiment, and all experiments together.

def summary_file(results, experiment=None) -> str:
    """The tidy results table: of one experiment, or (no experiment) of all."""
    return f"{results}/summary.csv" if experiment is None else f"{results}/summary/{experiment}.csv"


def costs_file(results, experiment=None) -> str:
    """The training costs table: of one experiment, or (no experiment) of all."""
    return f"{results}/costs.csv" if experiment is None else f"{results}/costs/{experiment}.csv"


def losses_file(results, experiment) -> str:
    """The loss curves of every model an experiment trains (one row per optimizer step)."""
    return f"{results}/losses/{experiment}.csv"


def benchmark_file(results, name) -> str:
    """Snakemake's benchmark record of a job, e.g. `train/<model>` or `interaction`."""
    return f"{results}/benchmarks/{name}.tsv"


# Figures folder: each experiment's table and figure, the claims, the data card, the check.

def prefixed(prefix, ext) -> str:
    """`<prefix>.<ext>`: a report stage's output, given the prefix the rule passes it."""
    return f"{prefix}.{ext}"


def figure_file(figures, name, ext) -> str:
    """`<figures>/<name>.<ext>`: `name` an experiment, or claims, data_card, verify; `ext` one of
    FIGURE_EXTS, or provenance.json."""
    return prefixed(f"{figures}/{name}", ext)


def loss_figure(figures, experiment, ext) -> str:
    """The figure of an experiment's training loss curves, as png or pdf."""
    return f"{figures}/{experiment}_loss.{ext}"


def experiment_figures(figures, experiment) -> list[str]:
    """Every table and figure of an experiment (its provenance record not included)."""
    return [figure_file(figures, experiment, ext) for ext in FIGURE_EXTS]


# Records (<results>/records/<kind>/<name>.json): what a group of outputs is computed from, one
# file each (boom/records.py), an input of the rules that write those outputs.

def record_file(results, kind, name) -> str:
    """The record of `kind` (eval, summary, costs, figures, tables, claims, interaction) for
    `name` (an evaluation job, an experiment, or `all`)."""
    return f"{results}/records/{kind}/{name}.json"


def provenance_file(output) -> str:
    """The provenance record beside a table that has none of its own kind: `<stem>.provenance.json`."""
    stem = output[:-len(".csv")] if output.endswith(".csv") else output
    return f"{stem}.provenance.json"


def sweep_bags_file(figures, sweep) -> str:
    """The bag models' own scores of a budget sweep (`sweep`: budget, budget_new_domain)."""
    return f"{figures}/{sweep}_bags.csv"
