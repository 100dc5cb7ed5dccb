"""Models as recipes: every model is fully defined by a resolved recipe, named by its hash.

The same recipe used by two experiments resolves to the same id, so it is built once. Imports no
torch: the Snakefile resolves every experiment's recipes when the workflow is parsed.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

from boom.data.manifest import resolve_root
from boom.data.own import OwnSource, held_out_digest
from boom.data.sampling import SAMPLER_VERSION
from boom.data.sources import SOURCES, HubSource
from boom.errors import BoomError
from boom.layout import bag_file, card_file, train_file
from boom.model_folder import inspect as inspect_folder
from boom.schedules import DEFAULT_SCHEDULE, stages

# Part of every train recipe: bump it when a change to boom/train.py changes the weights a recipe
# produces, so models trained by the old code are not reused. 2: staged batch orders, task-aware
# losses. (Here, not in train.py: resolving recipes imports no torch.)
TRAIN_ENGINE_VERSION = 2
HYPER_KEYS = ("batch_size", "learning_rate", "warmup_ratio", "epochs", "temperature", "max_seq_length")


def model_id(recipe: dict) -> str:
    """`<kind>-<12 hex digits>`: a short hash of the canonical JSON of the recipe."""
    canonical = json.dumps(recipe, sort_keys=True, separators=(",", ":"))
    return f"{recipe['kind']}-{hashlib.sha256(canonical.encode()).hexdigest()[:12]}"


def base_recipe(config: dict) -> dict:
    m = config["model"]
    recipe = {"kind": "base", "source": m["source"], "name": m["name"], "revision": m.get("revision"),
              "init_seed": m["init_seed"] if m["source"] == "tiny_random" else None}
    if m["source"] != "gt_minilm":
        recipe["pooling"] = m["pooling"]
    if m["source"] == "tiny_random":
        recipe["architecture"] = m["architecture"]
    if m["source"] == "gt_minilm" and m["layers"]:  # only where set: the full model's id stays
        recipe["layers"] = m["layers"]
    if m["source"] == "path":  # named by its files' sha256: a changed file is a new base
        folder = inspect_folder(m["path"])
        recipe.update(path=m["path"], sha256=folder.sha256)
        if folder.kind == "sentence-transformers":  # keeps its own pooling
            del recipe["pooling"]
    return recipe


def sources_digest(shas: dict[str, str]) -> str:
    """One sha256 over a dataset's source files and their sha256s (each file's own is in the
    prepared data's .card.json and the data card). Keeps recipes small: 20 Newsgroups alone has
    2,000 files, and a recipe travels on a command line."""
    listing = "".join(f"{dest} {sha}\n" for dest, sha in sorted(shas.items()))
    return hashlib.sha256(listing.encode()).hexdigest()


def train_data_file(results_dir: str, dataset: str, entry: dict) -> str:
    """The training file of one dataset of a recipe: the prepared file at its cap and number of
    hard negatives, or a bag sampled from it (`ratio` < 1, drawn with `bag_seed`), or the rest of
    that bag's source file (`complement`). The names are boom.layout's, as the rules' patterns."""
    cap, k = entry["max_examples"], entry["hard_negatives"]
    if entry.get("ratio", 1.0) < 1.0:
        return bag_file(results_dir, dataset, cap, k, entry["ratio"], entry["bag_seed"], bool(entry.get("complement")))
    return train_file(results_dir, dataset, cap, k)


def at_budget(config: dict, budget: dict | None) -> dict:
    """`config` with every training set's max_examples at a budget: `budget["datasets"]` for the
    mix, `budget["new_datasets"]` for the new domain (either may be absent: its caps stay). The
    config itself when there is no budget."""
    if not budget:
        return config
    train = dict(config["train"])
    for section in ("datasets", "new_datasets"):
        if budget.get(section) is not None:
            train[section] = {n: {**e, "max_examples": budget[section]} for n, e in train[section].items()}
    return {**config, "train": train}


def trainable_datasets(config: dict) -> dict[str, dict]:
    """The training mix and the new-domain sets (incremental learning), name -> caps."""
    return {**config["train"]["datasets"], **config["train"]["new_datasets"]}


