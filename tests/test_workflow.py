"""The DAG itself: lint, dry runs of every scale, clear errors at parse time, and the smoke slice
run for real from a clean results folder."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from boom.config import load as load_config

REPO = Path(__file__).resolve().parent.parent
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
pytestmark = pytest.mark.workflow


def snakemake(*args, timeout=900):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run([*SNAKEMAKE, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env)


def test_lint_is_clean():
    run = snakemake("--lint")
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("layer", [[], ["--configfile", "config/smoke.yaml"], ["--configfile", "config/paper.yaml"]])
def test_paper_dry_runs_on_every_scale(layer, tmp_path):
    # a fresh results folder: the dry run must plan every job, whatever this checkout holds
    run = snakemake("-n", "paper", *layer, "--config", f"results_dir={tmp_path}/r", f"figures_dir={tmp_path}/f")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "train" in run.stdout and "evaluate" in run.stdout


def test_a_misspelt_key_stops_the_parse_with_its_path(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train:\n  bach_size: 8\n")
    run = snakemake("-n", "paper", "--configfile", str(bad))
    assert run.returncode != 0
    assert "unknown config key 'train.bach_size'; did you mean 'batch_size'?" in run.stderr + run.stdout


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke")
    overrides = ["--config", f"results_dir={out}/results", f"figures_dir={out}/figures"]
    run = snakemake("--cores", "2", "paper", "--configfile", "config/smoke.yaml", *overrides)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    return out, overrides


SMOKE_TASKS = {name for name, spec in load_config(REPO / "config/smoke.yaml")["evaluation"]["tasks"].items()
               if spec["role"] in ("in_domain", "out_of_domain")}


def test_smoke_slice_writes_tables_figures_and_summary(smoke_run):
    out, _ = smoke_run
    summary = pd.read_csv(out / "results/summary.csv")
    assert list(summary.columns) == ["experiment", "variant", "model", "seed", "suite", "task", "task_type", "metric", "value"]
    assert set(summary["variant"]) == {"base", "bls", "scifact", "snli", "merged"}
    assert set(summary["task"]) == SMOKE_TASKS and len(summary) == 5 * len(SMOKE_TASKS)
    assert set(summary["suite"]) == {"in_domain", "out_of_domain"}
    assert summary["value"].between(-1, 1).all()
    # each trained or merged model is a different model with its own scores
    assert summary[summary.task == "SciFact"]["value"].nunique() > 1
    for ext in ("csv", "md", "tex", "png", "pdf"):
        assert (out / f"figures/slice.{ext}").stat().st_size > 0
    card = pd.read_csv(out / "figures/data_card.csv")
    assert card["dataset"].nunique() == 26


def test_every_output_records_what_made_it(smoke_run):
    out, _ = smoke_run
    models = out / "results/models"
    trained = [p for p in models.iterdir() if p.name.startswith("train-")]
    assert len(trained) == 3
    for folder in trained:
        prov = json.loads((folder / "provenance.json").read_text())
        assert prov["model_id"] == folder.name and prov["recipe"]["kind"] == "train"
        assert prov["versions"]["sentence-transformers"] == "6.2.0" and prov["git_commit"]
        assert all(len(sha) == 64 for ds in prov["recipe"]["datasets"].values() for sha in ds["sha256"].values())
        cost = json.loads((folder / "cost.json").read_text())
        assert cost["steps"] > 0 and cost["examples"] > 0
    evals = list((out / "results/eval").glob("*/*.provenance.json"))
    assert len(evals) == 5 * len(SMOKE_TASKS)
    assert all(json.loads(p.read_text())["revision"] for p in evals)


def test_rerunning_a_finished_target_does_nothing(smoke_run):
    _, overrides = smoke_run
    for target in ("paper", "slice"):
        run = snakemake("-n", target, "--configfile", "config/smoke.yaml", *overrides)
        assert run.returncode == 0 and "Nothing to be done" in run.stdout + run.stderr, run.stdout


def test_a_bag_variant_samples_each_dataset_before_training(tmp_path):
    layer = tmp_path / "bag.yaml"
    layer.write_text(
        "experiments:\n"
        "  bagged:\n"
        "    variants:\n"
        "      half: {kind: train, datasets: [scifact, snli], schedule: bls, ratio: 0.5}\n"
    )
    run = snakemake("-n", "bagged", "--configfile", "config/smoke.yaml", str(layer),
                    "--config", f"results_dir={tmp_path}/results", f"figures_dir={tmp_path}/figures")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "scifact.n64.k1.r0.5.s0.jsonl" in run.stdout and "snli.n64.k1.r0.5.s0.jsonl" in run.stdout
    assert "sample_train_data" in run.stdout and "rule merge" not in run.stdout  # only what the target needs
