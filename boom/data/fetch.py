"""Build the data mirror on a machine with internet: download every file of MANIFEST.tsv from its
pinned repository commit, check its sha256, and only then move it into place.

    python -m boom.data.fetch --root ~/boom-data --manifest ../shared/data/MANIFEST.tsv

The manifest is the contract: a file whose bytes do not hash to its sha256 is never written
under raw/. Files already present with the right sha256 are left alone.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import urllib.request
from pathlib import Path

from boom.data.manifest import DataError, ManifestEntry, read_manifest, sha256_of
from boom.io import replacing

# Raw file contents of a public repository at a commit.
DEFAULT_BASE_URL = "https://raw.githubusercontent.com"


def url_of(entry: ManifestEntry, base_url: str = DEFAULT_BASE_URL) -> str:
    return f"{base_url.rstrip('/')}/{entry.repository}/{entry.commit}/{entry.source_path}"


def fetch_one(root: Path, entry: ManifestEntry, base_url: str = DEFAULT_BASE_URL, timeout: float = 60) -> bool:
    """Download one file; return False when it was already there and intact."""
    target = root / "raw" / entry.dest
    if target.is_file() and sha256_of(target) == entry.sha256:
        return False
    url = url_of(entry, base_url)
    digest = hashlib.sha256()
    with replacing(target, ".download") as tmp:  # removed, not renamed, when this raises
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, tmp.open("wb") as fh:
                for block in iter(lambda: response.read(1 << 20), b""):
                    digest.update(block)
                    fh.write(block)
        except OSError as exc:
            raise DataError(f"could not download {entry.dest} from {url}: {exc}") from exc
        if digest.hexdigest() != entry.sha256:
            raise DataError(f"{url} has sha256 {digest.hexdigest()}, but MANIFEST.tsv pins {entry.sha256} for "
                            f"{entry.dest}: not written")
    return True


def fetch_all(root: Path, manifest: Path, base_url: str = DEFAULT_BASE_URL, only: set[str] | None = None) -> int:
    """Fetch every manifest file (or those of the datasets in `only`) into root; return how many
    were downloaded."""
    root.mkdir(parents=True, exist_ok=True)
    if manifest.resolve() != (root / "MANIFEST.tsv").resolve():
        shutil.copy(manifest, root / "MANIFEST.tsv")
    read_manifest.cache_clear()
    entries = read_manifest(root).values()
    if only:
        entries = [e for e in entries if e.dest.split("/", 1)[0] in only]
    downloaded = 0
    for i, entry in enumerate(entries, 1):
        if fetch_one(root, entry, base_url):
            downloaded += 1
            print(f"[{i}/{len(entries)}] {entry.dest}", file=sys.stderr)
    return downloaded


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True, type=Path, help="folder to build the mirror in")
    parser.add_argument("--manifest", required=True, type=Path, help="the MANIFEST.tsv to fetch")
    parser.add_argument("--only", nargs="*", help="dataset folders to fetch (default: all)")
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    n = fetch_all(args.root, args.manifest, args.base_url, set(args.only or []))
    print(f"{n} files downloaded into {args.root / 'raw'}; every file matches MANIFEST.tsv")


if __name__ == "__main__":
    main()
