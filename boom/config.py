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

from boom.errors import BoomError
from boom.paths import CONFIG_DIR, REPO_ROOT  # noqa: F401 (REPO_ROOT: the config's relative paths)

SCHEMA_PATH = CONFIG_DIR / "schema.yaml"

# Merge operators accepted in the config: the methods SentenceTransformer.merge documents as
# built into mergekit, with mergekit's input contract and parameters (a test checks this table
# against mergekit's registry). Kept static so that parsing the workflow imports no torch.
#   method: (base policy, min inputs, max inputs, min non-base inputs, {parameter: scope})
# Inputs count the base model where the method takes one; scope `shared` is one value, `input` and
# `non_base` one value per merged model.
_TV = {"int8_mask": "shared", "normalize": "shared", "rescale": "shared", "lambda": "shared",
       "weight": "non_base", "density": "non_base"}  # the generalized task-arithmetic family
MERGE_METHODS: dict[str, tuple] = {
    "arcee_fusion": ("required", 2, 2, None, {}),
    "breadcrumbs": ("required", 1, None, None, {**_TV, "gamma": "non_base"}),
    "breadcrumbs_ties": ("required", 1, None, None, {**_TV, "gamma": "non_base"}),
    "dare_linear": ("required", 1, None, None, _TV),
    "dare_ties": ("required", 1, None, None, _TV),
    "della": ("required", 1, None, None, {**_TV, "epsilon": "non_base"}),
    "della_linear": ("required", 1, None, None, {**_TV, "epsilon": "non_base"}),
    "karcher": ("ignored", 1, None, None, {"max_iter": "shared", "tol": "shared"}),
    "linear": ("ignored", 1, None, None, {"weight": "input", "normalize": "shared"}),
    "model_stock": ("required", 3, None, None, {"filter_wise": "shared"}),
    "multislerp": ("optional", 1, None, 1, {"weight": "non_base", "normalize_weights": "shared", "eps": "shared"}),
    "nearswap": ("required", 2, 2, None, {"t": "shared"}),
    "nuslerp": ("optional", 1, None, 2, {"weight": "non_base", "nuslerp_row_wise": "shared", "nuslerp_flatten": "shared"}),
    "ram": ("required", 1, None, None, {"epsilon": "shared"}),
    "ramplus_tl": ("required", 1, None, None, {"r": "shared", "alpha": "shared", "epsilon": "shared"}),
    "sce": ("required", 1, None, None, {"int8_mask": "shared", "select_topk": "shared"}),
    "slerp": ("required", 2, 2, None, {"t": "shared"}),
    "task_arithmetic": ("required", 1, None, None, _TV),
    "ties": ("required", 1, None, None, _TV),
}


def merge_method_error(method: str, parameters: dict, n_inputs: int) -> str | None:
    """What is wrong with merging `n_inputs` models with `method` and `parameters`, or None.
    The shared base model is an extra input of task-vector methods; the two-model interpolations
    (slerp, nearswap, arcee_fusion) take their first input as base."""
    if method not in MERGE_METHODS:
        hint = difflib.get_close_matches(method, MERGE_METHODS, n=1)
        return (f"unknown merge method '{method}'" + (f"; did you mean '{hint[0]}'?" if hint else "")
                + f" (known: {', '.join(MERGE_METHODS)})")
    policy, min_inputs, max_inputs, min_non_base, known = MERGE_METHODS[method]
    two_model = policy == "required" and max_inputs == 2
    total = n_inputs + (1 if policy != "ignored" and not two_model else 0)
    least = max(1, min_inputs - (total - n_inputs), min_non_base or 0)
    if n_inputs < least or (max_inputs is not None and total > max_inputs):
        wanted = f"exactly {max_inputs}" if two_model else f"at least {least}"
        return f"merge method '{method}' needs {wanted} models to merge, got {n_inputs}"
    for name, value in parameters.items():
        if name not in known:
            return (f"merge method '{method}' has no parameter '{name}' "
                    f"(its parameters: {', '.join(known) or 'none'})")
        if isinstance(value, list) and (known[name] == "shared" or len(value) != n_inputs):
            if known[name] == "shared":
                return f"merge parameter '{name}' of '{method}' is one value, not a list"
            return (f"merge parameter '{name}' has {len(value)} values for {n_inputs} models to merge: "
                    "give one value per input, in input order")
    return None


