# Helpers shared by the rules: configuration checks, resolved recipes and the paths they map to.
# Functions only; no rules here.

import hashlib
import json
import os
import re
import sys
from pathlib import Path

from boom import forkserver
from boom.config import check_config_files, check_output_folder, check_owner, claim_owner
from boom.config import start as start_config
from boom.data.manifest import resolve_root
from boom.data.sources import DEFAULT_SUITES, MIRROR, ROLES, SOURCES, evaluation_tasks, task_info
from boom.errors import BoomError
from boom.io import set_offline
from boom.items import has_items
from boom import budget as budget_sweep
from boom import layout, records
from boom.recipes import (RecipeError, Resolved, at_budget, base_recipe, planned_sizes, model_id, needs_clusters, prepared_sizes, resolve,
                          train_data_file, train_recipe, trained_models)
from boom.snakemake_limits import drop_default_rate_limit

try:
    check_config_files(workflow.configfiles)
    start_config(config)  # schema, its defaults, the config's Hub datasets as sources, cross-checks
    for _key in ("results_dir", "figures_dir"):  # Snakemake's paths do not expand `~`
        config[_key] = os.path.expanduser(config[_key])
        check_output_folder(_key, config[_key])
        check_owner(config[_key], config["scale"])
except BoomError as _error:
    sys.exit(f"boom: {_error}")

# The default and smoke scales never reach the network: tell the Hugging Face libraries so, or
# loading a local model or JSON file still tries it. The paper scale downloads from the Hub.
if config["model"]["source"] != "hub":
    set_offline()
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

envvars:
    "PATH",


# Jobs run `python -m boom <stage>` with the interpreter that runs snakemake (the project's venv),
# even when the venv is not activated.
os.environ["PATH"] = f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}"
# Training sets: the data mirror's, prepared from its files, and the config's Hub splits
# (train.hub, paper scale), downloaded by their prepare job. A name matching nothing: "(?!)".
HUB = config["train"].get("hub") or {"datasets": {}}
HUB_NAMES = "|".join(HUB["datasets"]) or "(?!)"
# Your own datasets (data.files): prepared by the mirror's rule from their own files; every job
# that reads a dataset gets them (as JSON) to register them first, with their files' sha256s, so
# that a changed file replans the jobs that read it (the jobs ignore the sha256s).
OWN_DATA = json.dumps({name: {**entry, "sha256": SOURCES[name].sha256s()}
                       for name, entry in config["data"]["files"].items()}, sort_keys=True)
PREPARED_NAMES = "|".join(sorted(MIRROR) + sorted(config["data"]["files"]))
RESULTS = config["results_dir"]
FIGURES = config["figures_dir"]
LOGS = f"logs/{config['scale']}"
DATA_ROOT = resolve_root(config["data"]["root"])
try:  # what reads the data mirror (its MANIFEST.tsv) at parse time: its errors are one line too
    # Task name -> spec: the data-mirror tasks, or the tasks of a suite's mteb benchmark (paper scale).
    TASKS = evaluation_tasks(config["evaluation"])
    TASK_INFO = task_info(TASKS)
    PREPARED = prepared_sizes(config)  # read once a parse: the sweeps below resolve with it too
    RESOLVED = resolve(config, prepared=PREPARED)
except BoomError as _error:
    sys.exit(f"boom: {_error}")
# Suite name -> its tasks, in config order (only suites that have tasks).
SUITES = {s: [t for t, spec in TASKS.items() if spec["role"] == s] for s in ROLES}
SUITES = {s: tasks for s, tasks in SUITES.items() if tasks}
RECIPES = RESOLVED.recipes


SWEEP_LEFT_OUT = []


