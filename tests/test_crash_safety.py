"""kill -9 in the middle of training, merging and evaluation, then a rerun: it completes with
the results of an uninterrupted run, and nothing half-written is ever in an output's place.

Each stage runs as the workflow runs it (`python -m boom <stage>`, its own process here) and
kills itself with SIGKILL at its most fragile moment (boom/failpoints.py)."""

import json
import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from boom import failpoints, merge, train, verify
from boom.config import load as load_config
from boom.data.sources import evaluation_tasks


def _stage(*args, failpoint=None):
    env = {k: v for k, v in os.environ.items() if k != "BOOM_FORK_SERVER"}
    if failpoint:
        env[failpoints.ENV_VAR] = failpoint
    return subprocess.run([sys.executable, "-m", "boom", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)


def _killed(run):
    assert run.returncode == -9, f"expected a SIGKILL, got {run.returncode}:\n{run.stderr[-2000:]}"


def _same_weights(a, b):
    wa, wb = load_file(str(a / "model.safetensors")), load_file(str(b / "model.safetensors"))
    return wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)


@pytest.fixture(scope="module")
def uninterrupted(tiny_base, train_files, train_recipe, tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted") / "model"
    train.train(train_recipe, tiny_base, train_files, out)
    return out


def test_training_killed_while_saving_reruns_to_the_same_model(tiny_base, train_files, train_recipe, uninterrupted,
                                                               tmp_path):
    out = tmp_path / "train-000000000001" / "model"
    args = ["train", "--recipe", json.dumps(train_recipe), "--base", tiny_base,
            "--data", *[f"{k}={v}" for k, v in train_files.items()], "--out", out]
    _killed(_stage(*args, failpoint="model-written"))
    assert (tmp_path / "train-000000000001" / "model.partial" / "model.safetensors").is_file()
    assert not out.exists() and not (out.parent / "cost.json").exists()

    rerun = _stage(*args)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert _same_weights(out, uninterrupted)
    assert not (out.parent / "model.partial").exists()
    assert json.loads((out.parent / "cost.json").read_text())["steps"] == 6


def test_merging_killed_before_the_rename_reruns_to_the_same_merge(tiny_base, uninterrupted, tmp_path):
    recipe = {"kind": "merge", "method": "multislerp", "parameters": {}}
    out = tmp_path / "merge-000000000001" / "model"
    args = ["merge", "--recipe", json.dumps(recipe), "--base", tiny_base, "--inputs", tiny_base, uninterrupted,
            "--out", out]
    _killed(_stage(*args, failpoint="merge-written"))
    assert not out.exists() and (out.parent / "model.partial").is_dir()

    rerun = _stage(*args)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    merge.merge_folders("multislerp", {}, [tiny_base, uninterrupted], tiny_base, tmp_path / "reference")
    assert _same_weights(out, tmp_path / "reference")


def test_evaluation_killed_after_one_task_reruns_to_the_same_scores(tiny_base, data_root, tmp_path):
    tasks = evaluation_tasks(load_config("config/smoke.yaml")["evaluation"])
    tasks = json.dumps({name: tasks[name] for name in ("SciFact", "STSB", "SNLI")})

    def evaluate(out_dir, cache, failpoint=None):
        return _stage("evaluate", "--model", tiny_base, "--model-id", "base-000000000001", "--tasks", tasks,
                      "--root", data_root, "--batch-size", 32, "--max-seq-length", 64,
                      "--cache-dir", cache, "--out-dir", out_dir, failpoint=failpoint)

    out = tmp_path / "eval" / "base-000000000001"
    _killed(evaluate(out, tmp_path / "cache", failpoint="task-scored"))
    assert sorted(p.name for p in out.glob("*.json")) == ["SciFact.json", "SciFact.provenance.json"]

    rerun = evaluate(out, tmp_path / "cache")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert json.loads((out / "SciFact.provenance.json").read_text())["from_cache"] is True
    reference = evaluate(tmp_path / "reference" / "base-000000000001", tmp_path / "reference_cache")
    assert reference.returncode == 0, reference.stderr[-2000:]
    # every score; within 1e-6, since mteb's result cache keeps secondary metrics to 6 decimals
    table = verify.compare(["base-000000000001"], tmp_path / "reference", tmp_path / "eval")
    assert set(table["task"]) == {"SciFact", "STSB", "SNLI"} and len(table) > 100
    assert table["same"].all(), table[~table["same"]]
    assert not list(out.glob("*.tmp"))
