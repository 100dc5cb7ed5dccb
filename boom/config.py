"""Load, layer and validate the configuration: one message per error, naming the key path.

Snakemake merges `configfile:` and `--configfile` layers itself; `validate` is called on the
merged result when the workflow is parsed, and by every `python -m boom.<stage>` entry point.
"""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any

import jsonschema
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"
SCHEMA_PATH = CONFIG_DIR / "schema.yaml"

# Merge operators accepted in the config: the methods SentenceTransformer.merge documents as
# built into mergekit (tests check that each is registered there). Kept static so that parsing
# the workflow does not import torch or mergekit.
MERGE_METHODS = (
    "arcee_fusion", "breadcrumbs", "breadcrumbs_ties", "dare_linear", "dare_ties", "della",
    "della_linear", "karcher", "linear", "model_stock", "multislerp", "nearswap", "nuslerp",
    "ram", "ramplus_tl", "sce", "slerp", "task_arithmetic", "ties",
)


class ConfigError(ValueError):
    """A configuration problem; the message names the key path and how to fix it."""


def deep_update(base: dict, layer: dict) -> dict:
    """Return `base` updated key by key with `layer` (nested mappings merge, other values replace),
    the same layering Snakemake applies to `--configfile`."""
    out = copy.deepcopy(base)
    for key, value in layer.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_update(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load(*layers: str | Path) -> dict:
    """Load config/default.yaml, then each layer over it, and validate the result."""
    config = _read_yaml(CONFIG_DIR / "default.yaml")
    for layer in layers:
        config = deep_update(config, _read_yaml(Path(layer)))
    validate(config)
    return config


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping of keys, not {type(data).__name__}")
    return data


def _key_path(parts) -> str:
    return ".".join(str(p) for p in parts) or "<top level>"


def _schema_message(error: jsonschema.ValidationError) -> str:
    where = _key_path(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        key = unknown[0] if unknown else "?"
        hint = difflib.get_close_matches(key, allowed, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        full = f"{where}.{key}" if error.absolute_path else key
        return f"unknown config key '{full}'{suggestion} (allowed under {where}: {', '.join(allowed)})"
    if error.validator == "required":
        return f"config key {where} is missing a required entry: {error.message}"
    if error.validator == "enum":
        return f"config key {where} = {error.instance!r} is not one of {error.validator_value}"
    return f"config key {where} = {error.instance!r}: {error.message}"


def validate(config: dict) -> None:
    """Raise ConfigError naming the first offending key path, or return None."""
    schema = yaml.safe_load(SCHEMA_PATH.read_text())
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(config),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    if errors:
        raise ConfigError(_schema_message(errors[0]))
    _check_references(config)


def _check_references(config: dict) -> None:
    from boom.data.sources import EVAL_KEYS, SOURCES  # light import: no torch

    train_sets = config["train"]["datasets"]
    for name in train_sets:
        if name not in SOURCES:
            hint = difflib.get_close_matches(name, SOURCES, n=1)
            raise ConfigError(
                f"config key train.datasets.{name}: unknown dataset '{name}'"
                + (f"; did you mean '{hint[0]}'?" if hint else "") + f" (known: {', '.join(sorted(SOURCES))})"
            )
        if not SOURCES[name].trainable:
            raise ConfigError(f"config key train.datasets.{name}: dataset '{name}' has no training split "
                              f"(its role is {SOURCES[name].role})")
    for task, spec in config["evaluation"]["tasks"].items():
        where = f"evaluation.tasks.{task}"
        source = SOURCES.get(spec["dataset"])
        if source is None or source.eval_kind is None:
            evaluable = sorted(n for n, s in SOURCES.items() if s.eval_kind is not None)
            raise ConfigError(f"config key {where}.dataset: '{spec['dataset']}' is not an evaluation dataset "
                              f"(known: {', '.join(evaluable)})")
        allowed = EVAL_KEYS[source.eval_kind] | {"dataset", "role", "seed"}
        extra = sorted(set(spec) - allowed)
        if extra:
            raise ConfigError(f"config key {where}.{extra[0]} does not apply to a {source.eval_kind} task "
                              f"(allowed: {', '.join(sorted(allowed))})")
        if spec["role"] == "in_domain" and spec["dataset"] not in train_sets:
            raise ConfigError(f"config key {where}.role: in_domain task on '{spec['dataset']}', which is not in "
                              "train.datasets: in-domain tasks are test splits of the training mix")
        if spec["role"] != "in_domain" and spec["dataset"] in train_sets:
            raise ConfigError(f"config key {where}.role: {spec['role']} task on '{spec['dataset']}', which is "
                              "in train.datasets: an out-of-domain or new-domain task must never be trained on")
    _check_merge_method("merge.method", config["merge"]["method"])

    for exp, exp_spec in config["experiments"].items():
        variants = exp_spec["variants"]
        for name, v in variants.items():
            where = f"experiments.{exp}.variants.{name}"
            kind = v["kind"]
            expected = {"base": {"kind"}, "train": {"kind", "datasets", "schedule", "order", "ratio"},
                        "merge": {"kind", "inputs", "method", "parameters"}}[kind]
            extra = sorted(set(v) - expected)
            if extra:
                raise ConfigError(f"config key {where}.{extra[0]} does not apply to a variant of kind '{kind}'")
            if kind == "train":
                if "datasets" not in v:
                    raise ConfigError(f"config key {where}.datasets is required for kind 'train'")
                for ds in v["datasets"]:
                    if ds not in train_sets:
                        raise ConfigError(
                            f"config key {where}.datasets: '{ds}' is not defined in train.datasets "
                            f"(defined: {', '.join(train_sets)})"
                        )
                _check_schedule(where, v)
                ratio = v.get("ratio", 1.0)
                if not 0 < ratio <= 1:
                    raise ConfigError(f"config key {where}.ratio = {ratio}: a bag's ratio must be in (0, 1]")
                for ds in v["datasets"]:
                    if round(ratio * train_sets[ds]["max_examples"]) == 0:
                        raise ConfigError(f"config key {where}.ratio = {ratio}: the bag of '{ds}' would be empty "
                                          f"(max_examples {train_sets[ds]['max_examples']})")
            if kind == "merge":
                inputs = v.get("inputs")
                if not inputs:
                    raise ConfigError(f"config key {where}.inputs is required for kind 'merge'")
                if len(inputs) < 2:
                    raise ConfigError(f"config key {where}.inputs: a merge needs at least two models, got {inputs}")
                for inp in inputs:
                    if inp not in variants:
                        raise ConfigError(
                            f"config key {where}.inputs: '{inp}' is not a variant of experiment '{exp}' "
                            f"(variants: {', '.join(variants)})"
                        )
                    if inp == name:
                        raise ConfigError(f"config key {where}.inputs: a merge cannot take itself as input")
                if "method" in v:
                    _check_merge_method(f"{where}.method", v["method"])
        _check_merge_cycles(exp, variants)
        roles = {spec["role"] for spec in config["evaluation"]["tasks"].values()}
        for suite in exp_spec.get("suites", []):
            if suite not in roles:
                raise ConfigError(f"config key experiments.{exp}.suites: no task in evaluation.tasks has role '{suite}'")


def _check_schedule(where: str, variant: dict) -> None:
    from boom.data.sources import SOURCES
    from boom.schedules import ScheduleError, stages

    schedule = variant.get("schedule", "bls")
    if "order" in variant and schedule not in ("seq_dataset", "seq_task"):
        raise ConfigError(f"config key {where}.order applies only to schedules seq_dataset and seq_task, not {schedule}")
    try:
        stages(schedule, {d: SOURCES[d].task_type for d in variant["datasets"]}, variant.get("order"))
    except ScheduleError as exc:
        raise ConfigError(f"config key {where}: {exc}") from None


def _check_merge_method(where: str, method: str) -> None:
    if method not in MERGE_METHODS:
        hint = difflib.get_close_matches(method, MERGE_METHODS, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        raise ConfigError(
            f"config key {where}: unknown merge method '{method}'{suggestion} "
            f"(known: {', '.join(MERGE_METHODS)})"
        )


def _check_merge_cycles(exp: str, variants: dict[str, Any]) -> None:
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "active":
            cycle = " -> ".join(trail + [name])
            raise ConfigError(f"config key experiments.{exp}.variants: merge inputs form a cycle: {cycle}")
        state[name] = "active"
        for inp in variants[name].get("inputs", []) if variants[name]["kind"] == "merge" else []:
            visit(inp, trail + [name])
        state[name] = "done"

    for name in variants:
        visit(name, [])
