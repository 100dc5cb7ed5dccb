"""Each variant's difference from its experiment's reference, per suite, with the interval the
claims rest on: Mean(Task) of the variant minus that of the reference (×100), and its paired 95%
bootstrap interval over evaluation items and seeds (boom.claims.compare: the same resampled
items for both models). The reference is the experiment's `cost_reference` (BLS by default; full
retraining for incremental learning).
"""

from __future__ import annotations

import logging

import pandas as pd

from boom.claims import Bootstrap, ClaimError, compare, needed

log = logging.getLogger("boom.differences")

COLUMNS = ["variant", "suite", "effect", "low", "high", "se", "seeds", "tasks"]


def differences(summary: pd.DataFrame, experiment: str, reference: str, boot: Bootstrap | None) -> pd.DataFrame:
    """One row per variant other than `reference` and suite: effect, low, high, se (points ×100),
    seeds, tasks. Without the per-item results (`boot` None, or a task boom cannot resample) the
    interval is left empty and the reason logged: the effect is still the summary's."""
    exp = summary[summary["experiment"] == experiment]
    if reference not in set(exp["variant"]):
        return pd.DataFrame(columns=COLUMNS)
    variants = [v for v in dict.fromkeys(exp["variant"]) if v != reference]
    suites = list(dict.fromkeys(exp["suite"]))
    if boot is not None:  # every (model, task) replicate at once, task by task
        try:
            boot.precompute(pair for suite in suites
                            for pair in needed({"experiment": experiment, "suite": suite, "kind": "better"}, summary))
        except ClaimError as error:  # each comparison below says which of its own it lacks
            log.warning("%s: %s", experiment, error)
    rows = []
    for suite in suites:
        df = exp[exp["suite"] == suite]
        for variant in variants:
            try:
                if boot is None:
                    raise ClaimError("no per-item results were given (--eval-dir)")
                c = compare(df, variant, reference, boot)
                row = {k: c[k] for k in ("effect", "low", "high", "se", "seeds", "tasks")}
            except ClaimError as error:
                log.warning("%s, %s - %s in %s: no interval (%s)", experiment, variant, reference, suite, error)
                means = df.groupby(["variant", "seed"])["value"].mean().groupby(level="variant").mean()
                row = {"effect": (means[variant] - means[reference]) * 100, "low": None, "high": None, "se": None,
                       "seeds": int(df["seed"].nunique()), "tasks": int(df["task"].nunique())}
            rows.append({"variant": variant, "suite": suite, **row})
    return pd.DataFrame(rows, columns=COLUMNS)