class ConfigError(BoomError, ValueError):
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
    drop_removed(config)
    validate(config)
    return config


# Named entries a layer may remove by setting them to null (`wikiqa: null` under train.datasets):
# layering merges mappings key by key, so this is the only way a layer can shrink one.
REMOVABLE = (("train", "datasets"), ("train", "new_datasets"), ("evaluation", "tasks"), ("experiments",),
             ("experiments", "*", "variants"))


def drop_removed(config: dict) -> dict:
    """Delete, in place, the entries of REMOVABLE mappings (`*`: any key) that a layer set to null."""
    def sections(node, path):
        if not isinstance(node, dict):
            return
        if not path:
            yield node
            return
        children = node.values() if path[0] == "*" else [node.get(path[0])]
        for child in children:
            yield from sections(child, path[1:])

    for path in REMOVABLE:
        for section in sections(config, path):
            for name in [n for n, value in section.items() if value is None]:
                del section[name]
    return config


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's own loaders keep the last of two equal keys: two variants of one name would silently
    become one."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark,
                    f"found the key {key!r} twice (first at line {seen[key] + 1}); rename or remove one",
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def check_config_files(paths) -> None:
    """Read each config file as boom does (Snakemake reads them too, but keeps the last of two
    equal keys without a word)."""
    for path in paths:
        _read_yaml(Path(path))


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    try:
        data = yaml.load(path.read_text(), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping of keys, not {type(data).__name__}")
    return data


def _key_path(parts) -> str:
    return ".".join(str(p) for p in parts) or "<top level>"


# JSON Schema's `integer` accepts 16.0; boom's file names would then hold "16.0", which no rule
# pattern matches, and a target could quietly plan nothing. Only a YAML/JSON whole number is one.
_STRICT_TYPES = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool))
_Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=_STRICT_TYPES)


def _type_hint(error: jsonschema.ValidationError) -> str:
    """How to write the value the schema wanted, where YAML's reading is the surprise."""
    wanted, value = error.validator_value, error.instance
    wanted = wanted if isinstance(wanted, list) else [wanted]
    if "integer" in wanted and isinstance(value, float) and value.is_integer():
        return f"; write {int(value)}, a whole number without a decimal point"
    if isinstance(value, str) and ("number" in wanted or "integer" in wanted):
        try:
            float(value)
        except ValueError:
            return ""
        return (f"; YAML reads {value} as text (a number in exponent form needs a decimal point and a signed "
                f"exponent, e.g. 5.0e-5), or write it out: {float(value):g}")
    return ""


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
    if "propertyNames" in error.schema_path:  # a name, not a value
        return (f"config key {where}.{error.instance}: '{error.instance}' is not a valid name here: use letters, "
                "digits and underscores, starting with a letter")
    if error.validator == "uniqueItems":
        twice = next(x for i, x in enumerate(error.instance) if x in error.instance[:i])
        return f"config key {where} lists {twice!r} twice; name each entry once"
    if error.validator == "type":
        return f"config key {where} = {error.instance!r}: {error.message}{_type_hint(error)}"
    return f"config key {where} = {error.instance!r}: {error.message}"