def resolve_sweeps():
    """The budget sweeps' experiments (boom/budget.py), each resolved at its cap: sweep -> the
    names kept, and their resolved variants. One whose smallest model would take fewer than
    train.min_steps at its cap is left out (SWEEP_LEFT_OUT says why, when a sweep is the target)."""
    kept, recipes, rows = {}, {}, []
    for sweep, specs in budget_sweep.sweep_experiments(config).items():
        kept[sweep] = {}
        for name, spec in specs.items():
            try:
                resolved = resolve({**config, "experiments": {name: spec}}, prepared=PREPARED)
            except RecipeError as error:
                SWEEP_LEFT_OUT.append(f"boom: {sweep}: {name} left out at this cap: {error}")
                continue
            kept[sweep][name] = spec
            recipes.update(resolved.recipes)
            rows += resolved.variants
    return kept, Resolved(recipes, rows, [])


try:
    SWEEPS, SWEEP_RESOLVED = resolve_sweeps()
except BoomError as _error:
    sys.exit(f"boom: {_error}")
RECIPES.update(SWEEP_RESOLVED.recipes)
# Every experiment's spec: the config's, and the budget sweeps' (not part of `paper`).
EXPERIMENTS = {**config["experiments"], **{n: s for specs in SWEEPS.values() for n, s in specs.items()}}

wildcard_constraints:
    model=r"(base|train|merge)-[0-9a-f]{12}",
    dataset=r"[A-Za-z0-9_]+",
    cap=r"\d+",
    k=r"\d+",
    ratio=r"0\.\d+",
    seed=r"\d+",
    task=r"[A-Za-z0-9_-]+",
    experiment="|".join(map(re.escape, EXPERIMENTS)) or "(?!)",  # a figure named claims or data_card is none
    sweep="|".join(budget_sweep.SWEEPS),


def data_root(wildcards):
    """The data mirror's root (a param: the raw files under it are the rule's inputs)."""
    return str(DATA_ROOT)


def output_prefix(wildcards, output):
    """The common stem of a rule's outputs, for commands that take a prefix."""
    return os.path.splitext(output[0])[0]


def output_dir(wildcards, output):
    return os.path.dirname(output[0])


def results_folder_of_inputs(wildcards, input):
    """The results folder of a rule's `<folder>/<model>/<task>.json` inputs (verify's
    `<results>/verify`): taken from the inputs, as a hard-coded prefix would break on a cluster
    without a shared filesystem."""
    return os.path.dirname(os.path.dirname(input[0])) if input else RESULTS


def model_dir(mid):
    return layout.model_dir(RESULTS, mid)


CLUSTERS = layout.clusters_file(RESULTS)


def with_clusters(path):
    """Every recipe, the cluster-level ones included, once the interaction clusters exist."""
    with open(path) as fh:
        clusters = json.load(fh)["clusters"]
    resolved = resolve(config, clusters=clusters, prepared=prepared_sizes(config))
    RECIPES.update(resolved.recipes)
    return resolved


def resolved_for(experiment):
    """The resolved variants of an experiment; for one with cluster-level variants, this waits
    for the interaction checkpoint (Snakemake re-evaluates the DAG once it has run)."""
    if experiment not in config["experiments"]:
        return SWEEP_RESOLVED
    if needs_clusters(config, experiment):
        return with_clusters(checkpoints.interaction_clusters.get().output.clusters)
    return RESOLVED


def recipe(mid):
    if mid not in RECIPES and os.path.exists(CLUSTERS):
        with_clusters(CLUSTERS)  # a cluster-level model, asked for after the checkpoint ran
    return RECIPES[mid]


def recipe_json(wildcards):
    return json.dumps(recipe(wildcards.model), sort_keys=True)


def base_dir(wildcards):
    return model_dir(model_id(recipe(wildcards.model)["base"]))


def start_dir(wildcards):
    """The weights a training run starts from: the base, or the model it continues (`init`)."""
    r = recipe(wildcards.model)
    return model_dir(model_id(r["init"] if "init" in r else r["base"]))


def raw_files(dataset):
    """The files a dataset is read from: the mirror's (under its root), or your own (data.files)."""
    if dataset in MIRROR:
        return [str(DATA_ROOT / "raw" / dest) for dest in SOURCES[dataset].files]
    return [str(resolve_root(path)) for path in SOURCES[dataset].files]


