"""Provenance records: what made an output (config, recipe, data hashes, versions, commit)."""

from __future__ import annotations

import importlib.metadata
import platform
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from boom.paths import REPO_ROOT

_PACKAGES = ("torch", "transformers", "sentence-transformers", "mteb", "mergekit", "datasets",
             "accelerate", "numpy", "pandas", "snakemake")


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit() -> str:
    """HEAD's commit, with `+dirty` when tracked files differ from it; `unknown` outside git."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def record(**fields: Any) -> dict[str, Any]:
    """A provenance record: the given fields plus versions, commit, command and host facts."""
    return {
        **fields,
        "versions": package_versions(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "git_commit": git_commit(),
        "command": command(),
        "torch_threads": _torch_threads(),
    }


def command(argv: list[str] | None = None) -> str:
    """The stage's command line as one shell line that does it again, run from the repository
    root: `python -m boom.train --recipe '{...}' ...` (arguments quoted: a recipe is JSON with
    spaces). A stage sees its module name as argv[0] (boom/stage.py); `python -m boom.train` its
    file's path."""
    argv = list(sys.argv if argv is None else argv)
    first = Path(argv[0]) if argv else Path()
    if first.suffix == ".py" and first.is_absolute() and first.is_relative_to(REPO_ROOT):
        module = first.relative_to(REPO_ROOT).with_suffix("")
        argv[0] = ".".join(module.parts[:-1] if module.name == "__main__" else module.parts)
    if argv and argv[0].startswith("boom"):
        argv = ["python", "-m", *argv]
    return shlex.join(argv)


def _torch_threads() -> int | None:
    torch = sys.modules.get("torch")
    return torch.get_num_threads() if torch is not None else None