def validate(config: dict) -> None:
    """Raise ConfigError naming the first offending key path, or return None."""
    schema = yaml.safe_load(SCHEMA_PATH.read_text())
    errors = sorted(
        _Validator(schema).iter_errors(config),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    if errors:
        raise ConfigError(_schema_message(errors[0]))
    from boom.data.sources import register_hub

    try:
        register_hub(config["train"])
    except ValueError as exc:
        raise ConfigError(f"config key {exc}") from None
    _check_references(config)
    _check_benchmarks(config["evaluation"])


def _check_benchmarks(evaluation: dict) -> None:
    """Each `evaluation.benchmarks` entry names an mteb benchmark (resolved offline from the
    metadata mteb ships; only then is mteb imported) and no task sits in two suites."""
    if not evaluation.get("benchmarks"):
        return
    from boom.data.sources import evaluation_tasks

    for suite, name in evaluation["benchmarks"].items():
        try:
            evaluation_tasks({"tasks": {}, "benchmarks": {suite: name}})
        except ValueError as exc:
            raise ConfigError(f"config key evaluation.benchmarks.{suite}: {exc}") from None
    try:
        evaluation_tasks(evaluation)
    except ValueError as exc:
        raise ConfigError(f"config key evaluation.benchmarks: {exc}") from None


def _check_references(config: dict) -> None:
    from boom.data.sources import EVAL_KEYS, SOURCES  # light import: no torch

    from boom.recipes import trainable_datasets

    train_sets = config["train"]["datasets"]
    new_sets = config["train"].get("new_datasets", {})
    for section, names in (("datasets", train_sets), ("new_datasets", new_sets)):
        for name in names:
            if name not in SOURCES:
                hint = difflib.get_close_matches(name, SOURCES, n=1)
                raise ConfigError(
                    f"config key train.{section}.{name}: unknown dataset '{name}'"
                    + (f"; did you mean '{hint[0]}'?" if hint else "") + f" (known: {', '.join(sorted(SOURCES))})"
                )
            if not SOURCES[name].trainable:
                raise ConfigError(f"config key train.{section}.{name}: dataset '{name}' has no training split "
                                  f"(its role is {SOURCES[name].role})")
            if section == "new_datasets" and SOURCES[name].role != "new_domain":
                raise ConfigError(f"config key train.new_datasets.{name}: '{name}' is not a new-domain dataset "
                                  f"(its role is {SOURCES[name].role}); the training mix is train.datasets")
    if set(train_sets) & set(new_sets):
        raise ConfigError(f"config key train.new_datasets: {sorted(set(train_sets) & set(new_sets))} are also in "
                          "train.datasets; a dataset is either in the mix or new")
    trainable = trainable_datasets(config)
    benchmarked = config["evaluation"].get("benchmarks") or {}
    for task, spec in config["evaluation"]["tasks"].items():
        if spec["role"] in benchmarked:  # replaced by that suite's mteb benchmark
            continue
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
        if spec["role"] == "out_of_domain" and spec["dataset"] in new_sets:
            raise ConfigError(f"config key {where}.role: out_of_domain task on '{spec['dataset']}', which is in "
                              "train.new_datasets: an out-of-domain task must never be trained on")
        if spec["role"] != "in_domain" and spec["dataset"] in train_sets:
            raise ConfigError(f"config key {where}.role: {spec['role']} task on '{spec['dataset']}', which is "
                              "in train.datasets: an out-of-domain or new-domain task must never be trained on")
    _check_merge_method("merge.method", config["merge"]["method"], config["merge"]["parameters"], 2)
    _check_interaction(config)
    _check_limits(config)

    for exp, exp_spec in config["experiments"].items():
        variants = exp_spec["variants"]
        for name, v in variants.items():
            where = f"experiments.{exp}.variants.{name}"
            kind = v["kind"]
            expected = {"base": {"kind"},
                        "train": {"kind", "datasets", "new_datasets", "schedule", "order", "ratio", "replay", "bag",
                                  "complement", "init"},
                        "merge": {"kind", "inputs", "method", "parameters", "split", "datasets", "schedule"}}[kind]
            extra = sorted(set(v) - expected)
            if extra:
                raise ConfigError(f"config key {where}.{extra[0]} does not apply to a variant of kind '{kind}'")
            for ds in v.get("datasets", []):
                if ds not in trainable:
                    raise ConfigError(f"config key {where}.datasets: '{ds}' is not defined in train.datasets "
                                      f"or train.new_datasets (defined: {', '.join(trainable)})")
            if kind == "train":
                _check_train_variant(config, exp, name, v)
            if kind == "merge":
                _check_merge_variant(config, exp, name, v)
        _check_merge_cycles(exp, variants)
        if "cost_reference" in exp_spec and exp_spec["cost_reference"] not in exp_spec.get("report", variants):
            raise ConfigError(f"config key experiments.{exp}.cost_reference: '{exp_spec['cost_reference']}' is not a "
                              f"reported variant of experiment '{exp}'")
        for key in ("report", "sunk_cost"):
            for shown in exp_spec.get(key, []):
                if shown not in variants:
                    raise ConfigError(f"config key experiments.{exp}.{key}: '{shown}' is not a variant of experiment "
                                      f"'{exp}' (variants: {', '.join(variants)})")
        roles = {spec["role"] for spec in config["evaluation"]["tasks"].values()}
        roles |= set(config["evaluation"].get("benchmarks") or {})  # suites of mteb benchmarks
        for suite in exp_spec.get("suites", []):
            if suite not in roles:
                raise ConfigError(f"config key experiments.{exp}.suites: no task in evaluation.tasks has role '{suite}'")


def _check_train_variant(config: dict, exp: str, name: str, v: dict) -> None:
    where = f"experiments.{exp}.variants.{name}"
    train_sets, trainable = config["train"]["datasets"], {**config["train"]["datasets"], **config["train"].get("new_datasets", {})}
    for ds in v.get("new_datasets", []):
        if ds not in config["train"].get("new_datasets", {}):
            raise ConfigError(f"config key {where}.new_datasets: '{ds}' is not defined in train.new_datasets")
    datasets = (v.get("datasets") or list(train_sets)) + v.get("new_datasets", [])
    _check_schedule(where, {**v, "datasets": datasets})
    for key in ("ratio", "replay"):
        if key not in v:
            continue
        share = v[key]
        if not 0 < share <= 1:
            raise ConfigError(f"config key {where}.{key} = {share}: a bag's ratio must be in (0, 1]")
        sampled = [d for d in datasets if key == "ratio" or d in train_sets]
        if key == "replay" and not sampled:
            raise ConfigError(f"config key {where}.replay: none of {datasets} is in train.datasets, so there is "
                              "no historical data to replay")
        for ds in sampled:
            n = trainable[ds]["max_examples"]
            if round(share * n) == 0 or (v.get("complement") and round(share * n) == n):
                raise ConfigError(f"config key {where}.{key} = {share}: the bag of '{ds}' would be empty "
                                  f"(max_examples {n})")
    if "ratio" in v and "replay" in v:
        raise ConfigError(f"config key {where}: give `ratio` (every dataset) or `replay` (the mix only), not both")
    if v.get("complement") and "ratio" not in v:
        raise ConfigError(f"config key {where}.complement: the complement of a bag needs the bag's `ratio`")
    if "init" in v:
        variants = config["experiments"][exp]["variants"]
        if v["init"] not in variants or variants[v["init"]]["kind"] == "base" or v["init"] == name:
            raise ConfigError(f"config key {where}.init: '{v['init']}' is not another train or merge variant of "
                              f"experiment '{exp}' (to start from the base model, leave `init` out)")


def _check_merge_variant(config: dict, exp: str, name: str, v: dict) -> None:
    """A merge variant names its inputs (other variants) or a `split` of the training mix."""
    variants = config["experiments"][exp]["variants"]
    where = f"experiments.{exp}.variants.{name}"
    if ("inputs" in v) == ("split" in v):
        raise ConfigError(f"config key {where}: a merge variant needs either `inputs` (variants to merge) or "
                          "`split` (dataset, task_type or clusters: one model per part of the mix), not both")
    if "split" in v:
        from boom.recipes import split_groups

        if "schedule" in v:
            _check_schedule(where, {"schedule": v["schedule"], "datasets": v.get("datasets") or list(config["train"]["datasets"])})
        groups = split_groups(config, v, None)  # clusters: known only after the interaction analysis
        probed = config["interaction"]["datasets"] or list(config["train"]["datasets"])
        missing = sorted(set(v.get("datasets") or config["train"]["datasets"]) - set(probed))
        if v["split"] == "clusters" and missing:
            raise ConfigError(f"config key {where}.datasets: '{missing[0]}' is not in interaction.datasets, so it "
                              "has no cluster; add it there or leave interaction.datasets null (the whole mix)")
        n_parts = None if groups is None else len(groups)
        if n_parts is not None and n_parts < 2:
            raise ConfigError(f"config key {where}.split: `split: {v['split']}` over {sorted(sum(groups, []))} gives "
                              "one part, and a merge needs two or more models: list more datasets (`datasets`), "
                              "or make it a `train` variant")
        if v["split"] == "clusters" and config["interaction"]["clusters"] < 2:
            raise ConfigError(f"config key interaction.clusters = {config['interaction']['clusters']}: "
                              f"{where} merges one model per cluster, and a merge needs two or more")
    else:
        for key in ("datasets", "schedule"):
            if key in v:
                raise ConfigError(f"config key {where}.{key} applies only to a `split` merge variant")
        inputs = v["inputs"]
        if len(inputs) < 2:
            raise ConfigError(f"config key {where}.inputs: a merge needs at least two models, got {inputs}")
        for inp in inputs:
            if inp not in variants:
                raise ConfigError(f"config key {where}.inputs: '{inp}' is not a variant of experiment '{exp}' "
                                  f"(variants: {', '.join(variants)})")
            if inp == name:
                raise ConfigError(f"config key {where}.inputs: a merge cannot take itself as input")
        n_parts = len(inputs)
    method = v.get("method", config["merge"]["method"])
    parameters = v.get("parameters", config["merge"]["parameters"])
    key = f"{where}.method" if "method" in v else f"{where} (merge.method)"
    if n_parts is None:  # per-input lists cannot be checked before the parts are known
        parameters = {k: val for k, val in parameters.items() if not isinstance(val, list)}
        n_parts = 2
    _check_merge_method(key, method, parameters, n_parts)


def _check_interaction(config: dict) -> None:
    budget = config["interaction"]
    names = budget["datasets"]
    for ds in names or []:
        if ds not in config["train"]["datasets"]:
            raise ConfigError(f"config key interaction.datasets: '{ds}' is not defined in train.datasets "
                              f"(defined: {', '.join(config['train']['datasets'])})")
    # each probe trains on `train_examples` of a dataset's prepared file and scores `heldout_examples`
    # others of the same file: the cap must leave room for both
    need = budget["train_examples"] + budget["heldout_examples"]
    for ds in names or config["train"]["datasets"]:
        cap = config["train"]["datasets"][ds].get("max_examples")
        if cap is not None and cap < need:
            raise ConfigError(
                f"config key interaction.train_examples + heldout_examples = {need}, but train.datasets.{ds}"
                f".max_examples is {cap}: lower the interaction budget or raise the cap")


# Position embeddings of the local base models: a longer max_seq_length would index past them.
# A Hub model's own limit is checked when the training or evaluation stage loads it.
POSITION_LIMITS = {"gt_minilm": 512, "tiny_random": 512}


def _check_limits(config: dict) -> None:
    """Values the model, the data or the devices cannot take, refused before anything runs."""
    limit = POSITION_LIMITS.get(config["model"]["source"])
    for section in ("train", "evaluation"):
        length = config[section]["max_seq_length"]
        if limit is not None and length > limit:
            raise ConfigError(f"config key {section}.max_seq_length = {length}: the base model "
                              f"({config['model']['source']}) has {limit} positions; use at most {limit}")
    devices = config["train"].get("devices", 1)
    if config["train"]["batch_size"] % devices:
        raise ConfigError(f"config key train.batch_size = {config['train']['batch_size']}: it does not split over "
                          f"train.devices = {devices}; use a multiple of {devices}")
    probed = config["interaction"]["datasets"] or list(config["train"]["datasets"])
    if config["interaction"]["clusters"] > len(probed):
        raise ConfigError(f"config key interaction.clusters = {config['interaction']['clusters']}: the analysis "
                          f"probes {len(probed)} datasets, so there can be at most {len(probed)} clusters")


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


def _check_merge_method(where: str, method: str, parameters: dict, n_inputs: int) -> None:
    error = merge_method_error(method, parameters, n_inputs)
    if error:
        raise ConfigError(f"config key {where}: {error}")


def _check_merge_cycles(exp: str, variants: dict[str, Any]) -> None:
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "active":
            cycle = " -> ".join(trail + [name])
            raise ConfigError(f"config key experiments.{exp}.variants: merge inputs form a cycle: {cycle}")
        state[name] = "active"
        v = variants[name]
        for inp in (v.get("inputs", []) if v["kind"] == "merge" else []) + ([v["init"]] if "init" in v else []):
            visit(inp, trail + [name])
        state[name] = "done"

    for name in variants:
        visit(name, [])


# ---------------------------------------------------------------- output folders and their scale

OWNER_FILE = "SCALE"


def check_owner(folder: str | Path, scale: str) -> None:
    """Refuse an output folder that another scale's run wrote to (its SCALE file): models are
    keyed by recipe and would not mix up, but the summary, tables and figures of one scale would
    silently replace the other's."""
    stamp = Path(folder) / OWNER_FILE
    if stamp.is_file():
        owner = stamp.read_text().strip()
        if owner != scale:
            raise ConfigError(
                f"{folder}/ holds the results of the '{owner}' scale ({stamp}), and this run is of the '{scale}' "
                f"scale: give it its own results_dir and figures_dir (config keys), or remove {folder}/ to start over")


def claim_owner(folder: str | Path, scale: str) -> None:
    """Mark an output folder as this scale's (a run's start; check_owner has passed)."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    stamp = Path(folder) / OWNER_FILE
    if not stamp.is_file():
        stamp.write_text(scale + "\n")
