"""The configuration: layering, and one clear message naming the key path for each mistake."""

import copy

import pytest
import yaml

from boom import config as boom_config
from boom.config import ConfigError, deep_update, validate


@pytest.mark.parametrize("layer", [None, "config/smoke.yaml", "config/paper.yaml"])
def test_shipped_configs_are_valid(layer):
    cfg = boom_config.load(*([boom_config.REPO_ROOT / layer] if layer else []))
    assert cfg["experiments"]["slice"]["variants"]


def test_layers_merge_key_by_key():
    smoke = boom_config.load(boom_config.CONFIG_DIR / "smoke.yaml")
    assert smoke["model"]["source"] == "tiny_random"
    # untouched keys of a layered mapping come from default.yaml
    assert smoke["train"]["warmup_ratio"] == boom_config.load()["train"]["warmup_ratio"]
    assert deep_update({"a": {"b": 1, "c": 2}}, {"a": {"b": 3}}) == {"a": {"b": 3, "c": 2}}


def test_a_layer_removes_a_dataset_or_task_with_null(tmp_path):
    layer = tmp_path / "layer.yaml"
    layer.write_text("train:\n  datasets:\n    quora: null\nevaluation:\n  tasks:\n    Quora: null\n")
    cfg = boom_config.load(layer)
    assert "quora" not in cfg["train"]["datasets"] and "Quora" not in cfg["evaluation"]["tasks"]
    assert "snli" in cfg["train"]["datasets"]
    # removing a dataset that a variant still names is a clear error, not a silent change
    layer.write_text("train:\n  datasets:\n    snli: null\n")
    with pytest.raises(ConfigError, match="snli"):
        boom_config.load(layer)


def test_an_interaction_budget_larger_than_a_dataset_cap_is_refused(config):
    config["interaction"]["train_examples"] = config["train"]["datasets"]["snli"]["max_examples"]
    with pytest.raises(ConfigError, match=r"interaction.train_examples \+ heldout_examples = .* train.datasets.scifact"):
        validate(config)


def _set(cfg, path, value):
    *parents, last = path.split(".")
    node = cfg
    for p in parents:
        node = node[p]
    node[last] = value


@pytest.mark.parametrize(
    "path, value, expected",
    [
        ("train.learnig_rate", 1e-4, "unknown config key 'train.learnig_rate'; did you mean 'learning_rate'?"),
        ("seeds", "0", "config key seeds = '0'"),
        ("train.batch_size", 1.5, "config key train.batch_size = 1.5"),
        ("train.temperature", 0, "config key train.temperature = 0"),
        ("model.source", "huggingface", "config key model.source = 'huggingface' is not one of"),
        ("experiments.slice.variants.bls.schedule", "bogus", "experiments.slice.variants.bls.schedule"),
        ("experiments.slice.variants.bls.datasets", ["scifact", "wikipedia"],
         "'wikipedia' is not defined in train.datasets"),
        ("experiments.slice.variants.merged.inputs", ["scifact", "nope"], "'nope' is not a variant of experiment 'slice'"),
        ("experiments.slice.variants.merged.inputs", ["scifact"], "a merge needs at least two models"),
        ("experiments.slice.variants.merged.method", "multi_slerp", "unknown merge method 'multi_slerp'; did you mean 'multislerp'?"),
        ("merge.method", "soup", "config key merge.method: unknown merge method 'soup'"),
        ("train.datasets.nosuchset", {"max_examples": 5}, "config key train.datasets.nosuchset: unknown dataset"),
        ("train.datasets.sts12", {"max_examples": 5}, "dataset 'sts12' has no training split (its role is out_of_domain)"),
        ("evaluation.tasks.SciFact.dataset", "trecqa", "'trecqa' is not an evaluation dataset"),
        ("evaluation.tasks.STS12.distractors", 10, "evaluation.tasks.STS12.distractors does not apply to a sts task"),
        ("evaluation.tasks.STS12.role", "in_domain", "in-domain tasks are test splits of the training mix"),
        ("evaluation.tasks.STS12.max_pairs", 7, None),
        ("evaluation.tasks.SNLI.role", "out_of_domain", "must never be trained on"),
        ("evaluation.tasks.CoSQA.role", "sideways", "evaluation.tasks.CoSQA.role = 'sideways' is not one of"),
        ("experiments.slice.variants.bls.ratio", 0, "ratio = 0: a bag's ratio must be in (0, 1]"),
        ("experiments.slice.variants.bls.ratio", 1.5, "ratio = 1.5: a bag's ratio must be in (0, 1]"),
        ("experiments.slice.variants.bls.ratio", 0.0001, "the bag of 'scifact' would be empty"),
        ("experiments.slice.suites", ["in_domain", "nowhere"], "experiments.slice.suites"),
        ("train.datasets.scifactt", {"max_examples": 5}, "unknown dataset 'scifactt'; did you mean 'scifact'?"),
        ("experiments.slice.variants.base.inputs", ["bls", "snli"], "base.inputs does not apply to a variant of kind 'base'"),
    ],
)
def test_bad_config_names_the_key(config, path, value, expected):
    _set(config, path, value)
    if expected is None:  # a valid change, for contrast
        validate(config)
        return
    with pytest.raises(ConfigError) as err:
        validate(config)
    assert expected in str(err.value)


