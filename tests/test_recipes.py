"""Models as recipes: identical recipes share one id (trained once), any change gives a new one."""

import copy
import json
from pathlib import Path

import pytest

from boom.config import ConfigError, validate
from boom.recipes import RecipeError, model_id, optimizer_steps, resolve, train_data_file, trained_models


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


def _experiment(config, variants, **extra):
    config["experiments"] = {"e": {"variants": variants, **extra}}
    validate(config)
    res = resolve(config)
    return {r["variant"]: res.recipes[r["model"]] for r in res.variants}, res


def test_bags_replay_complement_and_continued_training(config):
    config["seeds"] = [0]
    by, res = _experiment(config, {
        "bls": {"kind": "train"},
        "bag60": {"kind": "train", "ratio": 0.6},
        "bag60b": {"kind": "train", "ratio": 0.6, "bag": 1},
        "half": {"kind": "train", "ratio": 0.5},
        "rest": {"kind": "train", "ratio": 0.5, "complement": True},
        "update": {"kind": "train", "new_datasets": ["cosqa"], "replay": 0.1},
        "continued": {"kind": "train", "datasets": ["cosqa"], "init": "bls"},
    })
    mix = set(config["train"]["datasets"])
    assert set(by["bls"]["datasets"]) == mix and "init" not in by["bls"]
    # two bags of one ratio and seed are different samples; a complement is its own file
    assert by["bag60"]["datasets"]["scifact"]["bag_seed"] != by["bag60b"]["datasets"]["scifact"]["bag_seed"]
    files = {v: train_data_file("r", "scifact", by[v]["datasets"]["scifact"]) for v in ("bag60", "bag60b", "half", "rest")}
    assert len(set(files.values())) == 4 and files["rest"].endswith(".r0.5.s0.c.jsonl")
    # replay samples the historical mix only; the new domain is trained on whole
    update = by["update"]["datasets"]
    assert set(update) == mix | {"cosqa"}
    assert "ratio" not in update["cosqa"] and all(update[d]["ratio"] == 0.1 for d in mix)
    # continued training names the model it starts from; its cost is its own run only
    assert by["continued"]["init"] == by["bls"] and list(by["continued"]["datasets"]) == ["cosqa"]
    assert trained_models(by["continued"]) == [model_id(by["continued"])]
    assert model_id(by["bls"]) in res.recipes


def test_report_limits_the_evaluated_variants_and_costs_cover_every_part(config):
    by, res = _experiment(config, {
        "bls": {"kind": "train"}, "bag50": {"kind": "train", "ratio": 0.5},
        "boom": {"kind": "merge", "inputs": ["bag50", "bls"]},
    }, report=["bls", "boom"])
    assert set(by) == {"bls", "boom"}
    assert len(trained_models(by["boom"])) == 2 and model_id(by["bls"]) in trained_models(by["boom"])


@pytest.mark.parametrize("variant, message", [
    ({"kind": "train", "init": "nope"}, "init: 'nope' is not another train or merge variant"),
    ({"kind": "train", "new_datasets": ["scifact"]}, "'scifact' is not defined in train.new_datasets"),
    ({"kind": "train", "datasets": ["cosqa"], "replay": 0.1}, "no historical data to replay"),
    ({"kind": "train", "complement": True}, "needs the bag's `ratio`"),
    ({"kind": "train", "ratio": 0.5, "replay": 0.1}, "not both"),
    ({"kind": "train", "replay": 1.5}, "replay = 1.5"),
])
def test_bad_train_variants_stop_the_parse(config, variant, message):
    config["experiments"]["e"] = {"variants": {"x": variant}}
    with pytest.raises(ConfigError, match=message):
        validate(config)


def test_new_domain_data_is_never_in_the_mix(config):
    config["train"]["datasets"]["cosqa"] = {"max_examples": 10}
    with pytest.raises(ConfigError, match="cosqa"):
        validate(config)


def test_every_recipe_of_the_default_scale_trains_for_enough_steps(config):
    res = resolve(config)
    steps = {mid: optimizer_steps(r) for mid, r in res.recipes.items() if r["kind"] == "train"}
    assert min(steps.values()) - 1 >= config["train"]["min_steps"]
    # the mix: 14 datasets capped at 96, 6 batches of 16 each (an upper bound: STS-B keeps 82)
    assert max(steps.values()) >= 14 * 6


@pytest.mark.parametrize("variant, where", [
    ({"kind": "train", "datasets": ["scifact"]}, r"variant 'x' would take 1 optimizer step\(s\), 0 at a non-zero"),
    ({"kind": "merge", "split": "dataset", "datasets": ["scifact", "snli"]}, r"variant 'x' \(its part on scifact\)"),
    ({"kind": "train", "datasets": ["scifact", "snli"], "ratio": 0.1}, "variant 'x' would take 2"),
])
def test_a_model_that_would_not_train_is_refused_at_parse_time(config, variant, where):
    config["train"]["datasets"]["scifact"]["max_examples"] = 16
    config["train"]["datasets"]["snli"]["max_examples"] = 16
    config["interaction"].update(train_examples=8, heldout_examples=8)
    config["experiments"] = {"e": {"variants": {"x": variant}}}
    validate(config)
    with pytest.raises(RecipeError, match=rf"experiment 'e', {where}.*train\.min_steps: 5"):
        resolve(config)


