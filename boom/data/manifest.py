"""The data mirror's MANIFEST.tsv: where each raw file came from and the sha256 it must have."""

from __future__ import annotations

import csv
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from boom.errors import DataError  # noqa: F401 (where the data modules import it from)
from boom.paths import REPO_ROOT


@dataclass(frozen=True)
class ManifestEntry:
    dest: str
    repository: str
    commit: str
    source_path: str
    sha256: str
    bytes: int


FIELDS = ("dest", "repository", "commit", "source_path", "sha256", "bytes")


def resolve_root(root: str | Path) -> Path:
    """data.root as a path: `~` expanded, relative to the repository."""
    path = Path(root).expanduser()
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


@functools.lru_cache(maxsize=None)
def read_manifest(root: Path) -> dict[str, ManifestEntry]:
    manifest = root / "MANIFEST.tsv"
    if not manifest.is_file():
        raise DataError(
            f"data root {root} has no MANIFEST.tsv: set data.root in the config to the folder of the "
            "offline data mirror (default ../shared/data, beside the repository)"
        )
    entries = {}
    with manifest.open(newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        if tuple(reader.fieldnames or ()) != FIELDS:
            raise DataError(f"{manifest} is damaged: its header is {reader.fieldnames}, not the columns "
                            f"{', '.join(FIELDS)}; restore it from the data mirror")
        for row in reader:
            # The manifest lists some files twice (identical rows); the last one wins.
            try:
                if None in row or None in row.values() or len(row["sha256"]) != 64:
                    raise ValueError
                entries[row["dest"]] = ManifestEntry(**{**row, "bytes": int(row["bytes"])})
            except ValueError:
                raise DataError(f"{manifest} is damaged at line {reader.line_num}: expected {len(FIELDS)} "
                                "tab-separated columns with a sha256 and a byte count; restore it from the "
                                "data mirror") from None
    return entries


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
    missing = [d for d in sorted(dests) if d not in manifest]
    if missing:
        raise DataError(f"{root / 'MANIFEST.tsv'} has no row for {missing[0]}"
                        + (f" (and {len(missing) - 1} other file(s))" if len(missing) > 1 else "")
                        + ": the mirror is incomplete or its manifest damaged; restore MANIFEST.tsv from the mirror's source "
                        "(../shared/data) or fetch the dataset again (python -m boom data.fetch)")
    return {d: manifest[d].sha256 for d in sorted(dests)}
