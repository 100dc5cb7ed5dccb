"""Paper-scale training data: FlagEmbedding's bge-full-data from the Hugging Face Hub.

The paper trains on bge-full-data (about 2M examples) without Quora, SCIDOCS-RR and ArguAna. Its
JSON-lines rows read `{"query": str, "pos": [str], "neg": [str], "prompt": str, "type": str}`;
`normalise` turns one into boom's training example form. Loading needs the network and a pinned
revision (a commit hash of the dataset repository): it runs on the cluster, never at parse time.
"""

from __future__ import annotations

from dataclasses import dataclass

BGE_FULL_DATA_REPO = "cfli/bge-full-data"
# Held out by the paper (they overlap its evaluation sets).
PAPER_EXCLUDED = ("quora", "scidocsrr", "arguana")


@dataclass(frozen=True)
class HubDataset:
    """One file of a Hub dataset repository at a pinned revision."""

    repo: str
    path: str  # file inside the repository, e.g. "data/en/msmarco_passage/msmarco.jsonl"
    revision: str  # a commit hash: a branch name would let the data change under a recipe

    def check_pinned(self) -> None:
        if len(self.revision) != 40 or any(c not in "0123456789abcdef" for c in self.revision):
            raise ValueError(f"{self.repo}/{self.path}: revision {self.revision!r} is not a commit hash; pin the "
                             "dataset to a 40-hex-digit commit so that a recipe always means the same data")


def excluded(path: str) -> bool:
    """Whether a bge-full-data file is one the paper leaves out."""
    name = path.rsplit("/", 1)[-1].lower().replace("-", "").replace("_", "")
    return any(name.startswith(x) for x in PAPER_EXCLUDED)


def normalise(row: dict, k: int, source: str) -> dict:
    """A bge-full-data row -> {query, positive, negatives[k], instruction}. The first positive is
    used; the first k negatives (a row with fewer than k is an error naming its source)."""
    if not row.get("query") or not row.get("pos"):
        raise ValueError(f"{source}: row without a query or a positive: {str(row)[:120]}")
    negatives = list(row.get("neg") or [])
    if len(negatives) < k:
        raise ValueError(f"{source}: row has {len(negatives)} negatives, {k} needed: {row['query'][:80]!r}")
    return {"query": row["query"], "positive": row["pos"][0], "negatives": negatives[:k],
            "instruction": row.get("prompt", "")}


def load(dataset: HubDataset, k: int, max_examples: int | None = None) -> list[dict]:
    """Download (through the Hub cache) and normalise one bge-full-data file."""
    from datasets import load_dataset

    dataset.check_pinned()
    if excluded(dataset.path):
        raise ValueError(f"{dataset.path} is one of the files the paper leaves out ({', '.join(PAPER_EXCLUDED)})")
    rows = load_dataset(dataset.repo, data_files=dataset.path, revision=dataset.revision, split="train")
    if max_examples is not None:
        rows = rows.select(range(min(max_examples, len(rows))))
    return [normalise(r, k, f"{dataset.repo}/{dataset.path}") for r in rows]


# The paper's evaluation suites, by mteb benchmark name (their task lists and dataset revisions
# ship with mteb, so they resolve offline; the data itself downloads at evaluation time).
PAPER_BENCHMARKS = {"in_domain": "MTEB(eng, v2)", "out_of_domain": "RTEB(beta)", "new_domain": "MTEB(Code, v1)"}


def _public_tasks(name: str) -> list:
    """The tasks of an mteb benchmark whose data is public. RTEB keeps some of its datasets private
    (the leaderboard's maintainers run those); nobody else can download them."""
    import mteb

    try:
        benchmark = mteb.get_benchmark(name)
    except KeyError as exc:  # mteb's message suggests the nearest name
        raise ValueError(f"unknown mteb benchmark {name!r}: {exc.args[0]}") from None
    return [task for task in benchmark.tasks if task.metadata.is_public is not False]


def benchmark_tasks(name: str) -> dict[str, dict]:
    """Task name -> {task_type, main_score} of an mteb benchmark's public tasks, from the metadata
    mteb ships: resolves offline, downloads nothing."""
    return {t.metadata.name: {"task_type": t.metadata.type, "main_score": t.metadata.main_score}
            for t in _public_tasks(name)}


def benchmark_task(name: str, task_name: str):
    """The mteb task object of a benchmark, as the benchmark defines it (its splits and the
    languages it keeps), for evaluation."""
    for task in _public_tasks(name):
        if task.metadata.name == task_name:
            return task
    raise ValueError(f"mteb benchmark {name!r} has no public task {task_name!r}")


def benchmark_revisions(name: str) -> dict[str, str]:
    """Task name -> pinned dataset revision of an mteb benchmark; refuses a task without one."""
    import mteb

    revisions = {}
    for task in mteb.get_benchmark(name).tasks:
        revision = task.metadata.dataset.get("revision")
        if not revision:
            raise ValueError(f"{name}: task {task.metadata.name} has no pinned dataset revision")
        revisions[task.metadata.name] = revision
    return revisions
