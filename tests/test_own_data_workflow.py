"""`paper` on your own model folder and data files (docs/own-data.md), at the smoke scale: the
example's writer, then every table, figure and claim, with provenance naming the files' sha256s;
a malformed file stops the parse and writes nothing."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from boom.data.manifest import sha256_of
from boom.io import set_offline
from boom.model_folder import folder_digest

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "results/own_smoke/data"  # where config/own_example_smoke.yaml reads the example's files
LAYERS = ["--configfile", "config/own_example.yaml", "config/own_example_smoke.yaml"]
pytestmark = pytest.mark.workflow


def _run(*args, timeout=1800):
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env=set_offline(dict(os.environ)))


@pytest.fixture(scope="module")
def own_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("own")
    written = _run("boom", "data.own_example", "--out", str(DATA), "--model", "tiny", "--max-train", "64",
                   "--max-test", "30")
    assert written.returncode == 0, written.stdout + written.stderr
    overrides = ["--config", f"results_dir={out}/results", f"figures_dir={out}/figures"]
    run = _run("snakemake", "--cores", "2", "paper", *LAYERS, *overrides)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    return out


def test_every_experiment_runs_on_your_own_model_and_files(own_run):
    figures = own_run / "figures"
    for experiment in ("slice", "scheduling", "merge_operators", "granularity", "boom", "boom_ratios", "incremental"):
        assert (figures / f"{experiment}.md").is_file() and (figures / f"{experiment}.png").is_file(), experiment
    summary = pd.read_csv(own_run / "results/summary.csv")
    assert {"MySciFact", "MySICK", "MyBanking77", "MyCranfield", "MyWikiQA"} == set(summary["task"])
    assert "base" in set(summary["variant"])  # the untrained base folder is the control row
    claims = pd.read_csv(figures / "claims.csv")
    assert len(claims) > 0 and set(claims["verdict"]) <= {"holds", "fails", "inconclusive"}


def test_provenance_names_your_files_and_folder_by_sha256(own_run):
    results = own_run / "results"
    base = json.loads(next((results / "models").glob("base-*/provenance.json")).read_text())
    assert base["recipe"]["source"] == "path" and base["recipe"]["sha256"] == folder_digest(DATA / "model")
    evals = [json.loads(p.read_text()) for p in (results / "eval").glob("*/MyWikiQA.provenance.json")]
    assert evals, "no MyWikiQA evaluation"
    shas = evals[0]["files_sha256"]
    files = ["wikiqa_train.jsonl"] + [f"wikiqa_test/{f}" for f in ("corpus.jsonl", "queries.jsonl", "qrels.tsv")]
    assert shas == {f"results/own_smoke/data/{f}": sha256_of(DATA / f) for f in files}
    card = json.loads(next((results / "data/train").glob("my_scifact.n64.k1.jsonl.card.json")).read_text())
    assert card["sha256"]["results/own_smoke/data/scifact_train.jsonl"] == sha256_of(DATA / "scifact_train.jsonl")


def test_a_malformed_own_file_stops_the_parse_and_writes_nothing(own_run, tmp_path):
    bad = tmp_path / "sick_test.jsonl"
    lines = (DATA / "sick_test.jsonl").read_text().splitlines()
    bad.write_text("\n".join(lines[:4] + ['{"sentence1": "a", "sentence2": "b"}'] + lines[4:]) + "\n")
    layer = tmp_path / "bad.yaml"
    layer.write_text(f"data:\n  files:\n    my_sick: {{test: {bad}}}\n")
    run = _run("snakemake", "--cores", "2", "paper", *LAYERS[:-1], LAYERS[-1], str(layer), "--config",
               f"results_dir={tmp_path}/results", f"figures_dir={tmp_path}/figures")
    assert run.returncode != 0
    assert f"boom: {bad}:5: no field 'score'; write one" in run.stdout + run.stderr, run.stderr[-2000:]
    assert not (tmp_path / "results").exists() and not (tmp_path / "figures").exists()


def test_the_budget_sweeps_plan_on_your_own_data(own_run, tmp_path):
    run = _run("snakemake", "-n", "budget", "budget_new_domain", *LAYERS, "--config",
               f"results_dir={own_run}/results", f"figures_dir={own_run}/figures", timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "boom: budget: about" in run.stderr and "boom: budget_new_domain: about" in run.stderr


def test_a_changed_own_file_replans_what_reads_it(own_run):
    """A test file's new line: its task is re-evaluated (its record holds the files' sha256s), and
    every model retrains (each training set is decontaminated against the test files)."""
    overrides = ["--config", f"results_dir={own_run}/results", f"figures_dir={own_run}/figures"]
    unchanged = _run("snakemake", "-n", "paper", *LAYERS, *overrides, timeout=600)
    assert "Nothing to be done" in unchanged.stdout + unchanged.stderr, unchanged.stdout[-3000:]
    path = DATA / "sick_test.jsonl"
    original = path.read_text()
    try:
        path.write_text(original + json.dumps({"sentence1": "a new pair", "sentence2": "of sentences", "score": 3}) + "\n")
        run = _run("snakemake", "-n", "paper", *LAYERS, *overrides, timeout=600)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        stats = dict(re.findall(r"^(\w+)\s+(\d+)$", run.stdout.split("Job stats:")[-1], re.M))
        assert int(stats.get("evaluate", 0)) > 0 and int(stats.get("train", 0)) > 0, stats
    finally:
        path.write_text(original)
