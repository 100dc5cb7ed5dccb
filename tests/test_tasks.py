"""Evaluation tasks: every configured task is a real mteb task over a non-empty, seeded subset,
with metadata naming its type, role, main score and a revision derived from the data."""

import copy

import pytest

from boom.data.sources import EVAL_KINDS, SOURCES
from boom.data.tasks import build_task


@pytest.fixture(scope="module")
def tasks(default_config, data_root):
    out = {}
    for name, spec in default_config["evaluation"]["tasks"].items():
        task = build_task(data_root, name, spec)
        task.load_data()
        out[name] = task
    return out


def _size(task):
    data = task.dataset["default"]["test"] if isinstance(task.dataset, dict) and "default" in task.dataset else task.dataset["test"]
    return len(data["queries"]) if "queries" in data else len(data)


def test_suites_cover_what_the_paper_needs(default_config):
    specs = default_config["evaluation"]["tasks"]
    by_role = {}
    for spec in specs.values():
        by_role.setdefault(spec["role"], set()).add(spec["dataset"])
    in_domain = by_role["in_domain"]
    assert len(in_domain) >= 10 and len({SOURCES[d].task_type for d in in_domain}) >= 5
    assert in_domain <= set(default_config["train"]["datasets"])
    ood = by_role["out_of_domain"]
    assert {"cranfield", "climatefever", "sts12", "sts13", "sts14", "sts15", "sts16", "agnews"} <= ood
    assert len({SOURCES[d].eval_kind for d in ood}) >= 3
    assert not ood & set(default_config["train"]["datasets"])
    assert by_role["new_domain"] == {"cosqa"}


def test_every_task_loads_a_non_empty_subset_with_metadata(tasks, default_config):
    for name, task in tasks.items():
        spec = default_config["evaluation"]["tasks"][name]
        source = SOURCES[spec["dataset"]]
        assert task.metadata.name == name
        assert (task.metadata.type, task.metadata.main_score) == EVAL_KINDS[source.eval_kind]
        assert source.role.replace("_", "-") in task.metadata.description
        assert len(task.metadata.dataset["revision"]) == 16
        assert _size(task) > 0, name


def test_subsets_respect_their_caps(tasks, default_config):
    spec = default_config["evaluation"]["tasks"]
    queries, distractors = spec["SciFact"]["max_queries"], spec["SciFact"]["distractors"]
    assert _size(tasks["SciFact"]) == queries
    corpus = tasks["SciFact"].dataset["default"]["test"]["corpus"]
    assert distractors < len(corpus) <= distractors + queries * 5  # distractors + the queries' relevant abstracts
    assert _size(tasks["STS12"]) == spec["STS12"]["max_pairs"]
    assert len(tasks["Banking77"].dataset["test"]) == spec["Banking77"]["max_examples"]


def test_revision_changes_with_the_subset(data_root, default_config):
    spec = default_config["evaluation"]["tasks"]["STS12"]
    a = build_task(data_root, "STS12", spec).metadata.dataset["revision"]
    b = build_task(data_root, "STS12", {**spec, "max_pairs": 10}).metadata.dataset["revision"]
    assert a != b


def test_reranking_uses_each_question_own_candidates(tasks):
    split = tasks["WikiQA"].dataset["default"]["test"]
    assert tasks["WikiQA"].metadata.type == "Reranking"
    for qid, candidates in list(split["top_ranked"].items())[:20]:
        relevant = set(split["relevant_docs"][qid])
        assert relevant and relevant < set(candidates)


def test_empty_split_is_a_clear_error(data_root, default_config):
    from boom.data.manifest import DataError

    spec = copy.deepcopy(default_config["evaluation"]["tasks"]["STS12"])
    task = build_task(data_root, "STS12", spec)
    task.source = copy.copy(task.source)
    object.__setattr__(task.source, "eval_split", "nonexistent")
    with pytest.raises(DataError, match="split of sts12 came out empty"):
        task.load_data()


# Mirror tasks that are MTEB tasks on the same data (a subset of it), and that MTEB task's name.
MTEB_TWINS = {"Banking77": "Banking77Classification", "Emotion": "EmotionClassification",
              "TweetSentiment": "TweetSentimentExtractionClassification",
              "AmazonCF": "AmazonCounterfactualClassification", "STSB": "STSBenchmark", "SICK-R": "SICK-R",
              "TwitterURL": "TwitterURLCorpus", "SciFact": "SciFact",
              **{f"STS{n}": f"STS{n}" for n in range(12, 17)}}


@pytest.mark.parametrize("name, twin", sorted(MTEB_TWINS.items()))
def test_a_mirror_task_scores_as_its_mteb_twin_does(default_config, name, twin):
    """Same main score and, for classification, mteb's own training texts per label (n_experiments
    is 1 here, 10 in mteb: the subset and this are stated in the task's metadata)."""
    import mteb

    from boom.data.sources import EVAL_KINDS, SOURCES

    spec = default_config["evaluation"]["tasks"][name]
    theirs = mteb.get_task(twin)
    assert EVAL_KINDS[SOURCES[spec["dataset"]].eval_kind][1] == theirs.metadata.main_score
    if hasattr(theirs, "samples_per_label"):
        assert spec["samples_per_label"] == theirs.samples_per_label
