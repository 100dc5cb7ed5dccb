"""A local run selects jobs when a job ends, not on Snakemake's one-second timers."""

from types import SimpleNamespace

from snakemake.cli import get_argument_parser
from snakemake.scheduling.job_scheduler import JobRateLimiter
from snakemake.settings.types import MaxJobsPerTimespan

from boom.snakemake_limits import DEFAULT_RATE_LIMIT, drop_default_rate_limit


def _scheduler(limit: str | None):
    return SimpleNamespace(job_rate_limiter=JobRateLimiter(MaxJobsPerTimespan.parse_choice(limit)) if limit else None)


def test_the_limit_dropped_is_still_snakemakes_default():
    # If Snakemake changes its default, the check below would keep a default it was meant to drop.
    default = get_argument_parser().get_default("max_jobs_per_timespan")
    limit = MaxJobsPerTimespan.parse_choice(default) if isinstance(default, str) else default
    assert (limit.max_jobs, limit.timespan) == DEFAULT_RATE_LIMIT


def test_the_default_limit_is_dropped_and_an_explicit_one_kept():
    default = _scheduler("100/1s")
    assert drop_default_rate_limit(default) and default.job_rate_limiter is None
    explicit = _scheduler("50/1m")
    assert not drop_default_rate_limit(explicit) and explicit.job_rate_limiter is not None
    assert not drop_default_rate_limit(_scheduler(None))