def all_raw_files():
    """The mirror's files (the data card's: it describes the mirror)."""
    return sorted({f for name in MIRROR for f in raw_files(name)})


def own_test_files():
    """Your own datasets' test files: every training set is decontaminated against them."""
    return sorted(str(resolve_root(path)) for name in config["data"]["files"] for _, path in SOURCES[name].test_paths)


def dataset_raw_files(wildcards):
    return raw_files(wildcards.dataset) + own_test_files()


def loader_version(wildcards):
    return SOURCES[wildcards.dataset].version


def train_data(wildcards):
    datasets = recipe(wildcards.model)["datasets"]
    return {name: train_data_file(RESULTS, name, entry) for name, entry in datasets.items()}


def train_data_args(wildcards, input):
    return " ".join(f"{name}={input[name]}" for name in recipe(wildcards.model)["datasets"])


def train_launcher(wildcards):
    """`python`, or torchrun with one process per device for a multi-device recipe (DDP inside
    one job, on one node: a train job may take a whole node)."""
    devices = recipe(wildcards.model).get("devices", 1)
    return "python" if devices == 1 else f"torchrun --standalone --nproc-per-node {devices}"


def merge_inputs(wildcards):
    return [model_dir(mid) for mid in recipe(wildcards.model)["inputs"]]


def interaction_data(wildcards):
    """The prepared training file of every dataset probed by the interaction analysis."""
    names = config["interaction"]["datasets"] or list(config["train"]["datasets"])
    entry = {"hard_negatives": config["train"]["hard_negatives"]}
    return {n: train_data_file(RESULTS, n, {**entry, **config["train"]["datasets"][n]}) for n in names}


def interaction_data_args(wildcards, input):
    return " ".join(f"{name}={input[name]}" for name in interaction_data(wildcards))


def interaction_figures_prefix(wildcards, output):
    """The prefix of the interaction figures (layout.interaction_figure), from the outputs."""
    return output.figures[0].removesuffix("_heatmap.png")


def scale_base_dir(wildcards):
    return model_dir(model_id(base_recipe(config)))


def mirror_pins(tasks):
    """What an evaluation of `tasks` reads from the mirror: its MANIFEST.tsv, which pins the
    sha256 of every file (each is checked against it when read; listing the files themselves,
    20 Newsgroups' 2,000 included, made Snakemake stat thousands of paths at every scheduling
    round). None for a benchmark's tasks: mteb downloads those."""
    mirror = [str(DATA_ROOT / "MANIFEST.tsv")] if any(TASKS[t].get("dataset") in MIRROR for t in tasks) else []
    own = sorted({f for t in tasks if TASKS[t].get("dataset") in config["data"]["files"] for f in raw_files(TASKS[t]["dataset"])})
    return mirror + own


def variants_of(experiment):
    return [row for row in resolved_for(experiment).variants if row["experiment"] == experiment]


def experiment_tasks(experiment):
    """The evaluation tasks of an experiment: those of its suites (default: in- and out-of-domain)."""
    suites = EXPERIMENTS[experiment].get("suites", list(DEFAULT_SUITES))
    return [task for task, spec in TASKS.items() if spec["role"] in suites]


def experiment_evals(wildcards):
    tasks = experiment_tasks(wildcards.experiment)
    return sorted({layout.eval_file(RESULTS, row["model"], task) for row in variants_of(wildcards.experiment) for task in tasks})


def items_of(experiments):
    """The per-item record of every model and task the experiments report (what the claims'
    bootstrap reads); tasks without one (an mteb benchmark task boom cannot resample) are left out."""
    return sorted({layout.eval_items_file(RESULTS, row["model"], task) for experiment in experiments
                   for row in variants_of(experiment) for task in experiment_tasks(experiment)
                   if has_items(TASKS[task])})


def claims_items(wildcards):
    return items_of(config["experiments"])


