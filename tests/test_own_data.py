"""Your own model folder and data files (model.source: path, data.files): read, checked, refused
with file:line, named by their sha256s, and trained and evaluated by the mirror's code paths."""

import copy
import json
import shutil

import pytest

from boom import config as boom_config
from boom.data import own
from boom.data.forms import Labelled, Pairs, Retrieval
from boom.data.sources import SOURCES
from boom.errors import BoomError, ConfigError, DataError
from boom.model_folder import inspect as inspect_folder
from boom.recipes import base_recipe, model_id, train_recipe


@pytest.fixture(autouse=True)
def _registry():
    """The registry is process-wide: drop the datasets a test registered."""
    yield
    for name in [n for n, s in SOURCES.items() if isinstance(s, own.OwnSource)]:
        del SOURCES[name]


def _jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def _beir(folder, corpus, queries, qrels):
    folder.mkdir(parents=True, exist_ok=True)
    _jsonl(folder / "corpus.jsonl", [{"_id": k, "text": v} for k, v in corpus.items()])
    _jsonl(folder / "queries.jsonl", [{"_id": k, "text": v} for k, v in queries.items()])
    (folder / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t{s}\n" for q, d, s in qrels))
    return {part: str(folder / f"{part}.{'tsv' if part == 'qrels' else 'jsonl'}") for part in own.BEIR_PARTS}


def test_a_pair_training_file_becomes_queries_against_a_corpus(tmp_path):
    path = _jsonl(tmp_path / "t.jsonl", [{"anchor": "a", "positive": "p1", "negatives": ["n1"]},
                                        {"anchor": "a", "positive": "p2"}, "", {"anchor": "b", "positive": "p1",
                                                                                "negative": "n2"}])
    form = own.read_train("retrieval", path)
    assert isinstance(form, Retrieval)
    assert sorted(form.queries["train"].values()) == ["a", "b"]
    by_text = {t: d for d, t in form.corpus.items()}
    qa = next(q for q, t in form.queries["train"].items() if t == "a")
    assert set(form.qrels["train"][qa]) == {by_text["p1"], by_text["p2"]}
    assert form.negatives["train"][qa] == [by_text["n1"]]
    assert isinstance(own.read_train("classification", _jsonl(tmp_path / "l.jsonl", [{"text": "x", "label": 3}])),
                      Labelled)


@pytest.mark.parametrize("task_type, rows, expected", [
    ("retrieval", ['{"anchor": "a", "positive": "p"}', '{"anchor": "a", "positive": '], "t.jsonl:2: not a JSON object"),
    ("retrieval", [{"anchor": "a", "positive": "p"}, {"query": "a", "positive": "p"}], "t.jsonl:2: no field 'anchor'"),
    ("retrieval", [{"anchor": "a", "positive": ""}], "t.jsonl:1: field 'positive' is ''"),
    ("nli", [{"anchor": "a", "positive": "p", "negatives": ["n", 3]}], "t.jsonl:1: a negative is not a non-empty"),
    ("classification", [{"text": "a", "label": 1}, {"text": "b"}], "t.jsonl:2: no field 'label'"),
    ("classification", [["text", "label"]], "t.jsonl:1: not a JSON object"),
])
def test_a_malformed_training_line_is_refused_with_file_line_and_fix(tmp_path, task_type, rows, expected):
    with pytest.raises(DataError, match=expected.replace("[", r"\[")) as err:
        own.read_train(task_type, _jsonl(tmp_path / "t.jsonl", rows))
    assert "; write one {" in str(err.value)  # the fix: the line's expected shape


@pytest.mark.parametrize("task_type, row, expected", [
    ("sts", {"sentence1": "a", "sentence2": "b", "score": 7}, "score 7 is outside 0-5"),
    ("sts", {"sentence1": "a", "sentence2": "b", "score": "4"}, "field 'score' is '4'"),
    ("pair_classification", {"sentence1": "a", "sentence2": "b", "label": 2}, "label 2 is not one of \\[0, 1\\]"),
    ("nli", {"sentence1": "a", "sentence2": "b", "label": "yes"}, "label 'yes' is not one of"),
])
def test_a_malformed_test_line_is_refused(tmp_path, task_type, row, expected):
    path = _jsonl(tmp_path / "t.jsonl", [{"sentence1": "x", "sentence2": "y", "score": 1, "label": 0}
                                         if task_type != "nli" else {"sentence1": "x", "sentence2": "y", "label": "neutral"}, row])
    with pytest.raises(DataError, match="t.jsonl:2: " + expected):
        own.read_test(task_type, {"test": path}, (0.0, 5.0))


def test_beir_test_files_read_as_retrieval_with_judged_negatives(tmp_path):
    parts = _beir(tmp_path / "b", {"d1": "one", "d2": "two"}, {"q1": "first"}, [("q1", "d1", 1), ("q1", "d2", 0)])
    form = own.read_test("reranking", {k: own.resolve_root(v) for k, v in parts.items()}, (0.0, 5.0))
    assert form.qrels["test"] == {"q1": {"d1": 1}} and form.negatives["test"] == {"q1": ["d2"]}


@pytest.mark.parametrize("qrels, expected", [
    ("query-id\tdoc\tscore\n", "qrels.tsv:1: header"),
    ("query-id\tcorpus-id\tscore\nq1\td9\t1\n", "qrels.tsv:2: id 'd9' is not in the corpus file"),
    ("query-id\tcorpus-id\tscore\nq1\td1\thigh\n", "qrels.tsv:2: .* an integer score"),
    ("query-id\tcorpus-id\tscore\nq1\td1\t0\n", "no judgement with a score above 0"),
])
def test_bad_qrels_are_refused(tmp_path, qrels, expected):
    parts = _beir(tmp_path / "b", {"d1": "one"}, {"q1": "first"}, [])
    (tmp_path / "b" / "qrels.tsv").write_text(qrels)
    with pytest.raises(DataError, match=expected):
        own.read_test("retrieval", {k: own.resolve_root(v) for k, v in parts.items()}, (0.0, 5.0))


@pytest.fixture
def own_layer(tmp_path, tiny_base):
    """A config layer with a local model folder, an own training set (in the mix), an own
    out-of-domain test and an own STS set, written to tmp_path."""
    from boom.data.examples import evaluation_items

    evaluation_items.cache_clear()  # the names below are every test's, their files this one's
    model = tmp_path / "model"
    shutil.copytree(tiny_base, model)
    train = _jsonl(tmp_path / "train.jsonl", [{"anchor": f"question {i}", "positive": f"answer {i}"} for i in range(40)]
                   + [{"anchor": "held out query", "positive": "leaks"}])
    parts = _beir(tmp_path / "ood", {"d1": "an aeronautics abstract", "d2": "another"}, {"q1": "held out query"},
                  [("q1", "d1", 1)])
    sts_train = _jsonl(tmp_path / "sts_train.jsonl", [{"anchor": f"s {i}", "positive": f"t {i}"} for i in range(20)])
    sts_test = _jsonl(tmp_path / "sts_test.jsonl", [{"sentence1": f"u {i}", "sentence2": f"v {i}", "score": i % 6}
                                                    for i in range(20)])
    return {
        "model": {"source": "path", "path": str(model), "name": "my-model", "layers": None},
        "data": {"files": {
            "my_qa": {"task_type": "retrieval", "role": "in_domain", "instruction": "Find answers", "train": str(train)},
            "my_sts": {"task_type": "sts", "role": "in_domain", "instruction": "Similar text", "train": str(sts_train),
                       "test": str(sts_test)},
            "my_ood": {"task_type": "retrieval", "role": "out_of_domain", "instruction": "Find abstracts", "test": parts},
        }},
        "train": {"datasets": {"my_qa": {"max_examples": 40}, "my_sts": {"max_examples": 20}}},
        "interaction": {"train_examples": 8, "heldout_examples": 4},
        "evaluation": {"tasks": {"MySTS": {"dataset": "my_sts", "role": "in_domain", "max_pairs": 10},
                                 "MyOOD": {"dataset": "my_ood", "role": "out_of_domain"}}},
    }


def _load(layer, tmp_path):
    path = tmp_path / "layer.yaml"
    path.write_text(json.dumps(layer))  # JSON is YAML
    return boom_config.load(path)


def test_own_files_and_folder_are_named_by_their_sha256(own_layer, tmp_path):
    config = _load(own_layer, tmp_path)
    base = base_recipe(config)
    assert base["source"] == "path" and base["sha256"] == inspect_folder(str(own_layer["model"]["path"])).sha256
    recipe = train_recipe(config, ["my_qa"], "bls", 0)
    entry = recipe["datasets"]["my_qa"]
    assert set(entry["files_sha256"]) == {own_layer["data"]["files"]["my_qa"]["train"]}
    assert entry["held_out_sha256"]  # decontaminated against the own test files, which are in its id
    # a changed training file, a changed test file or a changed model file is a new model
    before = model_id(recipe)
    train = tmp_path / "train.jsonl"
    train.write_text(train.read_text() + json.dumps({"anchor": "new", "positive": "row"}) + "\n")
    assert model_id(train_recipe(config, ["my_qa"], "bls", 0)) != before
    before = model_id(train_recipe(config, ["my_qa"], "bls", 0))
    (tmp_path / "ood" / "corpus.jsonl").write_text((tmp_path / "ood" / "corpus.jsonl").read_text() + '{"_id": "d3", "text": "x"}\n')
    assert model_id(train_recipe(config, ["my_qa"], "bls", 0)) != before
    folder = tmp_path / "model"
    inspect_folder.cache_clear()
    copy_id = model_id(base_recipe(config))
    (folder / "README.md").write_text("changed")
    inspect_folder.cache_clear()
    assert model_id(base_recipe(config)) != copy_id


def test_the_default_recipes_do_not_change_without_own_data(default_config):
    """No own data, no new key: the committed run's model ids stay."""
    recipe = train_recipe(default_config, ["scifact"], "bls", 0)
    assert "held_out_sha256" not in recipe["datasets"]["scifact"] and "files_sha256" not in recipe["datasets"]["scifact"]


def test_own_training_data_is_decontaminated_against_own_test_files(own_layer, tmp_path, data_root):
    from boom.data.examples import build_examples

    _load(own_layer, tmp_path)
    examples, report = build_examples("my_qa", data_root, 1)
    assert "held out query" not in {e["query"] for e in examples}  # it is the out-of-domain test's query
    assert len(examples) == 40 and sum(report.skipped.values()) == 1
    assert {e["instruction"] for e in examples} == {"Find answers"}


def test_an_own_test_file_is_an_mteb_task_with_its_scale(own_layer, tmp_path, data_root):
    from boom.data.tasks import build_task

    config = _load(own_layer, tmp_path)
    task = build_task(data_root, "MySTS", config["evaluation"]["tasks"]["MySTS"])
    task.load_data()
    assert (task.min_score, task.max_score) == (0.0, 5.0)
    assert len(task.dataset["test"]) == 10
    ood = build_task(data_root, "MyOOD", config["evaluation"]["tasks"]["MyOOD"])
    assert ood.metadata.type == "Retrieval" and ood.metadata.dataset["revision"]


@pytest.mark.parametrize("change, expected", [
    (lambda l: l["data"]["files"]["my_ood"].update(test="x.jsonl"),
     "data.files.my_ood.test: a retrieval test is BEIR's three files"),
    (lambda l: l["data"]["files"]["my_ood"].update(train="x.jsonl"), "an out_of_domain dataset is never trained on"),
    (lambda l: l["data"]["files"]["my_qa"].pop("train"), "a dataset of role in_domain is trained on"),
    (lambda l: l["data"]["files"].update(scifact=l["data"]["files"].pop("my_ood")), "the data mirror has a dataset of this name"),
    (lambda l: l["data"]["files"]["my_sts"].update(scale=[5, 0]), "give \\[low, high\\] with low < high"),
    (lambda l: l["data"]["files"]["my_qa"].update(train="missing.jsonl"), "missing.jsonl: no such file"),
    (lambda l: l["model"].update(path="nowhere"), "model.path = 'nowhere': no such folder"),
    (lambda l: l["model"].update(pooling="cls"), "model.pooling = 'cls': the path base is a sentence-transformers"),
    (lambda l: l["model"].update(layers=3), "model.layers = 3 applies only to model.source gt_minilm"),
])
def test_a_bad_own_entry_is_refused_at_load(own_layer, tmp_path, change, expected):
    layer = copy.deepcopy(own_layer)
    change(layer)
    with pytest.raises(BoomError, match=expected):
        _load(layer, tmp_path)


def test_a_folder_that_is_not_a_model_is_refused_in_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ConfigError, match="is not a model folder \\(no modules.json, no config.json\\)") as err:
        inspect_folder(str(tmp_path))
    assert "\n" not in str(err.value)
    (tmp_path / "config.json").write_text("{}")
    inspect_folder.cache_clear()
    with pytest.raises(ConfigError, match="no weights"):
        inspect_folder(str(tmp_path))


def test_a_transformers_folder_gets_the_configured_pooling(tmp_path, tiny_base):
    from boom import models

    body = tmp_path / "hf"
    models.load(tiny_base)[0].auto_model.save_pretrained(body)
    models.load(tiny_base)[0].tokenizer.save_pretrained(body)
    folder = inspect_folder(str(body))
    assert folder.kind == "transformers" and folder.layers == 2
    spec = {"source": "path", "path": str(body), "sha256": folder.sha256, "pooling": "cls"}
    model = models.build_base(spec)
    assert model[1].get_config_dict()["pooling_mode"] == "cls" and model.encode(["hello"]).shape == (1, 32)
    with pytest.raises(models.ModelError, match="changed after the workflow read it"):
        models.build_base({**spec, "sha256": "0" * 64})


