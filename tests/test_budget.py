"""The budget sweep (boom/budget.py): its experiments, what a cap equal to the run's own gives,
the claims' trends over the caps, bad sweep settings, and the estimate of what it will take."""

import copy

import pytest

from boom import budget
from boom.config import ConfigError, validate
from boom.recipes import RecipeError, at_budget, resolve


def _sweep_config(config, **budget_spec):
    config["budget"] = {**config["budget"], **budget_spec}
    return config


def test_a_cap_equal_to_the_runs_own_gives_the_runs_own_models(config):
    """budget/boom_n96 at the default caps of 96 is the default boom: the same recipes, so the
    sweep trains nothing the run has trained."""
    specs = budget.sweep_experiments(config)["budget"]
    assert set(specs) >= {"budget/boom_n96", "budget/boom_n192", "budget/scheduling_n384"}
    own = resolve(config, ["boom"]).variants
    at_96 = resolve({**config, "experiments": {"budget/boom_n96": specs["budget/boom_n96"]}}).variants
    models = lambda rows, names: sorted((r["variant"], r["seed"], r["model"]) for r in rows if r["variant"] in names)  # noqa: E731
    assert models(own, ["bls", "boom", "boom_no_base"]) == models(at_96, ["bls", "boom", "boom_no_base"])
    at_192 = resolve({**config, "experiments": {"budget/boom_n192": specs["budget/boom_n192"]}}).variants
    assert not set(models(own, ["bls"])) & set(models(at_192, ["bls"]))
    # every variant is reported, the bags included: their own scores are the sweep's third panel
    assert {r["variant"] for r in at_192} == set(config["experiments"]["boom"]["variants"])


def test_at_budget_caps_every_training_set_and_leaves_the_config_alone(config):
    before = copy.deepcopy(config)
    capped = at_budget(config, {"datasets": 192, "new_datasets": 384})
    assert {e["max_examples"] for e in capped["train"]["datasets"].values()} == {192}
    assert capped["train"]["new_datasets"]["cosqa"]["max_examples"] == 384
    only_new = at_budget(config, {"new_datasets": 500})
    assert only_new["train"]["datasets"] == config["train"]["datasets"]
    assert config == before and at_budget(config, None) is config


def test_the_new_domain_sweep_grows_the_new_domain_alone(config):
    specs = budget.sweep_experiments(config)["budget_new_domain"]
    assert list(specs) == [f"budget/incremental_new{c}" for c in config["budget"]["new_domain_caps"]]
    rows = resolve({**config, "experiments": {"budget/incremental_new500": specs["budget/incremental_new500"]}},
                   ).recipes.values()
    caps = {(n, e["max_examples"]) for r in rows if r["kind"] == "train" for n, e in r["datasets"].items()}
    assert ("cosqa", 500) in caps and ("scifact", 96) in caps
    # the mix's sweep keeps the new domain at its own cap
    mix = budget.sweep_experiments(config)["budget"]["budget/incremental_n192"]
    rows = resolve({**config, "experiments": {"budget/incremental_n192": mix}}).recipes.values()
    caps = {(n, e["max_examples"]) for r in rows if r["kind"] == "train" for n, e in r["datasets"].items()}
    assert ("cosqa", 384) in caps and ("scifact", 192) in caps and ("cosqa", 192) not in caps


def test_a_cap_too_small_for_an_experiment_is_refused_by_name(config):
    specs = budget.sweep_experiments(config)["budget"]
    with pytest.raises(RecipeError, match="budget/merge_operators_n48.*20ng_mini"):
        resolve({**config, "experiments": {"budget/merge_operators_n48": specs["budget/merge_operators_n48"]}})


@pytest.mark.parametrize("change, message", [
    ({"experiments": {"granularity": "all"}}, "merges per interaction cluster"),
    ({"experiments": {"boom": ["bls", "bag99"]}}, "'bag99' is not a variant of 'boom'"),
    ({"new_domain_experiments": ["boom"]}, "'boom' is not evaluated on the new domain"),
    ({"caps": [96, 0]}, r"budget.caps\[1\]|budget.caps"),
    ({"experiments": {"boom": None}}, "budget.experiments.boom"),
])
def test_bad_sweep_settings_stop_the_parse_with_their_key(config, change, message):
    config["budget"].update(change)
    with pytest.raises(ConfigError, match=message):
        validate(config)


@pytest.mark.parametrize("verdicts, expected", [
    ([(48, "inconclusive"), (96, "fails"), (192, "fails")], "stable: fails (decided at 96, 192)"),
    ([(48, "holds"), (96, "inconclusive"), (192, "holds")], "stable: holds (decided at 48, 192)"),
    ([(48, "fails"), (96, "inconclusive"), (192, "holds")], "changes at 192"),
    ([(48, "inconclusive"), (96, "inconclusive")], "never decided"),
])
def test_a_claims_trend_over_the_caps(verdicts, expected):
    assert budget.trend(verdicts) == expected


def test_a_claim_on_a_sweep_that_reports_fewer_variants_compares_what_is_there():
    claim = {"id": "c", "kind": "better", "a": "bls", "than": ["seq_dataset", "two_stage"]}
    assert budget.restricted(claim, ["base", "bls", "two_stage"])["than"] == ["two_stage"]
    assert budget.restricted(claim, ["base", "two_stage"]) is None
    assert budget.restricted(claim, ["base", "bls"]) is None
    worst = {"id": "w", "kind": "worst", "a": "model_stock"}
    assert budget.restricted(worst, ["model_stock", "ties"]) == worst


def test_the_estimate_adds_the_measured_job_times_over_the_cores():
    a, b = budget.fit_training([(100, 12.0), (1000, 30.0), (2000, 50.0)])
    assert b == pytest.approx(0.02, rel=0.01) and a == pytest.approx(10.0, abs=0.5)
    plan = {192: {"trainings": [1000, 1000], "evaluations": 3, "new_domain": 1, "merges": 2}}
    lines = budget.estimate(plan, (10.0, 0.02), {"evaluate": 40.0, "evaluate_new_domain": 5.0, "merge": 3.0}, 2)
    # 2 × 30 + 3 × 40 + 5 + 2 × 3 = 191 s of jobs: 1.6 min on two cores
    assert lines[0].startswith("about 2 min on 2 cores") and "cap 192: 2 trainings (2000 examples)" in lines[1]
    assert "3 min of jobs" in lines[1]
    with pytest.raises(ConfigError, match="run `paper` first"):
        budget.fit_training([(100, 12.0)])


def test_benchmark_files_give_each_jobs_wall_time(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "train-abc.tsv").write_text("s\th:m:s\n48.68\t0:00:48\n")
    (tmp_path / "train" / "train-dead.tsv").write_text("s\th:m:s\n")  # a job that died first
    assert budget.read_walls(tmp_path) == {"train/train-abc": 48.68}
    assert budget.median([3.0, 1.0, 2.0, 10.0], 0.0) == 2.5 and budget.median([], 7.0) == 7.0


def test_an_experiment_a_layer_removed_leaves_the_sweep_too(config):
    del config["experiments"]["merge_operators"]
    validate(config)
    assert budget.absent(config) == ["merge_operators"]
    assert not any("merge_operators" in name for name in budget.sweep_experiments(config)["budget"])