def experiment_items(wildcards):
    return items_of([wildcards.experiment])


_ALL_VARIANTS = []


def _models_by_variant(rows):
    """experiment -> variant -> its model ids over the seeds, from resolved variant rows."""
    by = {}
    for row in rows:
        by.setdefault(row["experiment"], {}).setdefault(row["variant"], []).append(row["model"])
    return by


def experiment_notes(exp):
    """Notes under an experiment's main table: each of its variants that is the same model (every
    seed) as a variant of another name, here or in another experiment (the same name in another
    experiment, such as `base` or `bls`, is not noted)."""
    # every experiment's variants: those waiting for the clusters once the clusters file exists
    if not _ALL_VARIANTS:
        _ALL_VARIANTS.append(with_clusters(CLUSTERS).variants if os.path.exists(CLUSTERS) else RESOLVED.variants)
    others = {**_models_by_variant(_ALL_VARIANTS[0]), **_models_by_variant(variants_of(exp))}
    # in a fixed order: the experiments' order may differ between layered configs
    order = sorted(others, key=lambda e: (e != exp, e))
    notes = []
    for variant, ids in others[exp].items():
        same = [v + ("" if e == exp else f" in {e}") for e in order for v, m in sorted(others[e].items())
                if m == ids and v != variant]
        if same:
            notes.append(f"{variant} is the same model as {', '.join(same)}.")
    return notes


def experiment_notes_json(wildcards):
    return json.dumps(experiment_notes(wildcards.experiment))


def experiment_data_json(wildcards):
    """Each training set of the experiment's models -> the sha256 of its sources (its Hub split, or
    each of your own files' sha256)."""
    data = {}
    for row in variants_of(wildcards.experiment):
        for mid in trained_models(recipe(row["model"])):
            for name, entry in recipe(mid)["datasets"].items():
                data[name] = entry.get("sources_sha256") or entry.get("hub") or entry.get("files_sha256")
    return json.dumps(data, sort_keys=True)


def experiment_tasks_json(wildcards):
    return json.dumps({task: TASK_INFO[task] for task in experiment_tasks(wildcards.experiment)})


def experiment_variants_json(wildcards):
    return json.dumps(variants_of(wildcards.experiment), sort_keys=True)


def experiment_cost_rows(experiment):
    """Each reported variant with the train models it costs; models of the experiment's
    `sunk_cost` variants (an existing model an update is merged into) are paid already."""
    rows = resolved_for(experiment).variants
    sunk = {m for row in rows if row["experiment"] == experiment
            and row["variant"] in EXPERIMENTS[experiment].get("sunk_cost", [])
            for m in trained_models(recipe(row["model"]))}
    return [{**row, "trained": sorted(set(trained_models(recipe(row["model"]))) - sunk)}
            for row in variants_of(experiment)]


def experiment_cost_files(wildcards):
    return sorted({layout.model_cost_file(RESULTS, mid) for row in experiment_cost_rows(wildcards.experiment)
                   for mid in row["trained"]})


def experiment_costs_json(wildcards):
    return json.dumps(experiment_cost_rows(wildcards.experiment), sort_keys=True)


def experiment_config_json(wildcards):
    """The resolved config an experiment's outputs record: every section but the other
    experiments and the budget sweep (changing one experiment reruns only its own reports; a
    sweep's experiment carries its budget in its spec)."""
    shared = {k: v for k, v in config.items() if k not in ("experiments", "budget")}
    return json.dumps({**shared, "experiments": {wildcards.experiment: EXPERIMENTS[wildcards.experiment]}},
                      sort_keys=True)


def cost_reference(wildcards):
    """The variant whose training cost the experiment's table calls 1 (default: bls, if any)."""
    return EXPERIMENTS[wildcards.experiment].get("cost_reference", "bls")


# ---------------------------------------------------------------- records (boom/records.py)
# What each group of outputs is computed from, as a file that is an input of the rules writing
# them, dated by what the existing outputs say they were computed from: on a fresh clone, with
# no Snakemake metadata, a changed setting reruns what it changes and nothing else.

