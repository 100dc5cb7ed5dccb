"""The paper scale's pieces that run without a cluster or the Hub: multi-device batching, the
device-count check, Hub training data from a local folder of the Hub's layout, and the paper
configs' recipes."""

import json
from collections import Counter

import pytest
import torch
from datasets import Dataset
from sentence_transformers.base.sampler import DefaultBatchSampler
from torch.utils.data import ConcatDataset, SequentialSampler

from boom import batching, train
from boom.config import ConfigError, load, validate
from boom.data import hub
from boom.data.manifest import DataError
from boom.recipes import resolve
from boom.errors import BoomError


def _sampler(sizes, devices, batch=2):
    sets = [Dataset.from_dict({"x": list(range(n))}) for n in sizes]
    samplers = [DefaultBatchSampler(SequentialSampler(d), batch_size=batch, drop_last=True) for d in sets]
    return batching.StagedBatchSampler(ConcatDataset(sets), samplers, torch.Generator(), seed=0,
                                       stage_indices=[list(range(len(sets)))], devices=devices)


def _dataset_of(batch, sizes):
    bounds = [sum(sizes[:i + 1]) for i in range(len(sizes))]
    return {next(i for i, b in enumerate(bounds) if idx < b) for idx in batch}


def test_under_ddp_every_step_gives_all_devices_batches_of_one_dataset():
    sizes, devices = [10, 6, 14], 2  # 5, 3 and 7 batches: 2, 1 and 3 whole runs of two
    batches = list(_sampler(sizes, devices))
    assert len(batches) == len(_sampler(sizes, devices)) == (2 + 1 + 3) * devices
    steps = [batches[i:i + devices] for i in range(0, len(batches), devices)]
    for step in steps:  # the trainer deals batch k to device k mod devices
        (owner,) = set().union(*(_dataset_of(b, sizes) for b in step))
    assert Counter(next(iter(_dataset_of(s[0], sizes))) for s in steps) == {0: 2, 1: 1, 2: 3}


def test_one_device_keeps_every_batch_in_the_single_device_order():
    sizes = [10, 6, 14]
    batches = list(_sampler(sizes, 1))
    assert len(batches) == 5 + 3 + 7 and sorted(i for b in batches for i in b) == list(range(30))


def test_a_recipe_runs_only_on_the_device_count_it_names(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert train.world_size({"devices": 2}) == 2
    with pytest.raises(BoomError, match=r"trains on 4 device\(s\) but this run has 2 process\(es\).*"
                                         r"torchrun --nproc-per-node 4"):
        train.world_size({"devices": 4})
    monkeypatch.delenv("WORLD_SIZE")
    with pytest.raises(BoomError, match="torchrun --nproc-per-node 2"):
        train.world_size({"devices": 2})


ROWS = [{"query": f"q{i}", "pos": [f"p{i}"], "neg": [f"n{i}a", f"n{i}b"], "prompt": "Retrieve passages",
         "type": "normal"} for i in range(12)]


@pytest.fixture
def hub_folder(tmp_path):
    """A local dataset folder with the Hub repository's layout: data/<split>-*.parquet."""
    (tmp_path / "data").mkdir()
    Dataset.from_list(ROWS).to_parquet(str(tmp_path / "data/msmarco-00000-of-00001.parquet"))
    Dataset.from_list(ROWS[:3]).to_parquet(str(tmp_path / "data/arguana-00000-of-00001.parquet"))
    return tmp_path


def test_a_hub_split_becomes_a_capped_training_file_with_its_card(hub_folder, tmp_path):
    out = tmp_path / "out/msmarco.jsonl"
    card = hub.prepare(hub.HubDataset(str(hub_folder), "msmarco", "0" * 40), "retrieval", 5, 3, out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert card["available"] == 12 and card["examples"] == len(rows) == 5 and card["in_batch_negatives"]
    assert all(len(r["negatives"]) == 3 and r["negatives"][2] == r["negatives"][0] for r in rows)  # cycled
    assert all(r["instruction"] == "Retrieve passages" for r in rows)
    assert json.loads((tmp_path / "out/msmarco.jsonl.card.json").read_text())["task_type"] == "retrieval"


def test_hub_data_errors_name_the_split_and_the_fix(hub_folder, tmp_path):
    with pytest.raises(DataError, match="arguana is one of the sets the paper leaves out"):
        hub.load(hub.HubDataset(str(hub_folder), "arguana", "0" * 40), 1)
    with pytest.raises(DataError, match="no split 'nq'.*msmarco.*fix train.hub.datasets"):
        hub.load(hub.HubDataset(str(hub_folder), "nq", "0" * 40), 1)
    with pytest.raises(DataError, match="row has no negatives, 7 needed"):
        hub.normalise({**ROWS[0], "neg": []}, 7, "x")


def test_the_paper_config_trains_qwen3_on_bge_full_data_over_eight_gpus():
    config = load("config/paper.yaml")
    recipes = [r for r in resolve(config).recipes.values() if r["kind"] == "train"]
    assert recipes and all(r["devices"] == 8 and r["hyper"]["batch_size"] == 256 for r in recipes)
    assert all(r["base"]["name"] == "Qwen/Qwen3-0.6B" and r["base"]["pooling"] == "lasttoken" for r in recipes)
    full = next(r for r in recipes if len(r["datasets"]) == 25 and "ratio" not in r["datasets"]["nq"])
    assert full["hyper"]["temperature"] == 0.02 and full["query_instruction"] and full["gradient_checkpointing"]
    assert full["datasets"]["nq"]["hub"] == "cfli/bge-full-data@78f5c99b534a52824ab26bd24edda592eaed4c7a:nq"
    assert not any(hub.excluded(spec["split"]) for spec in config["train"]["hub"]["datasets"].values())
    lora = load("config/paper.yaml", "config/paper_4b_lora.yaml")
    assert {r["lora"]["r"] for r in resolve(lora).recipes.values() if r["kind"] == "train"} == {32}


def test_a_hub_dataset_may_not_take_a_mirror_datasets_name():
    config = load("config/paper.yaml")
    config["train"]["hub"]["datasets"]["snli"] = {"split": "nli", "task_type": "nli"}
    with pytest.raises(ConfigError, match="train.hub.datasets.snli: the data mirror has a dataset of this name"):
        validate(config)
