"""The training engine: the paper's schedules as batch orders, task-aware losses, bad input."""

import pytest
import torch
from datasets import Dataset
from safetensors.torch import load_file
from sentence_transformers.base.sampler import DefaultBatchSampler, NoDuplicatesBatchSampler
from torch.utils.data import ConcatDataset

from boom import batching, losses, recipes, schedules, train
from boom.config import load
from boom.data.prepare import prepare
from boom.errors import BoomError

TYPES = {"scifact": "retrieval", "wikiqa": "reranking", "snli": "nli", "banking77": "classification"}


@pytest.mark.parametrize("schedule, order, expected", [
    ("bls", None, [["banking77", "scifact", "snli", "wikiqa"]]),
    ("seq_dataset", ["snli", "scifact", "wikiqa", "banking77"], [["snli"], ["scifact"], ["wikiqa"], ["banking77"]]),
    ("seq_task", ["nli", "retrieval", "reranking", "classification"], [["snli"], ["scifact"], ["wikiqa"], ["banking77"]]),
    ("two_stage", None, [["scifact", "wikiqa"], ["banking77", "scifact", "snli", "wikiqa"]]),
])
def test_schedules_are_stages(schedule, order, expected):
    assert schedules.stages(schedule, TYPES, order) == expected


@pytest.mark.parametrize("schedule, order, message", [
    ("zigzag", None, "unknown schedule 'zigzag'"),
    ("seq_dataset", ["snli", "quora"], "names dataset 'quora', which is not in the training mix"),
    ("seq_dataset", ["snli"], "must name every dataset of the mix once"),
    ("seq_task", ["nli", "sts"], "names task type 'sts'"),
])
def test_bad_schedules_are_refused(schedule, order, message):
    with pytest.raises(schedules.ScheduleError, match=message):
        schedules.stages(schedule, TYPES, order)


def test_two_stage_without_retrieval_data_is_refused():
    with pytest.raises(schedules.ScheduleError, match="needs retrieval data first"):
        schedules.stages("two_stage", {"snli": "nli"})


def _samplers(sizes, batch_size=4):
    datasets = [Dataset.from_dict({"x": list(range(n))}) for n in sizes]
    samplers = [DefaultBatchSampler(range(len(d)), batch_size=batch_size, drop_last=False) for d in datasets]
    return ConcatDataset(datasets), samplers


def test_staged_sampler_keeps_batches_within_one_dataset_and_stages_in_order():
    concat, samplers = _samplers([8, 12, 4])
    factory = batching.staged([["b"], ["a", "c"], ["a", "b", "c"]], ["a", "b", "c"])
    sampler = factory(concat, batch_samplers=samplers, generator=torch.Generator(), seed=0)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 3 + (2 + 1) + (2 + 3 + 1)
    owner = lambda i: 0 if i < 8 else 1 if i < 20 else 2  # noqa: E731
    sources = [{owner(i) for i in b} for b in batches]
    assert all(len(s) == 1 for s in sources)  # one dataset per batch
    order = [s.pop() for s in sources]
    assert order[:3] == [1, 1, 1] and set(order[3:6]) == {0, 2}
    # every example of a stage is seen exactly once in that stage
    assert sorted(i for b in batches[3:6] for i in b) == list(range(8)) + list(range(20, 24))
    assert list(factory(concat, batch_samplers=samplers, generator=torch.Generator(), seed=0)) == batches


def test_classification_sets_are_batched_without_the_duplicate_filter():
    make = batching.per_dataset_batch_sampler({"banking77"})
    kwargs = dict(batch_size=4, drop_last=False, valid_label_columns=None, generator=None, seed=0)
    ds = Dataset.from_dict({"anchor": ["a", "b"], "positive": ["x", "x"]})
    ds.set_transform(lambda b: {**b, "dataset_name": ["banking77"] * len(b["anchor"])})
    assert type(make(ds, **kwargs)) is DefaultBatchSampler
    ds.set_transform(lambda b: {**b, "dataset_name": ["scifact"] * len(b["anchor"])})
    assert type(make(ds, **kwargs)) is NoDuplicatesBatchSampler


