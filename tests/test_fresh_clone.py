"""On a fresh clone, with no Snakemake metadata and a checkout's arbitrary mtimes, an output is
what its config computes: the unchanged config plans no training or evaluation, and a change
replans what it changes (boom/records.py)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from boom.io import set_offline

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    root = tmp_path_factory.mktemp("fresh")
    (root / "shared").symlink_to(REPO.parent / "shared")  # the data mirror beside it, as config.data.root says
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(root / "boom")], check=True)
    return root / "boom"


def _planned(clone, *args):
    run = subprocess.run([sys.executable, "-m", "snakemake", "-n", *map(str, args)], cwd=clone, capture_output=True,
                         text=True, timeout=300, env=set_offline(dict(os.environ)))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    out = run.stdout + run.stderr
    return {m[0]: int(m[1]) for m in re.findall(r"^(\w+)\s+(\d+)$", out.split("Job stats:")[-1], re.M)
            if m[0] != "total"} if "Job stats:" in out else {}


def test_the_unchanged_config_reuses_the_committed_run(clone):
    jobs = _planned(clone, "paper")
    assert not {"train", "merge", "evaluate", "evaluate_new_domain", "interaction_clusters"} & set(jobs), jobs


def test_a_new_base_model_retrains_the_experiment_and_nothing_else(clone, tmp_path):
    (tmp_path / "layer.yaml").write_text("model:\n  layers: 6\n")
    jobs = _planned(clone, "slice", "--configfile", tmp_path / "layer.yaml")
    assert jobs.get("train") and jobs.get("evaluate") and jobs.get("experiment_figures") == 1, jobs


def test_a_results_folder_of_its_own_is_computed_into(clone, tmp_path):
    jobs = _planned(clone, "slice", "--config", f"results_dir={tmp_path}/results")
    assert jobs.get("train") and jobs.get("evaluate") and jobs.get("experiment_figures") == 1, jobs


def test_a_figures_folder_of_its_own_draws_the_committed_results(clone, tmp_path):
    jobs = _planned(clone, "slice", "--config", f"figures_dir={tmp_path}/figures")
    assert jobs == {"experiment_figures": 1, "slice": 1}, jobs


def test_a_smaller_evaluation_subset_reevaluates(clone, tmp_path):
    (tmp_path / "layer.yaml").write_text("evaluation:\n  tasks:\n    STS12: {max_pairs: 400}\n")
    jobs = _planned(clone, "slice", "--configfile", tmp_path / "layer.yaml")
    assert jobs.get("evaluate") and jobs.get("experiment_summary") == 1, jobs
