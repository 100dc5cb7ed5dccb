"""Evaluation with mteb: boom's encoder (each text encoded once, length-sorted batches) gives the
scores of plain `mteb.evaluate`; models never share scores through the result cache; retrieval
scores agree with beir's; the paper's benchmark suites resolve offline; decoder models put the
instruction on queries only."""

import collections
import shutil

import mteb
import numpy as np
import pytest
from mteb.types import PromptType

from boom import evaluate, models
from boom.config import ConfigError, load
from boom.data.mteb_benchmarks import PAPER_BENCHMARKS, benchmark_task, benchmark_tasks
from boom.data.sources import evaluation_tasks
from boom.data.tasks import build_task
from boom.encoding import CachedEncoder

# One task of every kind, on the smoke scale's subsets.
SMOKE = load("config/smoke.yaml")["evaluation"]["tasks"]
KINDS = ["SciFact", "WikiQA", "STS12", "STSB", "SNLI", "Banking77", "TwentyNewsgroups"]


@pytest.fixture(scope="module")
def tiny_other(tmp_path_factory):
    """A second tiny random encoder (another seed): a different model of the same shape."""
    out = tmp_path_factory.mktemp("tiny1") / "model"
    models.save_atomically(models.build_tiny_random(seed=1), out)
    return out


def _numbers(value, path=""):
    """Every number of a nested scores dict, by its path."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _numbers(item, f"{path}/{key}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _numbers(item, f"{path}/{i}").items()}
    return {path: float(value)} if isinstance(value, (int, float)) and not isinstance(value, bool) else {}


def test_padding_does_not_change_embeddings(tiny_base, tmp_path):
    """Batches mix lengths once sorted: a text's embedding must not depend on its batch mates.
    Checked on the encoder and on the decoder (last-token pooling reads the attention mask)."""
    texts = ["a", "a short claim about cells", "a much longer sentence " * 12, "mid length text here ok"]
    decoder = models.build_tiny_random(seed=0, architecture="qwen3", pooling="lasttoken")
    for model in (models.load(tiny_base), decoder):
        alone = np.stack([model.encode([t]) for t in texts])[:, 0]
        together = model.encode(texts, batch_size=len(texts))
        assert np.abs(alone - together).max() < 1e-6


def test_cached_sorted_encoder_gives_plain_mteb_scores(data_root, tiny_base):
    plain = models.load(tiny_base)
    plain.max_seq_length = 64
    plain.model_card_data.model_name = "boom/plain"
    encoder = evaluate.load_for_eval(tiny_base, "cached", 64)
    for name in KINDS:
        # a fresh task for each run: a task's random state (clustering's samples) moves as it runs
        ours, from_cache = evaluate.evaluate_task(encoder, build_task(data_root, name, SMOKE[name]), batch_size=16)
        with evaluate._scoring_single_threaded():  # as fast as ours (benchmarks/eval_speed.py: unlimited)
            theirs = mteb.evaluate(plain, build_task(data_root, name, SMOKE[name]), cache=None,
                                   encode_kwargs={"batch_size": 16}, show_progress_bar=False)
        a, b = _numbers(ours.scores), _numbers(theirs.task_results[0].scores)
        assert a.keys() == b.keys() and not from_cache
        for key in a:
            assert a[key] == pytest.approx(b[key], abs=1e-6, nan_ok=True), (name, key)
    # STS and pair tasks repeat sentences: some texts were served from the store
    assert 0 < encoder.encoded < encoder.requested


def test_scoring_runs_on_one_thread_and_encoding_on_the_jobs_threads(data_root, tiny_base, monkeypatch):
    import torch
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

    torch.set_num_threads(2)
    encoder = evaluate.load_for_eval(tiny_base, "threads", 64)
    seen = {"encode": set(), "kmeans": set()}
    encode_batch = encoder.model.encode

    def encode(*args, **kwargs):
        seen["encode"].add(torch.get_num_threads())
        return encode_batch(*args, **kwargs)

    monkeypatch.setattr(encoder.model, "encode", encode)
    from mteb.abstasks import clustering

    fit_predict = clustering.MiniBatchKMeans.fit_predict

    def kmeans(self, *args, **kwargs):
        seen["kmeans"].add(_openmp_effective_n_threads())
        return fit_predict(self, *args, **kwargs)

    monkeypatch.setattr(clustering.MiniBatchKMeans, "fit_predict", kmeans)
    evaluate.evaluate_task(encoder, build_task(data_root, "TwentyNewsgroups", {**SMOKE["TwentyNewsgroups"],
                                                                           "max_examples": 40}), 16)
    assert seen == {"encode": {2}, "kmeans": {1}} and torch.get_num_threads() == 2


def test_classification_samples_and_scores_as_mteb_does(data_root):
    """boom's ClassificationTask reads the label column once instead of a row at a time: the
    same training samples and metrics as mteb's own methods."""
    from mteb.abstasks.classification import AbsTaskClassification

    task = build_task(data_root, "TweetSentiment", load()["evaluation"]["tasks"]["TweetSentiment"])
    task.load_data()
    train, test = task.dataset["train"].select(range(2000)), task.dataset["test"]  # mteb's own is slow
    ours_idx = mteb_idx = None
    for i in range(3):
        _, ours_idx, ours = task._undersample_data(train, i, ours_idx)
        _, mteb_idx, theirs = AbsTaskClassification._undersample_data(task, train, i, mteb_idx)
        assert ours == theirs and ours_idx == mteb_idx
    predicted = np.asarray(test["label"])[::-1]
    assert task._calculate_scores(test["label"], predicted) == \
        AbsTaskClassification._calculate_scores(task, test["label"], predicted)


