"""Merging as the workflow uses it: bad inputs refused before anything is written, the config's
operators and granularities, incremental merges, and the interaction analysis."""

import json
import re
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

from boom import interaction, merge, models
from boom.config import ConfigError, validate
from boom.merge_methods import METHODS
from boom.errors import BoomError
from boom.recipes import model_id, resolve


def _finetune(base_dir, out, seed, scale=0.02):
    """A copy of the base with seeded noise on every weight: a stand-in fine-tune."""
    weights = load_file(str(base_dir / "model.safetensors"))
    g = torch.Generator().manual_seed(seed)
    noisy = {k: v + scale * torch.randn(v.shape, generator=g) if v.is_floating_point() else v for k, v in weights.items()}
    shutil.copytree(base_dir, out)
    save_file(noisy, str(out / "model.safetensors"), metadata={"format": "pt"})
    return out


@pytest.fixture(scope="module")
def tuned(tiny_base, tmp_path_factory):
    d = tmp_path_factory.mktemp("tuned")
    return [_finetune(tiny_base, d / f"m{i}", seed=i) for i in range(3)]


def test_mergekit_contracts_match_the_static_table():
    """The config checks operators without importing mergekit; the table must agree with it."""
    from mergekit.merge_methods import get

    for name, ours in METHODS.items():
        spec = get(name).spec
        assert spec.name == name
        assert spec.contract.base.value == ours.base, name
        assert (spec.contract.min_inputs, spec.contract.max_inputs, spec.contract.min_non_base) == (
            ours.min_inputs, ours.max_inputs, ours.min_non_base), name
        assert {p.name: p.scope.value for p in spec.parameters} == dict(ours.parameters), name


def test_the_docs_list_every_merge_method_and_no_other():
    docs = (Path(__file__).resolve().parent.parent / "docs/methods.md").read_text()
    listed = re.search(r"<!-- merge methods -->(.*?)<!-- /merge methods -->", docs, re.S).group(1)
    assert re.findall(r"`([a-z_]+)`", listed) == list(METHODS)


def test_merged_folder_keeps_every_module_and_the_tokenizer(tiny_base, tuned, tmp_path):
    out = tmp_path / "merged"
    merge.merge_folders("ties", {"density": 0.5}, tuned[:2], tiny_base, out)
    assert not (tmp_path / "merged.partial").exists()
    loaded = SentenceTransformer(str(out))
    assert [type(m).__name__ for m in loaded] == ["Transformer", "Pooling", "Normalize"]
    assert loaded.tokenizer.get_vocab() == models.load(tiny_base).tokenizer.get_vocab()
    emb = loaded.encode(["a claim about cells"], normalize_embeddings=False)
    assert abs(float((emb**2).sum()) - 1.0) < 1e-5


def test_incremental_merge_weights_the_existing_and_the_update_model(tiny_base, tuned, tmp_path):
    """An existing model plus an update model, weighted: linear 0.8/0.2 is 0.8 a + 0.2 b."""
    out = tmp_path / "incremental"
    merge.merge_folders("linear", {"weight": [0.8, 0.2]}, tuned[:2], tiny_base, out)
    a, b = (load_file(str(p / "model.safetensors")) for p in tuned[:2])
    merged = load_file(str(out / "model.safetensors"))
    for key, value in merged.items():
        if value.is_floating_point():
            torch.testing.assert_close(value, 0.8 * a[key] + 0.2 * b[key], rtol=0, atol=1e-5)