def train_recipe(config: dict, datasets: list[str], schedule: str, seed: int, ratio: float = 1.0,
                 order: list[str] | None = None, *, replay: float | None = None, bag: int = 0,
                 complement: bool = False, init: dict | None = None) -> dict:
    """A trained model's recipe. `ratio` samples every dataset (a bag; `bag` numbers distinct bags
    of one seed, `complement` takes what the bag left out); `replay` samples only the datasets of
    the training mix (the historical data), new-domain datasets whole; `init` starts training
    from another model's weights instead of the base (continued fine-tuning)."""
    root = resolve_root(config["data"]["root"])
    train = config["train"]
    caps = trainable_datasets(config)
    held_out = held_out_digest(config["data"])

    def entry(name: str) -> dict:
        share = replay if replay is not None and name in train["datasets"] else ratio
        e = {
            "max_examples": caps[name]["max_examples"],
            "hard_negatives": train["hard_negatives"],
            "task_type": SOURCES[name].task_type,
            "loader_version": SOURCES[name].version,
        }
        source = SOURCES[name]
        if isinstance(source, HubSource):  # downloaded at run time: named by repository, split and commit
            e["hub"] = f"{source.repo}@{source.revision}:{source.train_split}"
        elif isinstance(source, OwnSource):  # a few files: each named, with its sha256
            e["files_sha256"] = source.sha256s()
        else:
            e["sources_sha256"] = sources_digest(source.sha256s(root))
        if held_out:  # own test files: every training set is decontaminated against them
            e["held_out_sha256"] = held_out
        if share < 1.0:
            e.update(ratio=share, bag_seed=seed + 1000 * bag, sampler=SAMPLER_VERSION,
                     **({"complement": True} if complement else {}))
        return e

    return {
        "kind": "train",
        "base": base_recipe(config),
        "datasets": {name: entry(name) for name in datasets},
        "engine": TRAIN_ENGINE_VERSION,
        "schedule": schedule,
        **({"order": order} if order else {}),
        "hyper": {k: train[k] for k in HYPER_KEYS},
        **({"lora": train["lora"]} if train["lora"] else {}),
        # Only where set, so that the recipes (and ids) of single-device runs stay as they were.
        **({"devices": train["devices"]} if train["devices"] > 1 else {}),
        **({"gradient_checkpointing": True} if train["gradient_checkpointing"] else {}),
        **({"precision": train["precision"]} if train["precision"] != "auto" else {}),
        **({"query_instruction": True} if config["model"]["query_instruction"] else {}),
        "threads": train["threads"],
        "seed": seed,
        **({"init": init} if init else {}),
    }


def merge_recipe(config: dict, method: str, parameters: dict, inputs: list[dict], with_base: bool = True) -> dict:
    """A merged model's recipe. `with_base: False` merges the weights themselves where the method
    may take the shared base (Multi-SLERP: without it, no task vectors); recorded only then, so
    the ids of the merges with their base stay as they were."""
    return {"kind": "merge", "method": method, "parameters": parameters,
            "base": base_recipe(config), "inputs": [model_id(r) for r in inputs],
            "input_recipes": inputs, **({} if with_base else {"with_base": False})}


def split_groups(config: dict, variant: dict, clusters: list[list[str]] | None) -> list[list[str]] | None:
    """The training groups of a `split` merge variant: one per dataset, per task type, or per
    cluster of the interaction analysis (None while the clusters are not computed yet)."""
    datasets = sorted(variant.get("datasets") or config["train"]["datasets"])
    split = variant["split"]
    if split == "dataset":
        return [[d] for d in datasets]
    if split == "task_type":
        types = sorted({SOURCES[d].task_type for d in datasets})
        return [[d for d in datasets if SOURCES[d].task_type == t] for t in types]
    if clusters is None:
        return None
    groups = [sorted(set(c) & set(datasets)) for c in clusters]
    return [g for g in groups if g]


class RecipeError(BoomError, ValueError):
    """A variant whose recipe cannot give a trained model; the message names it and the fix."""


