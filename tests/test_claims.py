"""The claims check: verdicts, effect sizes and bootstrap intervals over seeds and tasks."""

import pandas as pd
import pytest

from boom import claims


def _summary(scores: dict[str, list[list[float]]], suite="in_domain", experiment="exp"):
    """scores[variant][seed][task] -> tidy rows."""
    rows = []
    for variant, per_seed in scores.items():
        for seed, values in enumerate(per_seed):
            for t, value in enumerate(values):
                rows.append({"experiment": experiment, "variant": variant, "model": f"m-{variant}-{seed}",
                             "seed": seed, "suite": suite, "task": f"t{t}", "task_type": "x",
                             "metric": "m", "value": value})
    return pd.DataFrame(rows)


SUMMARY = _summary({
    "bls": [[0.50, 0.60, 0.70], [0.52, 0.61, 0.69], [0.51, 0.59, 0.71]],
    "seq": [[0.48, 0.58, 0.69], [0.50, 0.60, 0.66], [0.49, 0.57, 0.70]],   # 16/9 points lower on average
    "near": [[0.50, 0.60, 0.70], [0.52, 0.61, 0.69], [0.51, 0.59, 0.71]],  # the same as bls
    "bad": [[0.30, 0.40, 0.50], [0.31, 0.41, 0.52], [0.29, 0.40, 0.49]],
})


def test_better_reports_the_mean_difference_and_an_interval_around_it():
    v = claims.check({"id": "c", "claim": "bls beats seq", "experiment": "exp", "suite": "in_domain",
                      "kind": "better", "a": "bls", "than": ["seq"]}, SUMMARY, None)
    assert v["holds"] and v["interval_agrees"]
    assert v["effect"] == pytest.approx(16 / 9, abs=1e-9)
    assert v["low"] <= v["effect"] <= v["high"] and v["low"] > 0


def test_a_claim_that_the_numbers_contradict_does_not_hold():
    v = claims.check({"id": "c", "claim": "seq beats bls", "experiment": "exp", "suite": "in_domain",
                      "kind": "better", "a": "seq", "than": "bls"}, SUMMARY, None)
    assert not v["holds"] and v["effect"] < 0


def test_close_and_worst():
    close = claims.check({"id": "c", "claim": "", "experiment": "exp", "suite": "in_domain", "kind": "close",
                          "a": "bls", "than": ["near", "seq"], "tolerance": 1.0}, SUMMARY, None)
    assert not close["holds"] and "seq" in close["compared"]  # seq is 1.8 away
    worst = claims.check({"id": "c", "claim": "", "experiment": "exp", "suite": "in_domain", "kind": "worst",
                          "a": "bad"}, SUMMARY, None)
    assert worst["holds"] and worst["effect"] > 15


def test_cheaper_compares_training_examples():
    costs = pd.DataFrame({"experiment": ["exp"] * 2, "variant": ["update", "full"], "seed": [0, 0],
                          "train_examples": [300, 1200]})
    v = claims.check({"id": "c", "claim": "", "experiment": "exp", "kind": "cheaper", "a": "update",
                      "than": "full", "fraction": 0.5}, SUMMARY, costs)
    assert v["holds"] and v["effect"] == pytest.approx(0.25)


def test_a_claim_on_a_missing_variant_is_named():
    with pytest.raises(claims.ClaimError, match="variant 'nope' has no results"):
        claims.check({"id": "c", "claim": "", "experiment": "exp", "suite": "in_domain", "kind": "better",
                      "a": "nope", "than": "bls"}, SUMMARY, None)


def test_the_interval_widens_with_disagreement_between_seeds():
    steady = _summary({"a": [[0.6, 0.6]] * 3, "b": [[0.5, 0.5]] * 3})
    noisy = _summary({"a": [[0.7, 0.7], [0.5, 0.5], [0.6, 0.6]], "b": [[0.5, 0.5]] * 3})
    spec = {"id": "c", "claim": "", "experiment": "exp", "suite": "in_domain", "kind": "better", "a": "a", "than": "b"}
    s, n = claims.check(spec, steady, None), claims.check(spec, noisy, None)
    assert s["effect"] == pytest.approx(n["effect"]) and s["high"] - s["low"] < n["high"] - n["low"]


def test_the_claims_file_is_checked(tmp_path):
    bad = tmp_path / "claims.yaml"
    bad.write_text("- {id: x, claim: y, experiment: e, kind: beter, a: v, suite: in_domain}\n")
    with pytest.raises(claims.ClaimError, match="kind 'beter'"):
        claims.load_claims(bad)