def test_own_negatives_infonce_matches_a_reference_computation():
    torch.manual_seed(0)
    a, p, n1, n2 = (torch.randn(5, 8) for _ in range(4))
    loss = losses.OwnNegativesInfoNCE(model=None, scale=20.0).compute_loss_from_embeddings([a, p, n1, n2], None)
    cos = lambda x, y: torch.nn.functional.cosine_similarity(x, y, dim=-1)  # noqa: E731
    logits = torch.stack([cos(a, p), cos(a, n1), cos(a, n2)], dim=1) * 20.0
    reference = (-torch.log_softmax(logits, dim=1)[:, 0]).mean()
    torch.testing.assert_close(loss, reference)
    # no in-batch term: permuting the other examples' candidates changes nothing for example 0
    perm = torch.tensor([0, 2, 1, 4, 3])
    again = losses.OwnNegativesInfoNCE(None, 20.0).compute_loss_from_embeddings([a, p[perm], n1[perm], n2[perm]], None)
    assert not torch.isclose(loss, again)  # sanity: the pairing matters
    assert isinstance(losses.loss_for(None, True, 0.02), torch.nn.Module)


RECIPE = {
    "kind": "train", "threads": 1, "seed": 0,
    "hyper": {"batch_size": 8, "learning_rate": 1e-3, "warmup_ratio": 0.1, "epochs": 1,
              "temperature": 0.05, "max_seq_length": 32},
}


@pytest.fixture(scope="module")
def mix(data_root, tmp_path_factory):
    d = tmp_path_factory.mktemp("mix")
    files = {}
    for name in ("scifact", "snli", "banking77"):
        prepare(data_root, name, 16, 1, d / f"{name}.jsonl")
        files[name] = d / f"{name}.jsonl"
    datasets = {n: {"task_type": TYPES[n]} for n in files}
    return files, datasets


@pytest.mark.parametrize("schedule", schedules.SCHEDULES)
def test_every_schedule_trains(tiny_base, mix, tmp_path, schedule):
    files, datasets = mix
    recipe = {**RECIPE, "schedule": schedule, "datasets": datasets}
    cost = train.train(recipe, tiny_base, files, tmp_path / "model")
    steps = 6 + (2 if schedule == "two_stage" else 0)  # 3 sets x 2 batches; two_stage sees scifact twice
    assert cost["steps"] == steps and cost["schedule"] == schedule
    before, after = load_file(str(tiny_base / "model.safetensors")), load_file(str(tmp_path / "model/model.safetensors"))
    assert any(not torch.equal(before[k], after[k]) for k in before)
    # the record a reviewer checks: the loss on the probe batches fell, the weights moved, and
    # every example was run through the loss (two_stage: its retrieval data twice)
    assert cost["loss_end"] < cost["loss_start"] and cost["weight_distance"] > 0
    repeated = cost["examples_per_dataset"]["scifact"] if schedule == "two_stage" else 0
    if schedule != "mixed":
        assert cost["examples_seen"] == cost["examples"] + repeated


def test_bf16_training_is_its_own_model_and_still_trains(tiny_base, mix, tmp_path):
    """train.precision bf16 (autocast) gives other weights than float32 from the same seed, and
    the same checks hold; `auto` on a CPU is float32, and the recipe names only a non-auto one."""
    files, datasets = mix
    recipe = {**RECIPE, "schedule": "bls", "datasets": datasets}
    assert not train.uses_bf16("auto", "cpu") and not train.uses_bf16("fp32", "cuda") and train.uses_bf16("bf16", "cpu")
    fp32 = train.train(recipe, tiny_base, files, tmp_path / "fp32" / "model")
    bf16 = train.train({**recipe, "precision": "bf16"}, tiny_base, files, tmp_path / "bf16" / "model")
    assert bf16["loss_end"] < bf16["loss_start"] and bf16["steps"] == fp32["steps"]
    a = load_file(str(tmp_path / "fp32/model/model.safetensors"))
    b = load_file(str(tmp_path / "bf16/model/model.safetensors"))
    assert any(not torch.equal(a[k], b[k]) for k in a) and all(b[k].dtype == a[k].dtype for k in a)
    config = load()
    assert recipes.train_recipe(config, ["snli"], "bls", 0)["precision"] == "bf16"
    config["train"]["precision"] = "auto"
    assert "precision" not in recipes.train_recipe(config, ["snli"], "bls", 0)