CLAIMS_FILE = "config/claims.yaml"
_SYNCED = {}


def synced_record(kind, name, content, groups):
    """The path of record `kind`/`name` holding `content`, written and dated for the existing
    output groups (`groups()`, one per job) once a process. A job's own Snakemake on a cluster
    node leaves the record as its submitter placed it."""
    path = layout.record_file(RESULTS, kind, name)
    key = records.digest(content)
    if not workflow.remote_exec and _SYNCED.get(path) != key:
        records.sync(path, content, groups())
        _SYNCED[path] = key
    return path


def eval_outputs(model, tasks, folder, items):
    """The files one evaluation job writes for `model` (its rule's outputs, the cache aside)."""
    return ([layout.eval_file(RESULTS, model, t, folder) for t in tasks]
            + [layout.eval_provenance_file(RESULTS, model, t, folder) for t in tasks]
            + [layout.eval_items_file(RESULTS, model, t, folder) for t in items])


def eval_record(job, tasks, folder, items):
    """An input function: the record of evaluation job `job` (its tasks' specs, the encoder's
    settings), for every model whose results are in `folder`."""
    content = {"tasks": {t: TASKS[t] for t in tasks},
               **{k: config["evaluation"][k] for k in ("batch_size", "max_seq_length", "precision")},
               "query_instruction": bool(config["model"]["query_instruction"])}
    own = {t: SOURCES[TASKS[t]["dataset"]].sha256s() for t in tasks if TASKS[t].get("dataset") in config["data"]["files"]}
    if own:  # your own tasks' files: a changed file is a changed record (only then: the mirror's records stay)
        content["files_sha256"] = own

    def groups():
        root = layout.eval_dir(RESULTS, folder)
        models = sorted(os.listdir(root)) if os.path.isdir(root) else []
        return [records.group(eval_outputs(m, tasks, folder, items)) for m in models]

    return lambda wildcards: synced_record("eval", job, content, groups)


def summary_content(experiment):
    return {"variants": variants_of(experiment),
            "tasks": {t: TASK_INFO[t] for t in experiment_tasks(experiment)}}


def costs_content(experiment):
    return {"variants": experiment_cost_rows(experiment)}


def _table_group(table):
    return lambda: [records.group([table, layout.provenance_file(table)])]


def summary_record(wildcards):
    exp = wildcards.experiment
    return synced_record("summary", exp, summary_content(exp), _table_group(layout.summary_file(RESULTS, exp)))


def costs_record(wildcards):
    exp = wildcards.experiment
    return synced_record("costs", exp, costs_content(exp), _table_group(layout.costs_file(RESULTS, exp)))


def figures_record(wildcards):
    """An experiment's tables and figure: which results folder, which tables (their records), and
    the experiment's own settings."""
    exp = wildcards.experiment
    content = {"results_dir": RESULTS, "experiment": EXPERIMENTS[exp],
               "reference": cost_reference(wildcards), "summary": records.digest(summary_content(exp)),
               "costs": records.digest(costs_content(exp)), "notes": experiment_notes(exp)}
    outputs = layout.experiment_figures(FIGURES, exp) + [layout.figure_file(FIGURES, exp, "provenance.json")]
    return synced_record("figures", exp, content, lambda: [records.group(outputs)])


def tables_record(kind):
    """An input function: the record of summary.csv or costs.csv (`kind`): which experiments, in order."""
    table = layout.summary_file(RESULTS) if kind == "summary" else layout.costs_file(RESULTS)
    content = {"experiments": list(config["experiments"])}
    return lambda wildcards: synced_record("tables", kind, content, _table_group(table))


def claims_skipped():
    """Claims that name a variant this config's experiment does not report: skipped with one line
    each, said when the workflow is planned (boom.claims.unanswerable)."""
    from boom.claims import load_claims, unanswerable

    reported = {e: list(spec.get("report", spec["variants"])) for e, spec in config["experiments"].items()}
    return unanswerable(load_claims(CLAIMS_FILE), reported)


