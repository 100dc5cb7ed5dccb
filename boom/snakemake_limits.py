"""Snakemake's scheduler settings that cost a local run more than they give.

Snakemake's default submission limit (--max-jobs-per-timespan 100/1s) makes the scheduler re-run
job selection one second after every round that left jobs waiting, and each of those rounds
starts another one-second timer: the timers add up with every finished job while jobs wait. A
round resets the params of every ready job and stats their inputs, so in the default `paper` run
(about a hundred jobs waiting behind two busy cores) Snakemake's own process used half of one
core of the two (`ps`: 10 min 42 s of CPU in its first 22 min). A 30-job test ran 788 rounds
with the limit and 30 without. A local run has no queue to protect: without the limit, job
selection runs when a job ends. A --max-jobs-per-timespan other than the default is kept, and
cluster runs keep theirs (the rule files call this for local runs only).
"""

from __future__ import annotations

# Snakemake's --max-jobs-per-timespan default, as (jobs, seconds); tests check it is still that.
DEFAULT_RATE_LIMIT = (100, 1)


def drop_default_rate_limit(scheduler) -> bool:
    """Remove Snakemake's default submission limit from a local run's JobScheduler; whether it did."""
    limiter = scheduler.job_rate_limiter
    if limiter is None or (limiter.max_jobs, limiter.timespan) != DEFAULT_RATE_LIMIT:
        return False
    scheduler.job_rate_limiter = None
    return True
