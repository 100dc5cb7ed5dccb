"""The registry of datasets: what each is, its licence, its role, and how it is trained and tested.

Imports no torch, mteb or sklearn: the config validator and the Snakefile use it at parse time.
Readers (boom/data/readers) parse the raw files; boom/data/examples.py turns a parsed dataset
into training examples and boom/data/tasks.py into an mteb task.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from boom.data.mteb_benchmarks import benchmark_tasks
from boom.data.forms import Form, LoadReport
from boom.data.manifest import provenance_of
from boom.data.readers import READERS
from boom.errors import ConfigError

# Task types of the training mix (the paper's), and the mteb task type each evaluates as.
TASK_TYPES = ("retrieval", "reranking", "nli", "sts", "pair_classification", "classification", "clustering")
EVAL_KINDS = {
    "retrieval": ("Retrieval", "ndcg_at_10"),
    "reranking": ("Reranking", "map_at_1000"),
    "sts": ("STS", "cosine_spearman"),
    "pair_classification": ("PairClassification", "max_ap"),
    "classification": ("Classification", "accuracy"),
    "clustering": ("Clustering", "v_measure"),
}
# Which `evaluation.tasks` keys apply to each kind of evaluation task.
EVAL_KEYS = {
    "retrieval": {"max_queries", "distractors"},
    "reranking": {"max_queries"},
    "sts": {"max_pairs"},
    "pair_classification": {"max_pairs"},
    "classification": {"max_examples", "samples_per_label", "n_experiments"},
    "clustering": {"max_examples"},
}
# The evaluation suites (a task's role), in report order; an experiment is scored on the first two
# unless it names its `suites`.
ROLES = ("in_domain", "out_of_domain", "new_domain")
DEFAULT_SUITES = ROLES[:2]
# Gold-score scale of STS datasets: SemEval's 0-5, except SICK's relatedness, 1-5.
STS_SCALES = {"sick": (1.0, 5.0)}


def in_batch_negatives(task_type: str) -> bool:
    """The paper: no in-batch negatives for classification and clustering data (their negatives
    are other labels of the same task, and many examples of one batch share a label)."""
    return task_type not in ("classification", "clustering")


def sts_scale(name: str) -> tuple[float, float]:
    return STS_SCALES.get(name, (0.0, 5.0))


@dataclass(frozen=True)
class DatasetSource:
    name: str
    title: str
    task_type: str  # one of TASK_TYPES: how the training data is built
    licence: str
    domain: str
    role: str  # in_domain (trained on, tested in-domain), out_of_domain, new_domain (incremental)
    train_split: str | None  # the split used as training data (None: never trained on)
    eval_split: str | None  # the split evaluated (None: no evaluation task)
    eval_kind: str | None  # key of EVAL_KINDS
    instruction: str  # task instruction for queries (decoder models, paper scale)
    # Bump when the reader's or the example builder's output for this dataset changes: it is in
    # every recipe and in the prepare job's parameters, so stale models are not reused.
    version: int = 1

    @property
    def files(self) -> tuple[str, ...]:
        return READERS[self.name][1]

    @property
    def trainable(self) -> bool:
        return self.train_split is not None

    @property
    def in_batch_negatives(self) -> bool:
        return in_batch_negatives(self.task_type)

    def read(self, root: Path, report: LoadReport | None = None) -> Form:
        return READERS[self.name][0](root, report if report is not None else LoadReport())

    # A mirror dataset is one form holding all its splits; an own dataset (boom.data.own) reads
    # its training and its test files apart.
    def read_train(self, root: Path, report: LoadReport | None = None) -> Form:
        return self.read(root, report)

    def read_eval(self, root: Path) -> Form:
        return self.read(root)

    def sha256s(self, root: Path) -> dict[str, str]:
        """sha256 of each of the dataset's files (checked against the mirror's manifest)."""
        return provenance_of(root, list(self.files))


def _s(*args, **kwargs) -> DatasetSource:
    return DatasetSource(*args, **kwargs)


_ID, _OOD, _NEW = ROLES
SOURCES: dict[str, DatasetSource] = {
    s.name: s
    for s in (
        # name, title, task type, licence, domain, role, train split, eval split, eval kind, instruction
        _s("scifact", "SciFact", "retrieval", "CC BY-NC 2.0", "scientific", _ID, "train", "test", "retrieval",
           "Given a scientific claim, retrieve documents that support or refute the claim", version=2),
        _s("wikiqa", "WikiQA", "reranking", "MSR data licence", "encyclopaedic", _ID, "train", "test", "reranking",
           "Given a question, retrieve Wikipedia sentences that answer it"),
        _s("trecqa", "TrecQA", "reranking", "research", "news", _ID, "train", None, None,
           "Given a question, retrieve sentences that answer it"),
        _s("snli", "SNLI", "nli", "CC BY-SA 4.0", "captions", _ID, "dev", "test", "pair_classification",
           "Given a premise, retrieve a hypothesis that is entailed by the premise"),
        _s("quora", "Quora duplicates", "pair_classification", "Quora terms, non-commercial", "web", _ID, "dev",
           "test", "pair_classification", "Given a question, retrieve questions that are semantically equivalent"),
        _s("stsb", "STS Benchmark", "sts", "CC BY-SA", "mixed", _ID, "train", "test", "sts",
           "Retrieve semantically similar text"),
        _s("sick", "SICK-R", "sts", "CC BY-NC-SA 3.0", "captions", _ID, "train", "test", "sts",
           "Retrieve semantically similar text"),
        _s("twitterurl", "Twitter URL corpus", "pair_classification", "research", "social", _ID, "train", "test",
           "pair_classification", "Retrieve tweets that are semantically similar to the given tweet"),
        _s("mrpc", "MRPC", "pair_classification", "MS Shared Source", "news", _ID, "train", "test",
           "pair_classification", "Retrieve sentences that are paraphrases of the given sentence"),
        _s("banking77", "Banking77", "classification", "CC BY 4.0", "finance", _ID, "train", "test",
           "classification", "Given an online banking query, find the corresponding intent"),
        _s("emotion", "Emotion", "classification", "research / educational", "social", _ID, "train", "test",
           "classification", "Classify the emotion expressed in the given Twitter message"),
        _s("tweetsent", "TweetSentimentExtraction", "classification", "Kaggle competition", "social", _ID, "train",
           "test", "classification", "Classify the sentiment of a given tweet as positive, negative or neutral"),
        _s("amazoncf", "AmazonCounterfactual (EN)", "classification", "CC BY-NC 4.0", "reviews", _ID, "train",
           "test", "classification", "Classify a given Amazon customer review text as counterfactual or not"),
        _s("trec", "TREC question classification", "classification", "research", "questions", _ID, "train", "test",
           "classification", "Classify the type of answer the given question asks for"),
        _s("sst2", "SST-2", "classification", "research", "reviews", _ID, "train", "test", "classification",
           "Classify the sentiment of the given movie review sentence"),
        _s("20ng_mini", "20 Newsgroups (mini)", "clustering", "research", "news", _ID, "train", "test", "clustering",
           "Identify the topic or theme of the given newsgroup post"),
        _s("cisi", "CISI", "retrieval", "classic test collection", "library science", _OOD, None, "test",
           "retrieval", "Given a library science question, retrieve documents that answer it"),
        _s("cranfield", "Cranfield", "retrieval", "classic test collection", "aeronautics", _OOD, None, "test",
           "retrieval", "Given an aeronautics question, retrieve abstracts that answer it"),
        _s("climatefever", "Climate-FEVER", "retrieval", "CC BY-SA", "climate", _OOD, None, "test", "retrieval",
           "Given a claim about climate change, retrieve evidence that supports or refutes the claim"),
        *(
            _s(f"sts{y}", f"SemEval STS 20{y}", "sts", "per subset (SemEval)", "mixed", _OOD, None, "test", "sts",
               "Retrieve semantically similar text")
            for y in (12, 13, 14, 15, 16)
        ),
        _s("agnews", "AG News", "classification", "non-commercial", "news", _OOD, None, "test", "classification",
           "Classify the given news article into World, Sports, Business or Sci/Tech"),
        _s("cosqa", "CoSQA", "retrieval", "code MIT, data C-UDA", "code", _NEW, "dev", "test", "retrieval",
           "Given a web search query, retrieve code that answers it"),
    )
}


@dataclass(frozen=True)
class HubSource(DatasetSource):
    """A training set downloaded from a Hugging Face Hub dataset at run time (paper scale): one
    split of `repo` at the pinned `revision` (boom.data.hub). No files in the data mirror."""

    repo: str = ""
    revision: str = ""

    @property
    def files(self) -> tuple[str, ...]:
        return ()

    def read(self, root: Path, report: LoadReport | None = None) -> Form:
        raise TypeError(f"{self.name} is a Hub dataset: it is prepared by boom.data.hub, not read from the mirror")


# The data mirror's own datasets (SOURCES also holds a config's Hub datasets once registered).
MIRROR = frozenset(SOURCES)
# Bump when boom.data.hub's normalisation of Hub rows changes.
HUB_LOADER_VERSION = 1


def hub_sources(train: dict) -> dict[str, HubSource]:
    """The config's `train.hub` datasets (name -> {split, task_type}) as sources. A name the
    mirror already uses is refused: one name, one dataset."""
    hub = train.get("hub")
    sources = {}
    for name, spec in (hub["datasets"] if hub else {}).items():
        if name in MIRROR:
            raise ConfigError(f"config key train.hub.datasets.{name}: the data mirror has a dataset of this name; give the Hub "
                             "split a name of its own (e.g. bge_" + name + ")")
        sources[name] = HubSource(name, f"{hub['repo']}:{spec['split']}", spec["task_type"],
                                  "see the Hub dataset card", "mixed", _ID, spec["split"], None, None, "",
                                  version=HUB_LOADER_VERSION, repo=hub["repo"], revision=hub["revision"])
    return sources


def register_hub(train: dict) -> None:
    """Add the config's Hub datasets to SOURCES, so that recipes, schedules and checks treat them
    as any other training set: called once where a run starts, after the schema check and
    before the cross-checks (boom.config.load, rules/common.smk)."""
    SOURCES.update(hub_sources(train))


def task_info(tasks: dict[str, dict]) -> dict[str, dict]:
    """Task name -> {role, task_type, main_score}, from evaluation_tasks' specs."""
    out = {}
    for name, spec in tasks.items():
        if "benchmark" in spec:
            task_type, main_score = spec["task_type"], spec["main_score"]
        else:
            task_type, main_score = EVAL_KINDS[SOURCES[spec["dataset"]].eval_kind]
        out[name] = {"role": spec["role"], "task_type": task_type, "main_score": main_score}
    return out


def evaluation_tasks(evaluation: dict) -> dict[str, dict]:
    """Every evaluation task, name -> spec: the `evaluation.tasks` entries of the suites that have
    no benchmark, then the public tasks of each `evaluation.benchmarks` suite as {benchmark, role,
    task_type, main_score}. Imports mteb (for its benchmark metadata) only when a suite names one.

    A task has one result file per model, so it belongs to one suite: a task of two benchmarks
    counts in the later suite (in_domain, out_of_domain, new_domain order; RTEB(beta) and
    MTEB(Code, v1) share AppsRetrieval, which then counts as new domain)."""
    benchmarks = evaluation.get("benchmarks") or {}
    tasks = {name: spec for name, spec in evaluation["tasks"].items() if spec["role"] not in benchmarks}
    if benchmarks:
        for role in (r for r in ROLES if r in benchmarks):
            for name, info in benchmark_tasks(benchmarks[role]).items():
                if name in tasks and "benchmark" not in tasks[name]:
                    raise ValueError(f"task {name} of {benchmarks[role]} has the name of the data-mirror task "
                                     f"evaluation.tasks.{name} ({tasks[name]['role']}); rename that task")
                tasks[name] = {"benchmark": benchmarks[role], "role": role, **info}
    return tasks
