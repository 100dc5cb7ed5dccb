"""The paper's data schedules, as batch orders over a dict of training datasets.

Every schedule except `mixed` keeps each batch within one dataset (the paper's batch-level
design); they differ in the order of the batches:

- `bls`         batch-level shuffling: the batches of all datasets shuffled together;
- `seq_dataset` one dataset after another, in a configured order (batches shuffled within each);
- `seq_task`    one task type after another, in a configured order (BLS within a task type);
- `two_stage`   stage 1: BLS over the retrieval datasets; stage 2: BLS over the whole mix
                (retrieval data is seen again). Both stages are one training run: one AdamW
                state and one warm-up + linear-decay schedule span them, so stage 2 continues
                the optimiser of stage 1 at the learning rate where stage 1 left it.
- `mixed`       instance-level mixing: batches drawn across datasets (one concatenated dataset).

A schedule is a list of stages; a stage is a set of datasets whose batches are shuffled together.
This module imports no torch: the config validator checks schedules and orders at parse time;
boom.batching turns the stages into the trainer's batch order.
"""

from __future__ import annotations

from boom.errors import BoomError

SCHEDULES = ("bls", "mixed", "seq_dataset", "seq_task", "two_stage")
DEFAULT_SCHEDULE = "bls"  # of a train variant that names none: batch-level shuffling, the paper's default
# Task types trained first by `two_stage` (the paper: retrieval data first).
FIRST_STAGE_TYPES = ("retrieval", "reranking")


class ScheduleError(BoomError, ValueError):
    """A schedule that cannot be built from the given datasets; the message names the culprit."""


def stages(schedule: str, task_types: dict[str, str], order: list[str] | None = None) -> list[list[str]]:
    """The stages of a schedule over datasets `task_types` (name -> task type), in training order.
    `order` is the dataset order of `seq_dataset` or the task-type order of `seq_task`."""
    names = sorted(task_types)
    if schedule in ("bls", "mixed"):
        return [names]
    if schedule == "seq_dataset":
        order = order or names
        _check_order(order, names, "dataset")
        return [[name] for name in order]
    if schedule == "seq_task":
        present = sorted(set(task_types.values()))
        order = order or present
        _check_order(order, present, "task type")
        return [[n for n in names if task_types[n] == t] for t in order]
    if schedule == "two_stage":
        first = [n for n in names if task_types[n] in FIRST_STAGE_TYPES]
        if not first:
            raise ScheduleError(f"schedule two_stage needs retrieval data first, but none of {names} is retrieval or reranking data")
        return [first, names]
    raise ScheduleError(f"unknown schedule {schedule!r} (known: {', '.join(SCHEDULES)})")


def _check_order(order: list[str], present: list[str], what: str) -> None:
    unknown = [o for o in order if o not in present]
    if unknown:
        raise ScheduleError(f"the order names {what} '{unknown[0]}', which is not in the training mix ({', '.join(present)})")
    missing = [p for p in present if p not in order]
    if missing or len(set(order)) != len(order):
        raise ScheduleError(f"the order must name every {what} of the mix once: {order} vs {present}")