def planned_sizes(recipe: dict, prepared: dict[str, int] | None = None) -> dict[str, int]:
    """Each dataset's examples in a train recipe, before it runs: of its prepared file where that
    is known (`prepared`: name -> examples, from the files' cards), else its cap; a bag takes
    round(ratio * n) of them (boom.data.sampling), its complement the rest."""
    sizes = {}
    for name, entry in recipe["datasets"].items():
        total = min(entry["max_examples"], (prepared or {}).get(name, entry["max_examples"]))
        drawn = round(entry.get("ratio", 1.0) * total)
        sizes[name] = max(1, total - drawn if entry.get("complement") else drawn)
    return sizes


def prepared_sizes(config: dict) -> dict[str, int]:
    """name -> examples of each training set whose prepared file exists (its card says how many
    decontamination left); sets not prepared yet are absent (their caps stand in until then)."""
    sizes = {}
    k = config["train"]["hard_negatives"]
    for name, entry in trainable_datasets(config).items():
        card = Path(card_file(train_file(config["results_dir"], name, entry["max_examples"], k)))
        try:
            sizes[name] = int(json.loads(card.read_text())["examples"])
        except (OSError, ValueError, KeyError, TypeError):  # not prepared yet, or being rewritten
            continue
    return sizes


def optimizer_steps(recipe: dict, sizes: dict[str, int] | None = None) -> int:
    """The optimizer steps a train recipe takes: from each dataset's real number of examples
    (`sizes`, what the training job reads), or else from its caps (an upper bound: decontamination
    and short files may leave fewer); per-dataset batches of every stage (one epoch each), or
    mixed batches under `mixed`."""
    batch = recipe["hyper"]["batch_size"] // recipe.get("devices", 1)
    if sizes is None:
        sizes = planned_sizes(recipe)
    if recipe["schedule"] == "mixed":
        return math.ceil(sum(sizes.values()) / batch) * recipe["hyper"]["epochs"]
    plan = stages(recipe["schedule"], {n: e["task_type"] for n, e in recipe["datasets"].items()}, recipe.get("order"))
    return sum(math.ceil(sizes[n] / batch) for stage in plan for n in stage) * recipe["hyper"]["epochs"]


def check_steps(recipe: dict, min_steps: int, where: str, sizes: dict[str, int] | None = None) -> None:
    """Refuse a recipe that would take fewer than `min_steps` optimizer steps at a non-zero rate
    (with warm-up, the first step's rate is 0: a model of one batch is its base bit for bit);
    `sizes`: each dataset's real number of examples, where known."""
    steps = optimizer_steps(recipe, sizes)
    moving = steps - (1 if recipe["hyper"]["warmup_ratio"] > 0 else 0)
    if moving < min_steps:
        def held_by(name, count):
            entry = recipe["datasets"][name]
            cap = f" of its cap {entry['max_examples']}" if "max_examples" in entry else ""
            return f"{name} ({count} examples{cap}{', sampled' if entry.get('ratio', 1.0) < 1 else ''})"

        held = "" if sizes is None else " on " + ", ".join(held_by(n, k) for n, k in sorted(sizes.items()))
        raise RecipeError(f"{where} would take {steps} optimizer step(s){held}, {moving} at a non-zero learning rate "
                          f"(train.min_steps: {min_steps}): raise its datasets' max_examples, lower "
                          "train.batch_size or its ratio's share, or lower train.min_steps")


def check_merge_parts(parts: list[dict], names: list, where: str) -> None:
    """Refuse a merge of fewer than two distinct models: one cluster, or two inputs that are one
    recipe (a bag at ratio 1.0 is the whole corpus) would be reported as a merge they are not."""
    if len(parts) < 2:
        raise RecipeError(f"{where} merges {len(parts)} model ({names}): a merge needs two or more; "
                          "raise interaction.clusters or make it a `train` variant")
    ids = [model_id(p) for p in parts]
    for i, mid in enumerate(ids):
        if mid in ids[:i]:
            raise RecipeError(f"{where}: its inputs {names[ids.index(mid)]!r} and {names[i]!r} are the same model "
                              f"({mid}; a bag at ratio 1.0 is the whole corpus): merge distinct models")


@dataclass(frozen=True)
class Resolved:
    """Every model the configured experiments need, and which model each variant/seed is."""

    recipes: dict[str, dict]  # model id -> recipe
    variants: list[dict]  # rows: experiment, variant, kind, seed, model
    pending: list[tuple[str, str]]  # (experiment, variant) that wait for the interaction clusters


