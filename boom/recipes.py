"""Models as recipes: every model is fully defined by a resolved recipe, named by its hash.

The same recipe used by two experiments resolves to the same id, so it is built once. Imports no
torch: the Snakefile resolves every experiment's recipes when the workflow is parsed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from boom.data.manifest import provenance_of, resolve_root
from boom.data.sources import SOURCES

# boom.train.ENGINE_VERSION, repeated here so that resolving recipes imports no torch (a test
# keeps the two equal).
TRAIN_ENGINE_VERSION = 2
HYPER_KEYS = ("batch_size", "learning_rate", "warmup_ratio", "epochs", "temperature", "max_seq_length")


def model_id(recipe: dict) -> str:
    """`<kind>-<12 hex digits>`: a short hash of the canonical JSON of the recipe."""
    canonical = json.dumps(recipe, sort_keys=True, separators=(",", ":"))
    return f"{recipe['kind']}-{hashlib.sha256(canonical.encode()).hexdigest()[:12]}"


def base_recipe(config: dict) -> dict:
    m = config["model"]
    recipe = {"kind": "base", "source": m["source"], "name": m["name"], "revision": m.get("revision"),
              "init_seed": m.get("init_seed", 0) if m["source"] == "tiny_random" else None}
    if m["source"] != "gt_minilm":
        recipe["pooling"] = m.get("pooling", "mean")
    if m["source"] == "tiny_random":
        recipe["architecture"] = m.get("architecture", "bert")
    return recipe


def train_data_file(results_dir: str, dataset: str, entry: dict) -> str:
    """The training file of one dataset of a recipe: the prepared file at its cap and number of
    hard negatives, or a bag sampled from it (`ratio` < 1, drawn with `bag_seed`)."""
    stem = f"{results_dir}/data/train/{dataset}.n{entry['max_examples']}.k{entry['hard_negatives']}"
    if entry.get("ratio", 1.0) < 1.0:
        stem += f".r{entry['ratio']}.s{entry['bag_seed']}"
    return stem + ".jsonl"


def train_recipe(config: dict, datasets: list[str], schedule: str, seed: int, ratio: float = 1.0,
                 order: list[str] | None = None) -> dict:
    root = resolve_root(config["data"]["root"])
    train = config["train"]

    def entry(name: str) -> dict:
        e = {
            "max_examples": train["datasets"][name]["max_examples"],
            "hard_negatives": train["hard_negatives"],
            "task_type": SOURCES[name].task_type,
            "loader_version": SOURCES[name].version,
            "sha256": provenance_of(root, list(SOURCES[name].files)),
        }
        if ratio < 1.0:
            e.update(ratio=ratio, bag_seed=seed)
        return e

    return {
        "kind": "train",
        "base": base_recipe(config),
        "datasets": {name: entry(name) for name in datasets},
        "engine": TRAIN_ENGINE_VERSION,
        "schedule": schedule,
        **({"order": order} if order else {}),
        "hyper": {k: train[k] for k in HYPER_KEYS},
        **({"lora": train["lora"]} if train.get("lora") else {}),
        **({"query_instruction": True} if config["model"].get("query_instruction") else {}),
        "threads": train["threads"],
        "seed": seed,
    }


def merge_recipe(config: dict, method: str, parameters: dict, inputs: list[dict]) -> dict:
    return {"kind": "merge", "method": method, "parameters": parameters,
            "base": base_recipe(config), "inputs": [model_id(r) for r in inputs],
            "input_recipes": inputs}


@dataclass(frozen=True)
class Resolved:
    """Every model the configured experiments need, and which model each variant/seed is."""

    recipes: dict[str, dict]  # model id -> recipe
    variants: list[dict]  # rows: experiment, variant, kind, seed, model


def resolve(config: dict, experiments: list[str] | None = None) -> Resolved:
    recipes: dict[str, dict] = {}
    rows: list[dict] = []
    for exp in experiments or list(config["experiments"]):
        variants = config["experiments"][exp]["variants"]
        for seed in config["seeds"]:
            cache: dict[str, dict] = {}

            def recipe_of(name: str) -> dict:
                if name not in cache:
                    v = variants[name]
                    if v["kind"] == "base":
                        cache[name] = base_recipe(config)
                    elif v["kind"] == "train":
                        cache[name] = train_recipe(config, v["datasets"], v.get("schedule", "bls"), seed,
                                                   v.get("ratio", 1.0), v.get("order"))
                    else:
                        cache[name] = merge_recipe(
                            config, v.get("method", config["merge"]["method"]),
                            v.get("parameters", config["merge"]["parameters"]),
                            [recipe_of(i) for i in v["inputs"]],
                        )
                return cache[name]

            for name, v in variants.items():
                recipe = recipe_of(name)
                mid = model_id(recipe)
                recipes[mid] = recipe  # a merge's inputs are variants too, so they are registered here
                rows.append({"experiment": exp, "variant": name, "kind": v["kind"], "seed": seed, "model": mid})
    for r in list(recipes.values()):
        if r["kind"] != "base":
            recipes.setdefault(model_id(r["base"]), r["base"])
    return Resolved(recipes, rows)
