"""Models as recipes: identical recipes share one id (trained once), any change gives a new one."""

import copy

from boom.recipes import model_id, resolve


def test_ids_are_stable_and_kinded(config):
    a, b = resolve(config), resolve(copy.deepcopy(config))
    assert a.recipes.keys() == b.recipes.keys()
    assert {mid.split("-")[0] for mid in a.recipes} == {"base", "train", "merge"}


def test_same_recipe_in_two_experiments_is_one_model(config):
    config["experiments"]["again"] = {"variants": {
        "joint": {"kind": "train", "datasets": ["snli", "scifact"], "schedule": "bls"},
    }}
    res = resolve(config)
    ids = {(r["experiment"], r["variant"]): r["model"] for r in res.variants}
    # dataset order in a variant does not matter; the recipe is the same, so is the folder
    assert ids[("again", "joint")] == ids[("slice", "bls")]


def test_any_change_to_a_recipe_changes_its_id(config):
    before = {(r["variant"], r["seed"]): r["model"] for r in resolve(config).variants}
    config["train"]["learning_rate"] = 1e-4
    after = {(r["variant"], r["seed"]): r["model"] for r in resolve(config).variants}
    assert before[("base", 0)] == after[("base", 0)]
    for variant in ("bls", "scifact", "snli", "merged"):
        assert before[(variant, 0)] != after[(variant, 0)], variant


def test_seeds_give_distinct_trained_models_but_one_base(config):
    config["seeds"] = [0, 1]
    rows = resolve(config).variants
    by = {(r["variant"], r["seed"]): r["model"] for r in rows}
    assert by[("base", 0)] == by[("base", 1)]
    assert by[("bls", 0)] != by[("bls", 1)]


def test_merge_recipe_names_its_inputs_and_base(config):
    res = resolve(config)
    by = {r["variant"]: r["model"] for r in res.variants}
    merged = res.recipes[by["merged"]]
    assert merged["inputs"] == [by["scifact"], by["snli"]]
    assert model_id(merged["base"]) == by["base"]
    assert merged["method"] == "multislerp"