def needs_clusters(config: dict, experiment: str) -> bool:
    return any(v.get("split") == "clusters" for v in config["experiments"][experiment]["variants"].values())


def resolve(config: dict, experiments: list[str] | None = None, clusters: list[list[str]] | None = None,
            prepared: dict[str, int] | None = None) -> Resolved:
    """Resolve every variant of every seed to its recipe. Variants that merge per cluster are
    left `pending` (with their dependants) until `clusters` is given. The optimizer steps each
    trained model takes are checked on `prepared` (prepared_sizes) where known, else on the caps."""
    recipes: dict[str, dict] = {}
    rows: list[dict] = []
    pending: set[tuple[str, str]] = set()
    min_steps = config["train"]["min_steps"]
    for exp in experiments or list(config["experiments"]):
        variants = config["experiments"][exp]["variants"]
        budget = config["experiments"][exp].get("budget")  # a budget sweep's experiment (boom/budget.py)
        config_at = at_budget(config, budget)
        sizes = prepared_sizes(config_at) if budget and prepared is not None else prepared
        for seed in config["seeds"]:
            cache: dict[str, dict | None] = {}

            def recipe_of(name: str) -> dict | None:
                if name not in cache:
                    v = variants[name]
                    if v["kind"] == "base":
                        cache[name] = base_recipe(config)
                    elif v["kind"] == "train":
                        init = recipe_of(v["init"]) if "init" in v else None
                        cache[name] = None if "init" in v and init is None else train_recipe(
                            config_at, (v.get("datasets") or list(config["train"]["datasets"])) + v.get("new_datasets", []),
                            v.get("schedule", DEFAULT_SCHEDULE), seed, v.get("ratio", 1.0), v.get("order"),
                            replay=v.get("replay"), bag=v.get("bag", 0), complement=v.get("complement", False),
                            init=init)
                        if cache[name] is not None:
                            check_steps(cache[name], min_steps, f"experiment '{exp}', variant '{name}'",
                                        planned_sizes(cache[name], sizes) if sizes else None)
                    else:
                        if "split" in v:
                            groups = split_groups(config, v, clusters)
                            parts = None if groups is None else [
                                train_recipe(config_at, g, v.get("schedule", DEFAULT_SCHEDULE), seed) for g in groups]
                            for group, part in zip(groups or [], parts or []):
                                check_steps(part, min_steps, f"experiment '{exp}', variant '{name}' (its part on "
                                                             f"{', '.join(group)})",
                                            planned_sizes(part, sizes) if sizes else None)
                        else:
                            parts = [recipe_of(i) for i in v["inputs"]]
                        if parts is not None and None not in parts:
                            check_merge_parts(parts, v.get("inputs") or groups, f"experiment '{exp}', variant '{name}'")
                        cache[name] = None if parts is None or None in parts else merge_recipe(
                            config, v.get("method", config["merge"]["method"]),
                            v.get("parameters", config["merge"]["parameters"]), parts, v.get("with_base", True))
                return cache[name]

            for name, v in variants.items():
                recipe = recipe_of(name)
                if recipe is None:
                    pending.add((exp, name))
                    continue
                mid = model_id(recipe)
                recipes[mid] = recipe
                if name in config["experiments"][exp].get("report", variants):
                    rows.append({"experiment": exp, "variant": name, "kind": v["kind"], "seed": seed, "model": mid})
    for r in list(recipes.values()):  # a merge's inputs and every base are models too
        register_inputs(r, recipes)
    return Resolved(recipes, rows, sorted(pending))


def trained_models(recipe: dict) -> list[str]:
    """The train models whose runs a model needs (its own, or every part of a merge, recursively;
    not the model a continued run starts from, which exists already): its training cost."""
    if recipe["kind"] == "train":
        return [model_id(recipe)]
    if recipe["kind"] == "merge":
        return sorted({m for part in recipe["input_recipes"] for m in trained_models(part)})
    return []


def register_inputs(recipe: dict, recipes: dict[str, dict]) -> None:
    if recipe["kind"] == "base":
        return
    recipes.setdefault(model_id(recipe["base"]), recipe["base"])
    for part in recipe.get("input_recipes", []) + ([recipe["init"]] if "init" in recipe else []):
        recipes.setdefault(model_id(part), part)
        register_inputs(part, recipes)
