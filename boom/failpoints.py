"""Failpoints: named places where a stage kills itself with SIGKILL, as a crash or `kill -9`
would, when $BOOM_FAILPOINT names the place. The crash-safety tests use them to stop a stage at
its most fragile moment (a model written but not yet renamed into place, one task of many
scored) and check that a rerun completes with the same results. Unset, a failpoint is one
environment lookup."""

from __future__ import annotations

import os
import signal

ENV_VAR = "BOOM_FAILPOINT"


def reach(name: str) -> None:
    if os.environ.get(ENV_VAR) == name:
        os.kill(os.getpid(), signal.SIGKILL)