def test_each_model_gets_its_own_scores_through_the_cache(data_root, tiny_base, tiny_other, tmp_path):
    cache = evaluate.result_cache(tmp_path / "mteb_cache")
    spec = SMOKE["SciFact"]

    def run(model_dir, model_id, task_spec=spec):
        encoder = evaluate.load_for_eval(model_dir, model_id, 64)
        result, from_cache = evaluate.evaluate_task(encoder, build_task(data_root, "SciFact", task_spec), 16, cache)
        return result.get_score(), from_cache, encoder.encoded

    a, b = run(tiny_base, "base-a"), run(tiny_other, "base-b")
    assert not a[1] and not b[1] and a[0] != b[0]  # one model's cached score never handed to the other
    assert run(tiny_base, "base-a") == (a[0], True, 0)  # the same model again: from the cache, nothing encoded
    # the same weights retrained elsewhere: only the model card (training time) differs, the cache serves
    again = tmp_path / "again" / "model"
    shutil.copytree(tiny_base, again)
    (again / "README.md").write_text("# trained in another run, 12.3 s\n")
    assert run(again, "base-a") == (a[0], True, 0)
    # a rebuilt folder under the same name with other weights: another revision, computed afresh
    assert run(tiny_other, "base-a")[:2] == (b[0], False)
    # the task's subset changed (another dataset revision): computed afresh, not the stale result
    changed = run(tiny_base, "base-a", {**spec, "max_queries": spec["max_queries"] - 5})
    assert not changed[1] and changed[2] > 0


@pytest.mark.parametrize("name", ["SciFact", "Cranfield"])
def test_retrieval_ndcg_agrees_with_beir(data_root, tiny_base, name):
    """beir's EvaluateRetrieval on the embeddings mteb scored gives mteb's nDCG@10 (both round
    to 5 decimals, as beir and mteb print them)."""
    from beir.retrieval.evaluation import EvaluateRetrieval

    encoder = evaluate.load_for_eval(tiny_base, "beir", 64)
    task = build_task(data_root, name, SMOKE[name])
    task.load_data()
    split = dict(task.dataset["default"]["test"])  # mteb unloads the task's data once it ran
    result, _ = evaluate.evaluate_task(encoder, task, 16)
    prompt = {kind: next(k[1] for k in encoder._store if k[0] == kind) for kind in ("query", "document")}
    queries = np.stack([encoder._store["query", prompt["query"], t] for t in split["queries"]["text"]])
    docs = np.stack([encoder._store["document", prompt["document"], t] for t in split["corpus"]["text"]])
    cosine = (queries / np.linalg.norm(queries, axis=1, keepdims=True)) @ \
        (docs / np.linalg.norm(docs, axis=1, keepdims=True)).T
    doc_ids = split["corpus"]["id"]
    top = {qid: {doc_ids[j]: float(row[j]) for j in np.argsort(-row)[:100]}
           for qid, row in zip(split["queries"]["id"], cosine)}
    ndcg, *_ = EvaluateRetrieval.evaluate(split["relevant_docs"], top, [10], ignore_identical_ids=False)
    assert ndcg["NDCG@10"] == pytest.approx(result.scores["test"][0]["ndcg_at_10"], abs=1e-6)


def test_paper_benchmarks_resolve_offline_to_their_tasks():
    eng = benchmark_tasks("MTEB(eng, v2)")
    assert len(eng) == 41
    assert collections.Counter(t["task_type"] for t in eng.values()) == {
        "Retrieval": 10, "Clustering": 8, "STS": 9, "Classification": 8, "PairClassification": 3,
        "Reranking": 2, "Summarization": 1}
    rteb, code = benchmark_tasks("RTEB(beta)"), benchmark_tasks("MTEB(Code, v1)")
    assert len(rteb) == 17 and len(code) == 12  # RTEB's 13 private datasets are left out
    assert {t["task_type"] for t in {**rteb, **code}.values()} == {"Retrieval"}
    tasks = evaluation_tasks({"tasks": {}, "benchmarks": PAPER_BENCHMARKS})
    roles = collections.Counter(spec["role"] for spec in tasks.values())
    assert roles == {"in_domain": 41, "out_of_domain": 16, "new_domain": 12}  # AppsRetrieval: new domain
    assert tasks["AppsRetrieval"]["benchmark"] == "MTEB(Code, v1)"


