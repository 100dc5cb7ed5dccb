"""Training and evaluation on the smoke scale's tiny random encoder and real data."""

import json

import pytest
import torch
from safetensors.torch import load_file
from sentence_transformers import SentenceTransformer

from boom import evaluate, models, train
from boom.errors import BoomError

def _weights(model_dir):
    return load_file(str(model_dir / "model.safetensors"))


@pytest.fixture(scope="module")
def trained(tiny_base, train_files, train_recipe, tmp_path_factory):
    out = tmp_path_factory.mktemp("trained") / "model"
    cost = train.train(train_recipe, tiny_base, train_files, out)
    return out, cost


def test_training_moves_the_weights_and_records_its_cost(tiny_base, trained):
    out, cost = trained
    before, after = _weights(tiny_base), _weights(out)
    assert before.keys() == after.keys()
    assert any(not torch.equal(before[k], after[k]) for k in before)
    assert cost["examples"] == 48 and cost["steps"] == 6 and cost["tokens"] > 0 and cost["wall_seconds"] > 0
    # the saved folder is a complete SentenceTransformer: pooling and normalisation kept
    model = SentenceTransformer(str(out))
    assert [type(m).__name__ for m in model] == ["Transformer", "Pooling", "Normalize"]


def test_same_recipe_and_threads_give_bitwise_identical_weights(tiny_base, train_files, trained, train_recipe,
                                                               tmp_path):
    again = tmp_path / "model"
    train.train(train_recipe, tiny_base, train_files, again)
    first, second = _weights(trained[0]), _weights(again)
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_recipe_and_data_must_agree(tiny_base, train_files, train_recipe, tmp_path):
    with pytest.raises(BoomError, match="--data gives"):
        train.train(train_recipe, tiny_base, {"snli": train_files["snli"]}, tmp_path / "m")
    with pytest.raises(ValueError, match="unknown schedule 'zigzag'"):
        train.train({**train_recipe, "schedule": "zigzag"}, tiny_base, train_files, tmp_path / "m")
    assert not (tmp_path / "m").exists()


SPEC = {"dataset": "scifact", "role": "in_domain", "max_queries": 20, "distractors": 50, "seed": 0}



def test_each_model_gets_its_own_scores(data_root, tiny_base, trained, tmp_path):
    a = evaluate.evaluate(tiny_base, "base-test", "SciFact", SPEC, data_root, 32, 64)
    b = evaluate.evaluate(trained[0], "train-test", "SciFact", SPEC, data_root, 32, 64)
    assert a.get_score() != b.get_score()  # not one model's cached score handed to the other
    a.to_disk(tmp_path / "a.json")
    data = json.loads((tmp_path / "a.json").read_text())
    assert data["task_name"] == "SciFact" and data["scores"]["test"][0]["main_score"] == a.get_score()


def test_sts12_task_is_evaluated(data_root, tiny_base):
    result = evaluate.evaluate(tiny_base, "base-sts", "STS12",
                               {"dataset": "sts12", "role": "out_of_domain", "max_pairs": 50}, data_root, 32, 64)
    assert -1.0 <= result.get_score() <= 1.0


def test_missing_or_truncated_model_folder_is_named(tmp_path):
    with pytest.raises(models.ModelError, match="is missing or incomplete"):
        models.load(tmp_path / "nothing")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "modules.json").write_text("[")
    with pytest.raises(models.ModelError, match="could not be loaded"):
        models.load(broken)


@pytest.mark.parametrize("name, spec", [
    ("WikiQA", {"dataset": "wikiqa", "role": "in_domain", "max_queries": 10}),
    ("SNLI", {"dataset": "snli", "role": "in_domain", "max_pairs": 40}),
    ("Banking77", {"dataset": "banking77", "role": "in_domain", "max_examples": 80, "n_experiments": 1}),
    ("AGNews", {"dataset": "agnews", "role": "out_of_domain", "max_examples": 40, "n_experiments": 1}),
    ("TwentyNewsgroups", {"dataset": "20ng_mini", "role": "in_domain", "max_examples": 60}),
    ("Cranfield", {"dataset": "cranfield", "role": "out_of_domain", "max_queries": 5, "distractors": 20}),
    ("CoSQA", {"dataset": "cosqa", "role": "new_domain", "max_queries": 5, "distractors": 20}),
])
def test_every_kind_of_task_evaluates(data_root, tiny_base, name, spec):
    result = evaluate.evaluate(tiny_base, f"base-{name}", name, spec, data_root, 32, 64)
    assert 0.0 <= result.get_score() <= 1.0