def claims_record(wildcards):
    """The claims: the claims file's sha256, the experiments and the results folder they read."""
    with open(CLAIMS_FILE, "rb") as fh:
        claims_sha = hashlib.sha256(fh.read()).hexdigest()
    content = {"claims": claims_sha, "experiments": list(config["experiments"]), "results_dir": RESULTS}
    outputs = [layout.figure_file(FIGURES, "claims", ext) for ext in ("md", "csv", "html", "png", "pdf", "provenance.json")]
    return synced_record("claims", "all", content, lambda: [records.group(outputs)])


def interaction_record(wildcards):
    """The interaction analysis: its base model, data (each set's file, loader and sources, as a
    training recipe names them), budget and training settings."""
    names = config["interaction"]["datasets"] or list(config["train"]["datasets"])
    entries = train_recipe(config, names, "bls", seed=0)["datasets"]
    content = {"base": model_id(base_recipe(config)),
               "data": {n: {"file": os.path.basename(f), **entries[n]} for n, f in interaction_data(wildcards).items()},
               "budget": config["interaction"], "threads": config["train"]["threads"],
               "hyper": {k: config["train"][k] for k in ("batch_size", "learning_rate", "temperature", "max_seq_length")}}
    outputs = [CLUSTERS] + [layout.interaction_file(RESULTS, n) for n in ("delta", "matrix", "stability")]
    return synced_record("interaction", "all", content,
                         lambda: [records.group(outputs, provenance=[CLUSTERS])])


def experiment_outputs(experiments):
    """Each experiment's tables and figures, and the figure of its loss curves."""
    return [path for exp in experiments for path in
            layout.experiment_figures(FIGURES, exp) + [layout.loss_figure(FIGURES, exp, ext) for ext in ("png", "pdf")]]


# Local runs start every job's stage in a fork server with torch, sentence-transformers and mteb
# imported once (boom/forkserver.py): ~10 s of CPU saved per job. BOOM_FORK_SERVER=0 turns it off;
# cluster executors never use it.
_FORK_SERVER = []


def start_run():
    """A run's start (not a dry run's): stamp the output folders with the scale, start the server."""
    for folder in (RESULTS, FIGURES):
        claim_owner(folder, config["scale"])
    if workflow.local_exec:
        _FORK_SERVER.append(forkserver.start(f"{LOGS}/forkserver.log"))
        if drop_default_rate_limit(workflow.scheduler):  # boom/snakemake_limits.py says why
            print("boom: local run: jobs are selected when a job ends (Snakemake's default 100/1s "
                  "submission limit dropped: its timers took half a core)", file=sys.stderr)


def stop_fork_server():
    forkserver.stop(_FORK_SERVER.pop() if _FORK_SERVER else None)


# ---------------------------------------------------------------- the budget sweeps (rules/budget.smk)

def sweep_levels(sweep):
    """A sweep's experiments: name -> {of: the experiment it reruns, cap: its budget}."""
    return {name: {"of": spec["of"], "cap": spec["cap"]} for name, spec in SWEEPS[sweep].items()}


def sweep_ratios_json(wildcards):
    """experiment -> {variant: bag ratio} of the bag models the sweep's figure shows against their
    ratio (BLS on the whole mix at 1.0), for the experiments that have bags."""
    ratios = {}
    for exp in {level["of"] for level in sweep_levels(wildcards.sweep).values()}:
        trained = {n: v for n, v in config["experiments"][exp]["variants"].items() if v["kind"] == "train"
                   and not set(v) & {"datasets", "new_datasets", "replay", "init", "bag", "complement", "order"}
                   and v.get("schedule", "bls") == "bls"}
        if any("ratio" in v for v in trained.values()):
            ratios[exp] = {n: v.get("ratio", 1.0) for n, v in trained.items()}
    return json.dumps(ratios, sort_keys=True)


