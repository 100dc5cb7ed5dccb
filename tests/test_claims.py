"""The claims check: a paired bootstrap over evaluation items and seeds decides each claim
(holds, fails, inconclusive), on synthetic per-item files of known effect and noise."""

import json

import numpy as np
import pandas as pd
import pytest

from boom import claims, items

SPEC = {"id": "c", "claim": "a beats b", "experiment": "exp", "suite": "in_domain", "kind": "better", "a": "a",
        "than": "b"}


def _record(task: str, model: str, values) -> dict:
    values = [float(v) for v in values]
    rec = {"format": items.FORMAT, "task": task, "kind": "retrieval", "main_score": "ndcg_at_10",
           "statistic": "mean", "score": float(np.mean(values)), "n": len(values), "model": f"boom/{model}",
           "revision": "r", "dataset_revision": "d",
           "parts": [{"split": "test", "subset": "default", "n": len(values), "score": float(np.mean(values)),
                      "data": {"ids": [f"q{i}" for i in range(len(values))], "values": values}}]}
    rec["digest"] = items.digest(rec)
    return rec


def _run(tmp_path, per_item: dict, suite="in_domain", experiment="exp", model_ids=None):
    """per_item[variant][seed][task] -> the per-query values of that model: items files under
    tmp_path/eval and the tidy summary rows (value: their mean, as mteb's score)."""
    rows = []
    for variant, per_seed in per_item.items():
        for seed, tasks in enumerate(per_seed):
            model = (model_ids or {}).get(variant, f"train-{variant}{seed}")
            if "{seed}" in model:
                model = model.format(seed=seed)
            for task, values in tasks.items():
                rec = _record(task, model, values)
                items.write(rec, tmp_path / "eval" / model / f"{task}.items.json")
                rows.append({"experiment": experiment, "variant": variant, "model": model, "seed": seed,
                             "suite": suite, "task": task, "task_type": "Retrieval", "metric": "ndcg_at_10",
                             "value": rec["score"]})
    return pd.DataFrame(rows), claims.Bootstrap(tmp_path / "eval", resamples=1000)


RNG = np.random.default_rng(7)
BASE = {t: RNG.uniform(0.2, 0.8, 200) for t in ("t0", "t1", "t2")}


def _noisy(shift=0.0, sd=0.1, seed=0, n=None):
    rng = np.random.default_rng(seed)
    return {t: np.clip(v[:n] + shift + rng.normal(0, sd, len(v[:n])), 0, 1) for t, v in BASE.items()}


def test_a_clearly_better_model_holds(tmp_path):
    summary, boot = _run(tmp_path, {"a": [_noisy(0.08, seed=s) for s in (1, 2, 3)],
                                    "b": [_noisy(0.0, seed=s) for s in (4, 5, 6)]})
    v = claims.check(SPEC, summary, None, boot)
    assert v["verdict"] == "holds" and 0 < v["low"] < v["effect"] < v["high"]
    expected = np.mean([np.mean(_noisy(0.08, seed=s)[t]) - np.mean(_noisy(0.0, seed=s + 3)[t])
                        for s in (1, 2, 3) for t in BASE]) * 100
    assert v["effect"] == pytest.approx(expected, abs=1e-9)  # the summary's mean difference, ×100
    assert v["mde"] == pytest.approx(2.8 * v["se"]) and 0 < v["se"] < 1
    # the same claim turned round fails: its interval is wholly on the other side
    worse = claims.check({**SPEC, "a": "b", "than": "a"}, summary, None, boot)
    assert worse["verdict"] == "fails" and worse["high"] < 0


def test_identical_models_are_inconclusive_with_an_interval_around_zero(tmp_path):
    same = [_noisy(0.0, seed=s) for s in (1, 2, 3)]
    summary, boot = _run(tmp_path, {"a": same, "b": same})
    v = claims.check(SPEC, summary, None, boot)
    assert v["verdict"] == "inconclusive" and v["low"] == v["high"] == v["effect"] == 0 and v["se"] == 0
    # two different models of the same quality (independent noise per item): around 0 as well
    summary, boot = _run(tmp_path / "other", {"a": [_noisy(0.0, seed=s) for s in (1, 2, 3)],
                                              "b": [_noisy(0.0, seed=s) for s in (4, 5, 6)]})
    v = claims.check(SPEC, summary, None, boot)
    assert v["verdict"] == "inconclusive" and v["low"] < 0 < v["high"] and abs(v["effect"]) < v["mde"]