def test_a_run_that_did_not_train_is_refused():
    with pytest.raises(train.TrainingError, match="did not move in 1 optimizer step"):
        train.check_trained("train-x", 1, 1.0, 1.0, 0.0)
    with pytest.raises(train.TrainingError, match="did not fall"):
        train.check_trained("train-x", 8, 1.0, 1.2, 0.5)
    train.check_trained("train-x", 8, 1.0, 0.9, 0.5)  # trained: no error


def test_a_bad_order_stops_before_any_training(tiny_base, mix, tmp_path):
    files, datasets = mix
    recipe = {**RECIPE, "schedule": "seq_dataset", "order": ["snli", "quora"], "datasets": datasets}
    with pytest.raises(schedules.ScheduleError, match="'quora'"):
        train.train(recipe, tiny_base, files, tmp_path / "model")
    assert not (tmp_path / "model").exists()


@pytest.fixture(scope="module")
def tiny_decoder(tmp_path_factory):
    from boom import models

    out = tmp_path_factory.mktemp("decoder") / "model"
    models.save_atomically(models.build_tiny_random(0, "qwen3", "lasttoken"), out)
    return out


def test_decoder_path_trains_with_instructions_and_lora_then_merges_and_evaluates(tiny_decoder, mix, data_root, tmp_path):
    """The paper-scale code path offline: a Qwen3-architecture decoder, last-token pooling,
    instructions on queries, LoRA merged back before saving, a Multi-SLERP merge, mteb."""
    from sentence_transformers import SentenceTransformer

    from boom import evaluate, merge, models

    files, datasets = mix
    recipe = {**RECIPE, "schedule": "bls", "datasets": datasets, "query_instruction": True,
              "lora": {"r": 4, "alpha": 8, "dropout": 0.0}}
    outs = []
    for seed in (0, 1):
        out = tmp_path / f"m{seed}"
        train.train({**recipe, "seed": seed}, tiny_decoder, files, out)
        outs.append(out)
    base, trained = load_file(str(tiny_decoder / "model.safetensors")), load_file(str(outs[0] / "model.safetensors"))
    assert base.keys() == trained.keys()  # adapters merged away: plain weights
    assert any(not torch.equal(base[k], trained[k]) for k in base)
    loaded = SentenceTransformer(str(outs[0]))
    assert loaded[1].pooling_mode == "lasttoken" and type(loaded[0].auto_model).__name__ == "Qwen3Model"
    merge.merge_folders("multislerp", {}, outs, tiny_decoder, tmp_path / "merged")
    spec = {"dataset": "scifact", "role": "in_domain", "max_queries": 5, "distractors": 20}
    result = evaluate.evaluate(tmp_path / "merged", "merge-decoder", "SciFact", spec, data_root, 16, 32)
    assert 0.0 <= result.get_score() <= 1.0


def test_mixed_schedule_refuses_per_dataset_instructions(tiny_decoder, mix, tmp_path):
    files, datasets = mix
    recipe = {**RECIPE, "schedule": "mixed", "datasets": datasets, "query_instruction": True}
    with pytest.raises(BoomError, match="schedule mixed cannot give each dataset its own query instruction"):
        train.train(recipe, tiny_decoder, files, tmp_path / "m")


def test_the_default_base_is_the_bottom_layers_of_the_shipped_model():
    from boom import models

    model = models.build_base({"source": "gt_minilm", "layers": 3})
    assert len(model[0].auto_model.encoder.layer) == 3 == model[0].auto_model.config.num_hidden_layers
    with pytest.raises(BoomError, match="model.layers = 7: the base has 6 layers"):
        models.build_base({"source": "gt_minilm", "layers": 7})