def sweep_record(wildcards):
    """A sweep's table and figure: the claims file's sha256, its experiments and what they report."""
    with open(CLAIMS_FILE, "rb") as fh:
        claims_sha = hashlib.sha256(fh.read()).hexdigest()
    levels = sweep_levels(wildcards.sweep)
    content = {"claims": claims_sha, "levels": levels, "results_dir": RESULTS,
               "summaries": {n: records.digest(summary_content(n)) for n in levels}}
    outputs = [layout.figure_file(FIGURES, wildcards.sweep, ext) for ext in BUDGET_EXTS]
    return synced_record("budget", wildcards.sweep, content, lambda: [records.group(outputs)])


BUDGET_EXTS = ("md", "csv", "html", "png", "pdf", "provenance.json")


def sweep_plan(sweep):
    """cap -> the sweep's jobs not done yet: the examples of each training, the evaluations and
    merges (a model or evaluation shared by two caps, or with `paper`, counted once)."""
    plan, seen = {}, set()
    for name, spec in SWEEPS[sweep].items():
        p = plan.setdefault(spec["cap"], {"trainings": [], "evaluations": 0, "new_domain": 0, "merges": 0})
        sizes = prepared_sizes(at_budget(config, spec["budget"]))
        tasks = experiment_tasks(name)
        for row in variants_of(name):
            r = recipe(row["model"])
            for mid in trained_models(r) + ([row["model"]] if r["kind"] == "merge" else []):
                if mid in seen or os.path.isdir(model_dir(mid)):
                    continue
                seen.add(mid)
                if mid.startswith("train-"):
                    p["trainings"].append(sum(planned_sizes(recipe(mid), sizes).values()))
                else:
                    p["merges"] += 1
            for job, kind in (("evaluations", "in_out"), ("new_domain", "new_domain")):
                mine = [t for t in tasks if (TASKS[t]["role"] == "new_domain") == (kind == "new_domain")]
                if mine and (row["model"], kind) not in seen and not os.path.exists(layout.eval_file(RESULTS, row["model"], mine[0])):
                    seen.add((row["model"], kind))
                    p[job] += 1
    return plan


def print_sweep_estimate(sweep):
    """What a sweep will take here, from the committed run's measured per-job times."""
    walls = budget_sweep.read_walls(Path(RESULTS) / "benchmarks")
    sizes = prepared_sizes(config)
    points = [(sum(planned_sizes(RECIPES[m], sizes).values()), s) for job, s in walls.items()
              if job.startswith("train/") and (m := job.split("/", 1)[1]) in RECIPES]
    per_job = {kind: budget_sweep.median([s for job, s in walls.items() if job.rsplit("/", 1)[-1] == kind], default)
               for kind, default in (("evaluate", 40.0), ("evaluate_new_domain", 6.0))}
    per_job["merge"] = budget_sweep.median([s for job, s in walls.items() if job.startswith("merge/")], 3.0)
    lines = budget_sweep.estimate(sweep_plan(sweep), budget_sweep.fit_training(points), per_job,
                                  os.cpu_count() or 1)
    print(f"boom: {sweep}: {lines[0]}", *lines[1:], sep="\n", file=sys.stderr)


def say_sweep_estimates():
    """What a sweep that is a target will take, and what it leaves out, said when the workflow is
    parsed (a dry run included: no onstart hook runs there)."""
    for sweep in budget_sweep.SWEEPS:
        if sweep not in sys.argv[1:] or workflow.remote_exec:
            continue
        for exp in budget_sweep.absent(config):
            print(f"boom: {sweep}: {exp} is not an experiment of this config: left out of the sweep", file=sys.stderr)
        for line in SWEEP_LEFT_OUT:
            if line.startswith(f"boom: {sweep}:"):
                print(line, file=sys.stderr)
        try:
            print_sweep_estimate(sweep)
        except BoomError as error:
            print(f"boom: {sweep}: no estimate: {error}", file=sys.stderr)