def test_the_parse_checks_steps_on_the_prepared_sizes_where_known(config, tmp_path):
    """Caps are an upper bound: once a training file is prepared, its card's count (after
    decontamination) is what the guard counts, and the refusal names the dataset."""
    from boom.layout import card_file, train_file
    from boom.recipes import planned_sizes, prepared_sizes

    config["results_dir"] = str(tmp_path)
    config["train"]["datasets"]["scifact"]["max_examples"] = 96
    config["experiments"] = {"e": {"variants": {"x": {"kind": "train", "datasets": ["scifact"]}}}}
    validate(config)
    resolve(config, prepared=prepared_sizes(config))  # nothing prepared: 96 examples, 6 steps of 16
    card = Path(card_file(train_file(tmp_path, "scifact", 96, config["train"]["hard_negatives"])))
    card.parent.mkdir(parents=True)
    card.write_text(json.dumps({"examples": 20}))
    assert prepared_sizes(config) == {"scifact": 20}
    with pytest.raises(RecipeError, match=r"variant 'x' would take 2 optimizer step\(s\) on scifact \(20 examples "
                                          r"of its cap 96\)"):
        resolve(config, prepared=prepared_sizes(config))
    bag = {"datasets": {"scifact": {"max_examples": 96, "ratio": 0.25}}}
    assert planned_sizes(bag, {"scifact": 20}) == {"scifact": 5}
    assert planned_sizes({"datasets": {"scifact": {"max_examples": 96, "ratio": 0.25, "complement": True}}}) == {"scifact": 72}


def test_bags_and_replay_are_drawn_independently():
    """BOOM's subsets are sampled separately: no bag holds a smaller one, two bags of one ratio
    differ, a complement is disjoint from its bag, and the replay sample is a draw of its own."""
    from boom.data.sampling import sample

    rows = [{"i": i} for i in range(200)]
    ids = lambda ratio, seed, complement=False: {r["i"] for r in sample(rows, ratio, seed, "snli", complement)}  # noqa: E731
    bag20, bag40, bag80 = ids(0.2, 0), ids(0.4, 0), ids(0.8, 0)
    assert (len(bag20), len(bag40), len(bag80)) == (40, 80, 160)
    assert not bag20 <= bag40 and not bag40 <= bag80
    assert ids(0.6, 0) != ids(0.6, 1000)  # bag index 1 of seed 0
    assert ids(0.5, 0) & ids(0.5, 0, complement=True) == set() and len(ids(0.5, 0) | ids(0.5, 0, True)) == 200
    assert not ids(0.1, 0) <= bag20
    assert ids(0.4, 0) == bag40  # deterministic


def test_rule_patterns_and_recipe_paths_are_one_layout(config):
    """The rules' patterns are boom.layout's functions given wildcard strings; a recipe's files
    are the same functions given values: formatting a pattern with a job's values gives its path."""
    from pathlib import Path

    from boom import layout

    config["seeds"] = [0]
    by, _ = _experiment(config, {"bls": {"kind": "train"}, "half": {"kind": "train", "ratio": 0.5},
                                 "rest": {"kind": "train", "ratio": 0.5, "complement": True}})
    train = dict(dataset="{dataset}", cap="{cap}", k="{k}")
    patterns = {"bls": layout.train_file("r", **train),
                "half": layout.bag_file("r", **train, ratio="{ratio}", seed="{seed}"),
                "rest": layout.bag_file("r", **train, ratio="{ratio}", seed="{seed}", complement=True)}
    assert patterns["bls"] == "r/data/train/{dataset}.n{cap}.k{k}.jsonl"
    for variant, pattern in patterns.items():
        e = by[variant]["datasets"]["scifact"]
        values = dict(dataset="scifact", cap=e["max_examples"], k=e["hard_negatives"], ratio=e.get("ratio"),
                      seed=e.get("bag_seed"))
        assert pattern.format(**values) == train_data_file("r", "scifact", e)
        assert layout.card_file(pattern).format(**values) == train_data_file("r", "scifact", e) + ".card.json"
    mid = model_id(by["half"])
    assert layout.model_dir("r", "{model}").format(model=mid) == layout.model_dir("r", mid) == f"r/models/{mid}/model"
    assert layout.eval_items_file("r", "{model}", "{task}").format(model=mid, task="SciFact") \
        == f"r/eval/{mid}/SciFact.items.json"
    # and the rules name these files through boom.layout only, never with a path of their own
    rules = Path(__file__).resolve().parent.parent / "rules"
    for smk in rules.glob("*.smk"):
        text = smk.read_text()
        for written in ("{RESULTS}/", "{FIGURES}/"):
            assert written not in text, f"{smk.name} writes a path {written}... itself: use boom.layout"
