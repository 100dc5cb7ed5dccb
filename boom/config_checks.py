"""The configuration's cross-references, checked after its schema: every dataset, variant,
merge method, schedule and limit a config names must exist and fit together. One ConfigError
naming the key path and the fix; torch-free (the workflow's parse runs it)."""

from __future__ import annotations

import difflib
from typing import Any

from boom.data.examples import MINE_DEPTH
from boom.data.own import check_files as check_own_files
from boom.data.sources import EVAL_KEYS, SOURCES, evaluation_tasks, hub_sources
from boom.errors import ConfigError
from boom import budget, merge_methods
from boom.merge_methods import method_error
from boom.model_folder import inspect as inspect_folder
from boom.paths import load_schema
from boom.recipes import split_groups, trainable_datasets
from boom.schedules import DEFAULT_SCHEDULE, ScheduleError, stages



def variant_keys() -> dict[str, list[str]]:
    """A variant's key -> the variant kinds it applies to (the schema's `x-kinds`)."""
    variant = load_schema()["properties"]["experiments"]["additionalProperties"]["properties"]["variants"]
    return {key: spec["x-kinds"] for key, spec in variant["additionalProperties"]["properties"].items()}

def check(config: dict) -> None:
    """Raise ConfigError for the first cross-reference that does not hold (the schema has passed)."""
    hub = hub_sources(config["train"])
    unregistered = sorted(name for name, source in hub.items() if SOURCES.get(name) != source)
    if unregistered:  # a caller's slip, not the user's: load() and the workflow register them
        raise ConfigError(f"train.hub.datasets {unregistered} are not registered: call "
                          "boom.data.sources.register_hub(config['train']) before validating")
    _check_model(config["model"])
    _check_references(config)
    _check_benchmarks(config["evaluation"])
    budget.check(config)
    check_own_files(config["data"])


# Model keys that only one source reads, with the value every other source takes (the defaults
# that config/default.yaml spells out): set to anything else, they would be ignored.
SOURCE_KEYS = {"layers": (("gt_minilm",), None), "architecture": (("tiny_random",), "bert"),
               "init_seed": (("tiny_random",), 0), "revision": (("hub",), None), "path": (("path",), None)}
GT_MINILM_LAYERS = 6


def _check_model(model: dict) -> None:
    source = model["source"]
    for key, (readers, inert) in SOURCE_KEYS.items():
        if source not in readers and model.get(key, inert) != inert:
            raise ConfigError(f"config key model.{key} = {model[key]!r} applies only to model.source "
                              f"{' or '.join(readers)}, and this base is {source}: remove it (or set it to "
                              f"{'null' if inert is None else repr(inert)})")
    if source == "path" and not model.get("path"):
        raise ConfigError("config key model.path: model.source is path, so name the model's folder in model.path")
    folder = inspect_folder(model["path"]) if source == "path" else None
    own_pooling = source == "gt_minilm" or (folder is not None and folder.kind == "sentence-transformers")
    if own_pooling and model.get("pooling", "mean") != "mean":
        raise ConfigError(f"config key model.pooling = {model['pooling']!r}: the {source} base is a "
                          "sentence-transformers model with its own pooling, which boom keeps; remove the key "
                          "(or set it to 'mean')")
    if source == "gt_minilm" and (model.get("layers") or 0) > GT_MINILM_LAYERS:
        raise ConfigError(f"config key model.layers = {model['layers']}: the base has {GT_MINILM_LAYERS} layers; keep "
                          f"between 1 and {GT_MINILM_LAYERS}")


def _check_benchmarks(evaluation: dict) -> None:
    """Each `evaluation.benchmarks` entry names an mteb benchmark (resolved offline from the
    metadata mteb ships; only then is mteb imported) and no task sits in two suites."""
    if not evaluation.get("benchmarks"):
        return
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
    train_sets = config["train"]["datasets"]
    new_sets = config["train"]["new_datasets"]
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
            extra = sorted(key for key in v if kind not in variant_keys()[key])
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
    train_sets, trainable = config["train"]["datasets"], {**config["train"]["datasets"], **config["train"]["new_datasets"]}
    for ds in v.get("new_datasets", []):
        if ds not in config["train"]["new_datasets"]:
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
    if "bag" in v and "ratio" not in v and "replay" not in v:
        raise ConfigError(f"config key {where}.bag applies only to a sampled variant (with `ratio` or `replay`): "
                          "without one it trains on the whole corpus; add the bag's ratio or remove `bag`")
    if "replay" in v and not v.get("new_datasets"):
        raise ConfigError(f"config key {where}.replay samples the training mix beside new-domain data "
                          "(`new_datasets`), and this variant has none: use `ratio` for a bag of the mix")
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
    if v.get("with_base") is False and merge_methods.get(method).base != "optional":
        raise ConfigError(f"config key {where}.with_base: '{method}' "
                          + ("needs the shared base model (it merges task vectors)" if merge_methods.get(method).base
                             == "required" else "never takes a base model")
                          + ": `with_base: false` applies to a method whose base is optional (multislerp, nuslerp)")


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
    source = config["model"]["source"]
    limit = inspect_folder(config["model"]["path"]).positions if source == "path" else POSITION_LIMITS.get(source)
    for section in ("train", "evaluation"):
        length = config[section]["max_seq_length"]
        if limit is not None and length > limit:
            raise ConfigError(f"config key {section}.max_seq_length = {length}: the base model "
                              f"({config['model']['source']}) has {limit} positions; use at most {limit}")
    # labelled sets (classification, clustering: no in-batch negatives) take their negatives
    # from their labels; the others mine what they lack
    k, hub = config["train"]["hard_negatives"], hub_sources(config["train"])
    mirrored = sorted(n for n in trainable_datasets(config) if n not in hub and SOURCES[n].in_batch_negatives)
    if mirrored and k > MINE_DEPTH:
        raise ConfigError(f"config key train.hard_negatives = {k}: negatives a dataset lacks are mined from each "
                          f"query's {MINE_DEPTH} nearest texts (boom.data.examples.MINE_DEPTH), so {mirrored[0]} "
                          f"cannot have {k}; use at most {MINE_DEPTH}")
    devices = config["train"]["devices"]
    if config["train"]["batch_size"] % devices:
        raise ConfigError(f"config key train.batch_size = {config['train']['batch_size']}: it does not split over "
                          f"train.devices = {devices}; use a multiple of {devices}")
    probed = config["interaction"]["datasets"] or list(config["train"]["datasets"])
    if config["interaction"]["clusters"] > len(probed):
        raise ConfigError(f"config key interaction.clusters = {config['interaction']['clusters']}: the analysis "
                          f"probes {len(probed)} datasets, so there can be at most {len(probed)} clusters")


def _check_schedule(where: str, variant: dict) -> None:
    schedule = variant.get("schedule", DEFAULT_SCHEDULE)
    if "order" in variant and schedule not in ("seq_dataset", "seq_task"):
        raise ConfigError(f"config key {where}.order applies only to schedules seq_dataset and seq_task, not {schedule}")
    try:
        stages(schedule, {d: SOURCES[d].task_type for d in variant["datasets"]}, variant.get("order"))
    except ScheduleError as exc:
        raise ConfigError(f"config key {where}: {exc}") from None


def _check_merge_method(where: str, method: str, parameters: dict, n_inputs: int) -> None:
    error = method_error(method, parameters, n_inputs)
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