def test_paper_config_takes_its_suites_from_the_benchmarks(tmp_path):
    config = load("config/paper.yaml")
    tasks = evaluation_tasks(config["evaluation"])
    assert {spec.get("benchmark") for spec in tasks.values()} == set(PAPER_BENCHMARKS.values())
    assert config["model"]["query_instruction"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("evaluation:\n  benchmarks:\n    out_of_domain: MTEB(eng, v9)\n")
    with pytest.raises(ConfigError, match=r"evaluation.benchmarks.out_of_domain: unknown mteb benchmark.*MTEB\(eng, v2\)"):
        load(bad)


def test_decoder_puts_the_instruction_on_queries_only(data_root, tmp_path):
    decoder = tmp_path / "decoder"
    models.save_atomically(models.build_tiny_random(seed=0, architecture="qwen3", pooling="lasttoken"), decoder)
    encoder = evaluate.load_for_eval(decoder, "decoder", 64, query_instruction=True)
    evaluate.evaluate_task(encoder, build_task(data_root, "SciFact", SMOKE["SciFact"]), 16)
    query = "Instruct: Given a scientific claim, retrieve documents that support or refute the claim\nQuery: "
    assert {key[:2] for key in encoder._store} == {("query", query), ("document", None)}
    # an mteb benchmark task: mteb's instruction for it; symmetric tasks (no prompt type) are queries
    arguana = benchmark_task("MTEB(eng, v2)", "ArguAna").metadata
    assert encoder.prompt_for(arguana, PromptType.query) == \
        "Instruct: Given a claim, find documents that refute the claim\nQuery: "
    assert encoder.prompt_for(arguana, PromptType.document) is None
    biosses = benchmark_task("MTEB(eng, v2)", "BIOSSES").metadata
    assert encoder.prompt_for(biosses, None).startswith("Instruct: ")
    # an encoder without query_instruction: mteb's own prompt choice, no instruction
    plain = CachedEncoder(models.load(decoder), "boom/plain")
    assert plain.prompt_for(arguana, PromptType.query) == plain.prompt_for(arguana, PromptType.document) == ""


def test_missing_model_folder_stops_the_job_naming_it(tmp_path):
    with pytest.raises(models.ModelError, match=str(tmp_path / "gone")):
        evaluate.main(["--model", str(tmp_path / "gone"), "--model-id", "x", "--tasks", "{}", "--root",
                       str(tmp_path), "--out-dir", str(tmp_path / "out")])


def test_batches_stay_within_the_batch_size_and_the_padding_bound():
    from boom.encoding import MAX_PADDING, _padding_bounded_batches

    lengths = sorted([64, 60, 40, 20, 10, 9, 8, 5] * 20 + [12] * 100, reverse=True)
    batches = _padding_bounded_batches(lengths, 32)
    assert [i for a, b in batches for i in range(a, b)] == list(range(len(lengths)))  # every text once, in order
    for a, b in batches:
        assert 0 < b - a <= 32
        assert 1 - sum(lengths[a:b]) / (lengths[a] * (b - a)) <= MAX_PADDING
    assert _padding_bounded_batches([7] * 70, 32) == [(0, 32), (32, 64), (64, 70)]


def test_bf16_encoding_stays_close_to_float32_under_its_own_revision(data_root, tiny_base):
    """evaluation.precision bf16: float32 embeddings out, each within rounding of the float32
    model's (cosine), and a revision of its own, so mteb's cache never mixes the two; fp32 keeps
    the revision it always had."""
    fp32 = evaluate.load_for_eval(tiny_base, "p", 64)
    bf16 = evaluate.load_for_eval(tiny_base, "p", 64, precision="bf16")
    assert fp32.mteb_model_meta.revision != bf16.mteb_model_meta.revision
    assert fp32.mteb_model_meta.revision == evaluate.load_for_eval(tiny_base, "p", 64, precision="fp32").mteb_model_meta.revision
    texts = ["a short claim about cells", "a much longer sentence " * 12, "mid length text here ok", "a"]
    function = fp32.model.encode
    a = fp32._encode_sorted(function, texts, None, {"batch_size": 2})
    b = bf16._encode_sorted(bf16.model.encode, texts, None, {"batch_size": 2})
    assert b.dtype == np.float32 and not np.array_equal(a, b)  # bf16 really ran
    cosine = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert cosine.min() > 0.99
    with pytest.raises(ValueError, match="precision 'fp16'"):
        CachedEncoder(fp32.model, "boom/p", precision="fp16")