def test_missing_required_key_is_named(config):
    del config["train"]["batch_size"]
    with pytest.raises(ConfigError, match=r"config key train is missing a required entry: 'batch_size'"):
        validate(config)


def test_merge_cycle_is_reported(config):
    variants = config["experiments"]["slice"]["variants"]
    variants["m1"] = {"kind": "merge", "inputs": ["scifact", "m2"]}
    variants["m2"] = {"kind": "merge", "inputs": ["snli", "m1"]}
    with pytest.raises(ConfigError, match="merge inputs form a cycle"):
        validate(config)


def test_yaml_that_is_not_a_mapping_is_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(["a", "b"]))
    with pytest.raises(ConfigError, match="must hold a mapping"):
        boom_config.load(bad)


def test_schedule_orders_are_checked_at_parse_time(config):
    bls = config["experiments"]["slice"]["variants"]["bls"]
    bls["order"] = ["snli", "scifact"]
    with pytest.raises(ConfigError, match="bls.order applies only to schedules seq_dataset and seq_task"):
        validate(config)
    bls["schedule"] = "seq_dataset"
    validate(config)
    bls["order"] = ["snli", "wikiqa"]
    with pytest.raises(ConfigError, match="variants.bls: the order names dataset 'wikiqa', which is not in the training mix"):
        validate(config)
    bls.update(schedule="two_stage", datasets=["snli"])
    del bls["order"]
    with pytest.raises(ConfigError, match="two_stage needs retrieval data first"):
        validate(config)


def test_the_schema_fills_in_what_a_config_leaves_out():
    config = boom_config.load()
    for key in ("min_steps", "devices", "lora"):
        del config["train"][key]
    del config["model"]["pooling"]
    boom_config.fill_defaults(config)
    assert (config["train"]["min_steps"], config["train"]["devices"], config["train"]["lora"]) == (1, 1, None)
    assert config["model"]["pooling"] == "mean"


@pytest.mark.parametrize("layer", [None, "smoke.yaml", "paper.yaml", "full_minilm.yaml", "paper_4b_lora.yaml"])
def test_the_committed_configs_already_say_every_default(layer):
    """Filling in defaults changes no committed config: what a run records, and its model ids, stay."""
    written = boom_config.deep_update(boom_config._read_yaml(boom_config.CONFIG_DIR / "default.yaml"),
                                      boom_config._read_yaml(boom_config.CONFIG_DIR / layer) if layer else {})
    boom_config.drop_removed(written)
    assert boom_config.fill_defaults(copy.deepcopy(written)) == written
