"""mteb's benchmarks, resolved offline from the metadata mteb ships: which public tasks a suite
has, each task's object for evaluation, and their pinned dataset revisions. mteb is imported on
first use only: the workflow's parse imports this module for every scale."""

from __future__ import annotations

from boom.errors import BoomError


class BenchmarkError(BoomError, ValueError):
    """An unknown benchmark or task; the message names it."""


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
        raise BenchmarkError(f"unknown mteb benchmark {name!r}: {exc.args[0]}") from None
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
    raise BenchmarkError(f"mteb benchmark {name!r} has no public task {task_name!r}")