def test_the_comparison_is_paired_over_items(tmp_path):
    """A small shift of every item is clear although the items themselves vary a lot: the
    resampled items are the same for both models, so their spread cancels."""
    summary, boot = _run(tmp_path, {"a": [{t: v + 0.002 for t, v in BASE.items()}], "b": [BASE]})
    v = claims.check(SPEC, summary, None, boot)
    assert v["verdict"] == "holds" and v["effect"] == pytest.approx(0.2) and v["se"] < 1e-9


def test_close_is_an_equivalence_test(tmp_path):
    per_item = {"a": [_noisy(0.0, 0.01, seed=s) for s in (1, 2, 3)],
                "b": [_noisy(0.002, 0.01, seed=s) for s in (4, 5, 6)],
                "far": [_noisy(0.05, 0.01, seed=s) for s in (7, 8, 9)]}
    summary, boot = _run(tmp_path, per_item)
    close = {"id": "c", "claim": "", "experiment": "exp", "suite": "in_domain", "kind": "close", "tolerance": 1.0}
    near = claims.check({**close, "a": "a", "than": "b"}, summary, None, boot)
    assert near["verdict"] == "holds" and -1 <= near["low"] and near["high"] <= 1
    far = claims.check({**close, "a": "a", "than": ["b", "far"]}, summary, None, boot)
    assert far["verdict"] == "fails" and "far" in far["compared"] and far["high"] < -1
    # 30 noisy items: the interval is wider than the band, neither inside nor outside it
    summary, boot = _run(tmp_path / "noisy", {"a": [_noisy(0.0, 0.3, seed=s, n=30) for s in (1, 2, 3)],
                                              "b": [_noisy(0.0, 0.3, seed=s, n=30) for s in (4, 5, 6)]})
    noisy = claims.check({**close, "a": "a", "than": "b"}, summary, None, boot)
    assert noisy["verdict"] == "inconclusive" and noisy["low"] < -1 < 1 < noisy["high"]


def test_the_standard_error_shrinks_as_items_grow(tmp_path):
    se = {}
    for n in (25, 200):
        summary, boot = _run(tmp_path / str(n), {"a": [_noisy(0.0, seed=s, n=n) for s in (1, 2, 3)],
                                                 "b": [_noisy(0.0, seed=s, n=n) for s in (4, 5, 6)]})
        se[n] = claims.check(SPEC, summary, None, boot)["se"]
    assert se[200] < se[25] / 2  # ~ 1/sqrt(n): a factor of 2.8 expected


def test_seeds_are_resampled_too(tmp_path):
    """Same items noise, but seeds that disagree: a wider interval than seeds that agree."""
    steady, boot = _run(tmp_path / "steady", {"a": [{t: v + 0.05 for t, v in BASE.items()}] * 3,
                                              "b": [BASE] * 3})
    s = claims.check(SPEC, steady, None, boot)
    noisy, boot = _run(tmp_path / "noisy", {"a": [{t: v + d for t, v in BASE.items()} for d in (0.0, 0.05, 0.10)],
                                            "b": [BASE] * 3})
    n = claims.check(SPEC, noisy, None, boot)
    assert s["effect"] == pytest.approx(n["effect"]) and s["high"] - s["low"] < n["high"] - n["low"]
    # the seed part is the seeds' disagreement alone: none where they agree
    assert s["se_seeds"] == pytest.approx(0, abs=1e-9) and n["se_seeds"] > 0.5
    assert n["se_items"] == pytest.approx(s["se_items"], rel=0.2)  # the same item noise
    assert n["low"] >= -1e-9 and n["high"] <= 10 + 1e-9  # replicates are means over drawn seeds


def test_worst_holds_only_when_every_other_variant_is_above(tmp_path):
    per_item = {"bad": [_noisy(-0.1, seed=1)], "x": [_noisy(0.0, seed=2)], "y": [_noisy(0.01, seed=3)]}
    summary, boot = _run(tmp_path, per_item)
    worst = {"id": "w", "claim": "", "experiment": "exp", "suite": "in_domain", "kind": "worst"}
    v = claims.check({**worst, "a": "bad"}, summary, None, boot)
    assert v["verdict"] == "holds" and v["effect"] > 5 and "the closest of 2" in v["compared"]
    v = claims.check({**worst, "a": "y"}, summary, None, boot)
    assert v["verdict"] == "fails" and v["compared"].startswith("bad - y")


