"""The data mirror's MANIFEST.tsv: where each raw file came from and the sha256 it must have."""

from __future__ import annotations

import csv
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from boom.config import REPO_ROOT
from boom.errors import BoomError


class DataError(BoomError, RuntimeError):
    """A data file is missing, corrupt or malformed; the message names the file and the fix."""


@dataclass(frozen=True)
class ManifestEntry:
    dest: str
    repository: str
    commit: str
    source_path: str
    sha256: str
    bytes: int


def resolve_root(root: str | Path) -> Path:
    path = Path(root)
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


@functools.lru_cache(maxsize=None)
def read_manifest(root: Path) -> dict[str, ManifestEntry]:
    manifest = root / "MANIFEST.tsv"
    if not manifest.is_file():
        raise DataError(
            f"data root {root} has no MANIFEST.tsv: set data.root in the config to the folder of the "
            "offline data mirror (default ../shared/data, beside the repository)"
        )
    with manifest.open(newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    # The manifest lists some files twice (identical rows); the last one wins.
    return {r["dest"]: ManifestEntry(**{**r, "bytes": int(r["bytes"])}) for r in rows}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def _verified(path: Path, expected: str, mtime_ns: int) -> str:
    actual = sha256_of(path)
    if actual != expected:
        raise DataError(
            f"data file {path} has sha256 {actual}, but MANIFEST.tsv says {expected}: the file is "
            "corrupt or was changed; restore it from the pinned source named in MANIFEST.tsv"
        )
    return actual


def checked_file(root: Path, dest: str) -> Path:
    """Return the path of raw file `dest` after checking it against the manifest's sha256."""
    entry = read_manifest(root).get(dest)
    if entry is None:
        raise DataError(f"data file {dest} is not listed in {root / 'MANIFEST.tsv'}")
    path = root / "raw" / dest
    if not path.is_file():
        raise DataError(
            f"data file {path} is missing: fetch {entry.source_path} from {entry.repository} at "
            f"commit {entry.commit} (sha256 {entry.sha256}) into that path"
        )
    _verified(path, entry.sha256, path.stat().st_mtime_ns)
    return path


def provenance_of(root: Path, dests: list[str]) -> dict[str, str]:
    """sha256 of each raw file (already checked), for provenance records."""
    manifest = read_manifest(root)
    return {d: manifest[d].sha256 for d in sorted(dests)}
