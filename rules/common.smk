# Helpers shared by the rules: configuration checks, resolved recipes and the paths they map to.
# Functions only; no rules here.

import json
import os
import sys

from boom.config import ConfigError, validate
from boom.data.manifest import resolve_root
from boom.data.sources import SOURCES, task_info
from boom.recipes import model_id, resolve, train_data_file

try:
    validate(config)
except ConfigError as _error:
    sys.exit(f"boom: {_error}")

# The default and smoke scales never reach the network: tell the Hugging Face libraries so, or
# loading a local model or JSON file still tries it. The paper scale downloads from the Hub.
if config["model"]["source"] != "hub":
    for _var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
        os.environ[_var] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

envvars:
    "PATH",


# Jobs run `python -m boom.<stage>` with the interpreter that runs snakemake (the project's venv),
# even when the venv is not activated.
os.environ["PATH"] = f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}"
RESULTS = config["results_dir"]
FIGURES = config["figures_dir"]
LOGS = f"logs/{config['scale']}"
DATA_ROOT = resolve_root(config["data"]["root"])
TASKS = config["evaluation"]["tasks"]
TASK_INFO = task_info(TASKS)
# Suite name -> its tasks, in config order (only suites that have tasks).
SUITES = {s: [t for t, spec in TASKS.items() if spec["role"] == s] for s in ("in_domain", "out_of_domain", "new_domain")}
SUITES = {s: tasks for s, tasks in SUITES.items() if tasks}
RESOLVED = resolve(config)
RECIPES = RESOLVED.recipes
FIGURE_EXTS = ("csv", "md", "tex", "png", "pdf")

wildcard_constraints:
    model=r"(base|train|merge)-[0-9a-f]{12}",
    dataset=r"[A-Za-z0-9_]+",
    cap=r"\d+",
    k=r"\d+",
    ratio=r"0\.\d+",
    seed=r"\d+",
    task=r"[A-Za-z0-9_-]+",
    experiment=r"[A-Za-z0-9_]+",


def data_root(wildcards):
    """The data mirror's root (a param: the raw files under it are the rule's inputs)."""
    return str(DATA_ROOT)


def output_prefix(wildcards, output):
    """The common stem of a rule's outputs, for commands that take a prefix."""
    return os.path.splitext(output[0])[0]


def output_dir(wildcards, output):
    return os.path.dirname(output[0])


def model_dir(mid):
    return f"{RESULTS}/models/{mid}/model"


def recipe_json(wildcards):
    return json.dumps(RECIPES[wildcards.model], sort_keys=True)


def base_dir(wildcards):
    return model_dir(model_id(RECIPES[wildcards.model]["base"]))


def raw_files(dataset):
    return [str(DATA_ROOT / "raw" / dest) for dest in SOURCES[dataset].files]


def all_raw_files():
    return sorted({f for name in SOURCES for f in raw_files(name)})


def dataset_raw_files(wildcards):
    return raw_files(wildcards.dataset)


def loader_version(wildcards):
    return SOURCES[wildcards.dataset].version


def train_data(wildcards):
    datasets = RECIPES[wildcards.model]["datasets"]
    return {name: train_data_file(RESULTS, name, entry) for name, entry in datasets.items()}


def train_data_args(wildcards, input):
    return " ".join(f"{name}={input[name]}" for name in RECIPES[wildcards.model]["datasets"])


def merge_inputs(wildcards):
    return [model_dir(mid) for mid in RECIPES[wildcards.model]["inputs"]]


def suite_raw_files(suite):
    return sorted({f for task in SUITES[suite] for f in raw_files(TASKS[task]["dataset"])})


def variants_of(experiment):
    return [row for row in RESOLVED.variants if row["experiment"] == experiment]


def experiment_tasks(experiment):
    """The evaluation tasks of an experiment: those of its suites (default: in- and out-of-domain)."""
    suites = config["experiments"][experiment].get("suites", ["in_domain", "out_of_domain"])
    return [task for task, spec in TASKS.items() if spec["role"] in suites]


def experiment_evals(wildcards):
    tasks = experiment_tasks(wildcards.experiment)
    return sorted({f"{RESULTS}/eval/{row['model']}/{task}.json" for row in variants_of(wildcards.experiment) for task in tasks})


def experiment_tasks_json(wildcards):
    return json.dumps({task: TASK_INFO[task] for task in experiment_tasks(wildcards.experiment)})


def experiment_variants_json(wildcards):
    return json.dumps(variants_of(wildcards.experiment), sort_keys=True)


def experiment_outputs(experiments):
    return [f"{FIGURES}/{exp}.{ext}" for exp in experiments for ext in FIGURE_EXTS]
