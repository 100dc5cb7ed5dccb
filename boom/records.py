"""Records of what outputs are computed from, so that an output is always what its config computes.

A record is a small JSON file (`<results>/records/<kind>/<name>.json`) holding what a group of
outputs depends on: an experiment's resolved variants and model ids, its tasks, the evaluation
settings, the folders. It is an input of the rules that write those outputs, and every stage
that writes them copies the record's digest into its provenance (`"record": <digest>`).

Snakemake reruns an output whose input is newer. Its other rerun triggers (params, input sets,
code) live in run metadata that a fresh clone does not have, and a checkout's mtimes are
arbitrary; so the mtime of a record is not left to chance. Each time the workflow is planned,
`sync` writes the record (only when its content changed) and places its mtime by what the
existing outputs say they were computed from:

- every existing output group records this digest: the record is dated 1970 (nothing reruns);
- none does: it is dated now (every existing group reruns);
- both: between the newest stale group and the oldest current one, where such a moment exists
  (a run stopped part-way reruns only what it had not redone), else now.

Missing outputs need no record to be built. Standard library only: the Snakefile imports it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from boom.errors import DataError
from boom.io import atomic_write_text

# An mtime older than any output: "everything that exists was computed from this".
SETTLED = 1.0


def canonical(content) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"))


def digest(content) -> str:
    """16 hex digits of the sha256 of the record's canonical JSON."""
    return hashlib.sha256(canonical(content).encode()).hexdigest()[:16]


def read_digest(path: str | Path) -> str:
    """The digest a stage copies into its provenance, from the record file it was given."""
    try:
        return json.loads(Path(path).read_text())["digest"]
    except (OSError, ValueError, KeyError) as error:
        raise DataError(f"record {path} cannot be read ({error}): plan the workflow again (snakemake -n) "
                        "to rewrite it") from None


@dataclass(frozen=True)
class Group:
    """The outputs of one job, and which of them are provenance JSON files naming a record."""

    outputs: tuple[str, ...]
    provenance: tuple[str, ...]


def group(outputs, provenance=None) -> Group:
    outputs = tuple(str(p) for p in outputs)
    prov = tuple(str(p) for p in provenance) if provenance is not None else tuple(
        p for p in outputs if p.endswith(".provenance.json"))
    return Group(outputs, prov)


def _state(g: Group, wanted: str) -> tuple[float, bool] | None:
    """(oldest output mtime, computed from `wanted`) of a group whose outputs all exist; None else."""
    try:
        oldest = min(os.stat(p).st_mtime for p in g.outputs)
    except (OSError, ValueError):
        return None
    for p in g.provenance:
        try:
            if json.loads(Path(p).read_text()).get("record") != wanted:
                return oldest, False
        except (OSError, ValueError, AttributeError):
            return oldest, False
    return oldest, True


def placed_mtime(states: list[tuple[float, bool]], now: float | None = None) -> float:
    """The record's mtime that makes Snakemake rerun exactly the stale groups (see the module doc)."""
    now = time.time() if now is None else now
    current = [t for t, ok in states if ok]
    stale = [t for t, ok in states if not ok]
    if not stale:
        return SETTLED
    if current and max(stale) < min(current):
        return (max(stale) + min(current)) / 2
    return max(now, max(stale) + 1.0)


def sync(path: str | Path, content, groups: list[Group]) -> str:
    """Write the record `content` at `path` (if it changed) and place its mtime for `groups`.
    Returns its digest."""
    path = Path(path)
    wanted = digest(content)
    text = json.dumps({"digest": wanted, "content": content}, sort_keys=True, indent=1) + "\n"
    try:
        same = path.read_text() == text
    except OSError:
        same = False
    if not same:
        atomic_write_text(path, text)
    states = [s for s in (_state(g, wanted) for g in groups) if s is not None]
    mtime = placed_mtime(states)
    os.utime(path, (mtime, mtime))
    return wanted