def _saved_variant(tiny_base, out, hidden=32, pooling="mean", vocab_cut=0):
    """A tiny model that differs from the base in width, pooling or vocabulary."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    tok = AutoTokenizer.from_pretrained(str(tiny_base))
    hf = out.with_name(out.name + "-hf")
    cfg = BertConfig(vocab_size=tok.vocab_size - vocab_cut, hidden_size=hidden, num_hidden_layers=2,
                     num_attention_heads=2, intermediate_size=64, max_position_embeddings=512)
    torch.manual_seed(0)
    BertModel(cfg).save_pretrained(hf)
    tok.save_pretrained(hf)
    SentenceTransformer(modules=[Transformer(str(hf), max_seq_length=256), Pooling(hidden, pooling), Normalize()]).save_pretrained(str(out))
    return out


@pytest.mark.parametrize("change, message", [
    ({"hidden": 48}, "different configuration"),
    ({"pooling": "cls"}, "1_Pooling/config.json differs"),
    ({"vocab_cut": 1}, "different configuration"),
])
def test_incompatible_models_are_named_before_anything_is_written(tiny_base, tuned, tmp_path, change, message):
    other = _saved_variant(tiny_base, tmp_path / "other", **change)
    out = tmp_path / "merged"
    with pytest.raises(merge.MergeInputError, match=message) as info:
        merge.merge_folders("linear", {}, [tuned[0], other], tiny_base, out)
    assert str(other) in str(info.value)
    assert not out.exists() and not (tmp_path / "merged.partial").exists()


def test_a_mismatched_tensor_is_named(tiny_base, tuned, tmp_path):
    other = shutil.copytree(tuned[1], tmp_path / "other")
    weights = load_file(str(other / "model.safetensors"))
    name = sorted(k for k in weights if k.endswith("query.weight"))[0]
    weights[name] = weights[name][:, :16].contiguous()
    save_file(weights, str(other / "model.safetensors"), metadata={"format": "pt"})
    with pytest.raises(merge.MergeInputError, match=f"tensor '{name}' has shape"):
        merge.merge_folders("linear", {}, [tuned[0], other], tiny_base, tmp_path / "merged")
    assert not (tmp_path / "merged").exists()


def test_a_truncated_weight_file_is_named(tiny_base, tuned, tmp_path):
    other = shutil.copytree(tuned[1], tmp_path / "other")
    data = (other / "model.safetensors").read_bytes()
    (other / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(merge.MergeInputError, match="truncated or corrupt"):
        merge.merge_folders("linear", {}, [tuned[0], other], tiny_base, tmp_path / "merged")


@pytest.mark.parametrize("method, parameters, n, message", [
    ("model_stock", {}, 1, "needs at least 2 models"),
    ("slerp", {}, 3, "needs exactly 2 models"),
    ("ties", {"weight": [0.5, 0.5, 0.5]}, 2, "'weight' has 3 values for 2 models"),
    ("ties", {"densty": 0.5}, 2, "has no parameter 'densty'"),
    ("slerp", {"t": [0.1, 0.2]}, 2, "is one value, not a list"),
    ("multi_slerp", {}, 2, "did you mean 'multislerp'"),
])
def test_method_misuse_is_refused_before_reading_models(tiny_base, tuned, tmp_path, method, parameters, n, message):
    with pytest.raises(merge.MergeInputError, match=message):
        merge.merge_folders(method, parameters, tuned[:n], tiny_base, tmp_path / "merged")
    assert not (tmp_path / "merged").exists()


def test_the_merge_cli_writes_cost_and_provenance(tiny_base, tuned, tmp_path):
    out = tmp_path / "merge-000000000000" / "model"
    recipe = {"kind": "merge", "method": "multislerp", "parameters": {}}
    merge.main(["--recipe", json.dumps(recipe), "--base", str(tiny_base), "--inputs", *map(str, tuned[:2]),
                "--out", str(out)])
    assert (out / "model.safetensors").is_file()
    assert json.loads((out.parent / "provenance.json").read_text())["recipe"] == recipe
    assert json.loads((out.parent / "cost.json").read_text())["inputs"] == 2


# ---------------------------------------------------------------- the config and recipes


def _with_variant(config, variant):
    config["experiments"]["exp"] = {"variants": {"base": {"kind": "base"}, "m": variant}}
    return config


@pytest.mark.parametrize("variant, message", [
    ({"kind": "merge", "split": "dataset", "inputs": ["base"]}, "either `inputs`"),
    ({"kind": "merge"}, "either `inputs`"),
    ({"kind": "merge", "split": "dataset", "method": "slerp"}, "needs exactly 2 models"),
    ({"kind": "merge", "split": "task_type", "parameters": {"weight": [1, 2]}}, "'weight' has 2 values for 7 models"),
    ({"kind": "merge", "split": "clusters", "datasets": ["scifact", "nope"]}, "'nope' is not defined in train.datasets"),
    ({"kind": "merge", "inputs": ["base", "bls"], "schedule": "bls"}, "applies only to a `split` merge"),
    ({"kind": "merge", "inputs": ["base", "base"]}, "lists 'base' twice"),
    ({"kind": "merge", "split": "dataset", "method": "model_stock", "parameters": {"filter_wise": [1]}},
     "is one value, not a list"),
    ({"kind": "merge", "split": "dataset", "method": "ties", "with_base": False}, "needs the shared base model"),
    ({"kind": "merge", "split": "dataset", "method": "linear", "with_base": False}, "never takes a base model"),
    ({"kind": "train", "with_base": False}, "with_base does not apply to a variant of kind 'train'"),
])
def test_bad_merge_variants_stop_the_parse(config, variant, message):
    with pytest.raises(ConfigError, match=message):
        validate(_with_variant(config, variant))


def test_cluster_variants_need_every_dataset_probed(config):
    config["interaction"].update(datasets=["scifact", "snli"], clusters=2)
    with pytest.raises(ConfigError, match="'20ng_mini' is not in interaction.datasets"):
        validate(_with_variant(config, {"kind": "merge", "split": "clusters"}))


def test_split_variants_train_one_model_per_part(config):
    config["experiments"] = {"g": {"variants": {
        "bls": {"kind": "train"},
        "dataset": {"kind": "merge", "split": "dataset"},
        "task_type": {"kind": "merge", "split": "task_type"},
        "cluster": {"kind": "merge", "split": "clusters"},
    }}}
    validate(config)
    pending = resolve(config)
    assert pending.pending == [("g", "cluster")]
    clusters = [["scifact", "trecqa", "wikiqa"], sorted(set(config["train"]["datasets"]) - {"scifact", "wikiqa", "trecqa"})]
    res = resolve(config, clusters=clusters)
    by = {r["variant"]: res.recipes[r["model"]] for r in res.variants}
    assert len(by["dataset"]["inputs"]) == len(config["train"]["datasets"])
    assert len(by["task_type"]["inputs"]) == 7
    assert [sorted(p["datasets"]) for p in by["cluster"]["input_recipes"]] == clusters
    assert sorted(by["bls"]["datasets"]) == sorted(config["train"]["datasets"])
    for part in by["dataset"]["inputs"] + by["cluster"]["inputs"]:
        assert part in res.recipes  # every part is a model the DAG can build
    # the single-dataset part of `dataset` is the same recipe as a train variant on that dataset
    config["experiments"]["g"]["variants"]["sf"] = {"kind": "train", "datasets": ["scifact"]}
    ids = {r["variant"]: r["model"] for r in resolve(config, clusters=clusters).variants}
    assert ids["sf"] in by["dataset"]["inputs"]


# ---------------------------------------------------------------- interaction analysis


def test_clusters_join_the_datasets_that_help_each_other():
    import pandas as pd

    names = ["a", "b", "c", "d"]
    score = pd.DataFrame([[0, -0.5, 0.3, 0.4], [-0.5, 0, 0.2, 0.3], [0.3, 0.2, 0, -0.4], [0.4, 0.3, -0.4, 0]],
                         index=names, columns=names, dtype=float)
    clusters, _ = interaction.cluster(score, 2)
    assert clusters == [["a", "b"], ["c", "d"]]


def test_held_out_examples_are_never_trained_on():
    rows = [{"query": f"q{i}"} for i in range(50)]
    train, heldout = interaction.split_examples(rows, 20, 10, seed=3)
    assert len(train) == 20 and len(heldout) == 10
    assert not {r["query"] for r in train} & {r["query"] for r in heldout}
    assert interaction.split_examples(rows, 20, 10, seed=3) == (train, heldout)
    with pytest.raises(BoomError, match="cannot give both"):
        interaction.split_examples(rows[:5], 4, 5, seed=0)


def test_interaction_probe_on_real_data(tiny_base, data_root, tmp_path):
    from boom.data.prepare import prepare

    files = {n: tmp_path / f"{n}.jsonl" for n in ("scifact", "snli", "banking77")}
    for name, path in files.items():
        prepare(data_root, name, 24, 1, path)
    hyper = {"batch_size": 8, "learning_rate": 1e-3, "temperature": 0.05, "max_seq_length": 32}
    # the paper's `loss` method: 2·8 training examples of each file for its alone run, 8 held out
    budget = {"method": "loss", "replicates": 1, "train_examples": 8, "heldout_examples": 8, "clusters": 2,
              "seed": 0}
    result = interaction.analyse(tiny_base, files, budget, hyper, threads=1)
    delta = result["delta"]
    assert list(delta.index) == sorted(files) and (delta.to_numpy().diagonal() == 0).all()
    assert (delta.to_numpy() != 0).sum() == 6  # every directed pair measured
    assert sorted(sum(result["clusters"], [])) == sorted(files) and len(result["clusters"]) == 2
    again = interaction.analyse(tiny_base, files, budget, hyper, threads=1)["delta"]
    assert (again.to_numpy() == delta.to_numpy()).all()  # same seed and threads: same numbers
    interaction.write_figures(delta, result["matrix"], result["tree"], tmp_path / "fig" / "interaction",
                              stab=result["stability"], method="loss")
    assert (tmp_path / "fig" / "interaction_heatmap.png").stat().st_size > 0
    assert (tmp_path / "fig" / "interaction_dendrogram.pdf").stat().st_size > 0


def test_a_tensor_no_input_changed_stays_the_base(tiny_base, tuned, tmp_path):
    """Mean-pooled models never train BERT's pooler: merging three such fine-tunes with Multi-SLERP
    must keep it (mergekit alone divides by a zero sum there)."""
    base = load_file(str(tiny_base / "model.safetensors"))
    untouched = [k for k in base if k.startswith("pooler.")]
    assert untouched
    inputs = []
    for i, folder in enumerate(tuned):
        copy = shutil.copytree(folder, tmp_path / f"in{i}")
        weights = load_file(str(copy / "model.safetensors"))
        weights.update({k: base[k] for k in untouched})
        save_file(weights, str(copy / "model.safetensors"), metadata={"format": "pt"})
        inputs.append(copy)
    merge.merge_folders("multislerp", {}, inputs, tiny_base, tmp_path / "merged")
    merged = load_file(str(tmp_path / "merged" / "model.safetensors"))
    assert all(torch.equal(merged[k], base[k]) for k in untouched)
    assert not torch.equal(merged["embeddings.word_embeddings.weight"], base["embeddings.word_embeddings.weight"])


def test_element_wise_operators_merge_large_tensors_in_row_blocks(tiny_base, tuned, tmp_path):
    """A small group budget splits the embedding matrix into row blocks: the same bytes result."""
    for method, parameters in [("linear", {"weight": [0.3, 0.7]}), ("ties", {})]:
        whole, blocks = tmp_path / f"{method}-whole", tmp_path / f"{method}-blocks"
        merge.merge_folders(method, parameters, tuned[:2], tiny_base, whole)
        merge.merge_folders(method, parameters, tuned[:2], tiny_base, blocks, group_bytes=64 * 2**10)
        assert (whole / "model.safetensors").read_bytes() == (blocks / "model.safetensors").read_bytes()


def test_multislerp_without_the_base_merges_the_weights_themselves(tiny_base, tuned, tmp_path):
    """`with_base: false`: Multi-SLERP of the weights, not of their task vectors from the base;
    two copies of one model merge to that model either way."""
    with_base, without = tmp_path / "with", tmp_path / "without"
    merge.merge_folders("multislerp", {}, tuned[:2], tiny_base, with_base)
    merge.merge_folders("multislerp", {}, tuned[:2], tiny_base, without, with_base=False)
    a, b = (load_file(str(d / "model.safetensors")) for d in (with_base, without))
    name = "embeddings.word_embeddings.weight"
    assert not torch.allclose(a[name], b[name])
    copies = [shutil.copytree(tuned[0], tmp_path / f"copy{i}") for i in range(2)]
    merge.merge_folders("multislerp", {}, copies, None, tmp_path / "same", with_base=False)
    same, original = load_file(str(tmp_path / "same" / "model.safetensors")), load_file(str(tuned[0] / "model.safetensors"))
    assert torch.allclose(same[name], original[name], atol=1e-5)
    with pytest.raises(merge.MergeInputError, match="no optional base"):
        merge.merge_folders("linear", {}, tuned[:2], None, tmp_path / "linear", with_base=False)


def test_with_base_false_is_part_of_the_merge_recipe(config):
    """The two Multi-SLERPs are two models; the merge with its base keeps the id it had."""
    config["experiments"] = {"e": {"variants": {
        "base": {"kind": "base"}, "a": {"kind": "train", "datasets": ["scifact"]},
        "b": {"kind": "train", "datasets": ["snli"]}, "m": {"kind": "merge", "inputs": ["a", "b"]},
        "m_no_base": {"kind": "merge", "inputs": ["a", "b"], "with_base": False}}}}
    validate(config)
    resolved = resolve(config)
    rows = {r["variant"]: r["model"] for r in resolved.variants if r["seed"] == config["seeds"][0]}
    recipes = resolved.recipes
    assert rows["m"] != rows["m_no_base"] and "with_base" not in recipes[rows["m"]]
    assert recipes[rows["m_no_base"]]["with_base"] is False