def test_the_report_gives_se_mde_and_the_largest_trained_se(tmp_path):
    per_item = {"base": [BASE] * 2, "a": [_noisy(0.05, seed=s) for s in (1, 2)],
                "b": [_noisy(0.0, seed=s) for s in (3, 4)]}
    summary, boot = _run(tmp_path, per_item, model_ids={"base": "base-000000000001"})
    vs = [claims.check({**SPEC, "id": "ab"}, summary, None, boot),
          claims.check({**SPEC, "id": "a_base", "than": "base"}, summary, None, boot)]
    claims.write_report(vs, tmp_path / "out" / "claims", 1000)
    md = (tmp_path / "out" / "claims.md").read_text()
    assert "| paired SE | SE: items | SE: seeds | MDE | verdict |" in md and "claims hold on these numbers" in md
    for part, name in (("se", "all"), ("se_items", "items"), ("se_seeds", "seeds")):
        # not the comparison with the base model
        assert f"- in- and out-of-domain, {name}: {vs[0][part]:.2f} points (claim ab, a - b)" in md
    assert vs[0]["se_items"] <= vs[0]["se"] + 1e-9
    table = pd.read_csv(tmp_path / "out" / "claims.csv")
    assert list(table["verdict"]) == ["holds", "holds"] and {"se", "se_items", "se_seeds", "mde", "low", "high"} <= set(table.columns)


def test_cheaper_compares_training_examples(tmp_path):
    summary, _ = _run(tmp_path, {"a": [BASE]})
    costs = pd.DataFrame({"experiment": ["exp"] * 2, "variant": ["update", "full"], "seed": [0, 0],
                          "train_examples": [300, 1200]})
    v = claims.check({"id": "c", "claim": "", "experiment": "exp", "kind": "cheaper", "a": "update",
                      "than": "full", "fraction": 0.5}, summary, costs, None)
    assert v["verdict"] == "holds" and v["effect"] == pytest.approx(0.25) and v["se"] is None


def test_a_missing_or_stale_items_file_is_named(tmp_path):
    summary, boot = _run(tmp_path, {"a": [BASE], "b": [_noisy()]})
    with pytest.raises(claims.ClaimError, match="variant 'nope' has no results"):
        claims.check({**SPEC, "a": "nope"}, summary, None, boot)
    (tmp_path / "eval" / "train-b0" / "t1.items.json").unlink()
    missing = r"model train-b0, task t1: no per-item results .*t1.items.json is missing"
    with pytest.raises(claims.ClaimError, match=missing):
        claims.check(SPEC, summary, None, claims.Bootstrap(tmp_path / "eval"))
    stale = summary.copy()
    stale.loc[(stale["model"] == "train-a0") & (stale["task"] == "t0"), "value"] += 0.01
    stale_items = "model train-a0, task t0: the items file's score .* is not the summary's"
    with pytest.raises(claims.ClaimError, match=stale_items):
        claims.check(SPEC, stale, None, claims.Bootstrap(tmp_path / "eval"))


def test_models_scored_on_other_items_are_not_paired(tmp_path):
    summary, boot = _run(tmp_path, {"a": [BASE], "b": [{**BASE, "t2": BASE["t2"][:150]}]})
    with pytest.raises(claims.ClaimError, match="task t2: models .* were scored on different items"):
        claims.check(SPEC, summary, None, boot)


def test_the_claims_file_is_checked(tmp_path):
    bad = tmp_path / "claims.yaml"
    bad.write_text("- {id: x, claim: y, experiment: e, kind: beter, a: v, suite: in_domain}\n")
    with pytest.raises(claims.ClaimError, match="kind 'beter'"):
        claims.load_claims(bad)
    bad.write_text("- {id: x, claim: y, experiment: e, kind: close, a: v, than: w, suite: in_domain}\n")
    with pytest.raises(claims.ClaimError, match="claim x: a 'close' claim needs 'tolerance'"):
        claims.load_claims(bad)
    assert len(claims.load_claims(claims.Path("config/claims.yaml"))) >= 9


def test_the_cli_writes_the_report(tmp_path):
    summary, _ = _run(tmp_path, {"a": [_noisy(0.08, seed=1)], "b": [_noisy(0.0, seed=2)]})
    summary.to_csv(tmp_path / "summary.csv", index=False)
    (tmp_path / "claims.yaml").write_text(json.dumps([SPEC, {**SPEC, "id": "d", "experiment": "absent"}]))
    claims.main(["--claims", str(tmp_path / "claims.yaml"), "--summary", str(tmp_path / "summary.csv"),
                 "--eval-dir", str(tmp_path / "eval"), "--out", str(tmp_path / "out" / "claims"),
                 "--resamples", "200"])
    md = (tmp_path / "out" / "claims.md").read_text()
    assert "1 of 1 claims hold on these numbers (0 fail, 0 inconclusive)" in md  # the absent experiment: skipped
    prov = json.loads((tmp_path / "out" / "claims.provenance.json").read_text())
    assert prov["resamples"] == 200
