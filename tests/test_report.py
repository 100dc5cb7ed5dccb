"""Aggregation as the paper reports it: Mean(Task) and Mean(TaskType) per suite, mean ± std over seeds."""

import math

import pandas as pd
import pytest

from boom.report import COLUMNS, experiment_table, write_experiment


def _rows():
    rows = []
    tasks = [("T1", "Retrieval", "in_domain"), ("T2", "Retrieval", "in_domain"),
             ("T3", "STS", "in_domain"), ("O1", "STS", "out_of_domain")]
    values = {  # variant -> seed -> task values
        "bls": {0: [0.2, 0.4, 0.9, 0.5], 1: [0.4, 0.6, 0.7, 0.7]},
        "merged": {0: [0.1, 0.1, 0.1, 0.1], 1: [0.3, 0.3, 0.3, 0.3]},
    }
    for variant, seeds in values.items():
        for seed, vals in seeds.items():
            for (task, ttype, suite), v in zip(tasks, vals):
                rows.append(["exp", variant, f"m-{variant}-{seed}", seed, suite, task, ttype, "score", v])
    return pd.DataFrame(rows, columns=COLUMNS)


def test_means_per_task_and_per_task_type():
    table = experiment_table(_rows(), "exp")
    assert list(table.index) == ["bls", "merged"]
    bls = table.loc["bls"]
    # seed 0: ID tasks 0.2, 0.4, 0.9 -> Mean(Task) 0.5; Mean(TaskType) = mean(0.3, 0.9) = 0.6
    # seed 1: 0.4, 0.6, 0.7 -> 0.5666..; TaskType mean(0.5, 0.7) = 0.6
    assert bls["ID Mean(Task)"] == pytest.approx((0.5 + 1.7 / 3) / 2)
    assert bls["ID Mean(TaskType)"] == pytest.approx(0.6)
    assert bls["ID Mean(TaskType) std"] == pytest.approx(0.0, abs=1e-12)
    assert bls["OOD Mean(Task)"] == pytest.approx(0.6)
    assert bls["OOD Mean(Task) std"] == pytest.approx(math.sqrt(0.02))
    assert bls["T1"] == pytest.approx(0.3) and bls["seeds"] == 2
    # columns: tasks first (in order), then ID, OOD, All aggregates
    assert list(table.columns[1:5]) == ["T1", "T2", "T3", "O1"]


def test_unknown_experiment_is_an_error():
    with pytest.raises(ValueError, match="no rows for experiment 'nope'"):
        experiment_table(_rows(), "nope")


def test_tables_and_figure_are_written(tmp_path):
    write_experiment(_rows(), "exp", tmp_path / "exp")
    for ext in ("csv", "md", "tex", "html", "png", "pdf"):
        assert (tmp_path / f"exp.{ext}").stat().st_size > 0
    md = (tmp_path / "exp.md").read_text()
    assert "± " in md and "| bls" in md


def test_the_new_domain_suite_has_its_own_means():
    rows = _rows()
    new = rows[rows["task"] == "O1"].assign(suite="new_domain", task="N1", task_type="Retrieval")
    table = experiment_table(pd.concat([rows, new.assign(value=new["value"] / 2)]), "exp")
    assert table.loc["bls", "New Mean(Task)"] == pytest.approx(0.3)
    assert table.loc["bls", "OOD Mean(Task)"] == pytest.approx(0.6)  # unchanged by the new suite


def test_verify_picks_the_cheapest_models_that_differ_from_the_base(tmp_path):
    """A trained model equal to its base checks no training: verify passes it over, and says why."""
    from boom.verify import sample

    rows = []
    for model, scores in {"base-a": (0.5, 0.6), "train-same": (0.5, 0.6), "train-moved": (0.5, 0.7),
                          "merge-same": (0.5, 0.6), "merge-moved": (0.55, 0.6)}.items():
        for task, value in zip(("T1", "T2"), scores):
            rows.append({"experiment": "e", "variant": model, "model": model, "seed": 0, "suite": "in_domain",
                         "task": task, "task_type": "sts", "metric": "m", "value": value})
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    pd.DataFrame({"model": ["train-same", "train-moved", "merge-same", "merge-moved"],
                  "train_examples": [10, 20, 30, 40]}).to_csv(tmp_path / "costs.csv", index=False)
    picks = sample(tmp_path / "summary.csv", tmp_path / "costs.csv")
    assert [p["model"] for p in picks] == ["base-a", "train-moved", "merge-moved"]
    assert "20 examples" in picks[1]["why"] and "1 of 2 tasks" in picks[1]["why"]
