"""File mechanics every stage shares, written once: writing beside a path and renaming into place
(so a crash never leaves a half-written file or folder where a reader expects a finished one),
the project's JSON and JSON-lines files, and the switches that keep the Hugging Face libraries
off the network.

Standard library and boom.errors only: importing it never imports torch or boom.config, so a benchmark can call
`set_offline()` before anything imports the Hugging Face libraries.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from boom.errors import DataError

# The Hugging Face libraries (hub, datasets, transformers) each read their own.
OFFLINE_VARS = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")


def set_offline(environ: MutableMapping[str, str] = os.environ) -> MutableMapping[str, str]:
    """Tell the Hugging Face libraries not to reach the network: each of OFFLINE_VARS set to "1"
    in `environ` (this process's environment unless given, e.g. a child's env dict), which is
    returned."""
    for var in OFFLINE_VARS:
        environ[var] = "1"
    return environ


def setdefault_offline(environ: MutableMapping[str, str] = os.environ) -> MutableMapping[str, str]:
    """As set_offline, but a variable already set is left as it is."""
    for var in OFFLINE_VARS:
        environ.setdefault(var, "1")
    return environ


def _beside(path: Path, suffix: str) -> Path:
    # In the same folder, so that the rename stays on one file system and is atomic.
    return path.with_name(path.name + suffix)


@contextmanager
def replacing(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary file path beside `path` (its name plus `suffix`) for the caller to write;
    when the block ends normally, rename it over `path`. The parent folder is made first. When
    the block raises, the temporary file is removed; a killed process leaves it, and the next
    write overwrites it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _beside(path, suffix)
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


@contextmanager
def replacing_dir(path: Path, suffix: str = ".partial") -> Iterator[Path]:
    """Yield a temporary folder path beside `path` (its name plus `suffix`; a stale one from a
    killed run is removed first, and the path is left free for the caller to create); when the
    block ends normally, remove any old `path` and rename the temporary folder into its place.
    When the block raises, the temporary folder is left for inspection; the next write removes
    it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _beside(path, suffix)
    shutil.rmtree(tmp, ignore_errors=True)
    yield tmp
    if path.exists():
        shutil.rmtree(path)
    os.replace(tmp, path)


def atomic_write_text(path: Path, text: str, suffix: str = ".tmp") -> None:
    """Write `text` to `path` atomically: beside it, then renamed over it."""
    with replacing(path, suffix) as tmp:
        tmp.write_text(text)


# The project's JSON records (provenance, cards, costs): indented, keys sorted, anything else as
# its str(), one trailing newline. Their bytes are hashed: change this and every record changes.
JSON_FORMAT = {"indent": 2, "sort_keys": True, "default": str}


def write_json(path: Path, data: Any, **dumps_kwargs: Any) -> None:
    """Write `data` as JSON atomically, in JSON_FORMAT (any json.dumps argument given overrides
    it), with a trailing newline."""
    atomic_write_text(path, json.dumps(data, **{**JSON_FORMAT, **dumps_kwargs}) + "\n")


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """Write JSON lines atomically (temporary file, then rename)."""
    with replacing(path) as tmp, tmp.open("w") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict]:
    """The rows of a JSON-lines file this package wrote; a damaged one is named, with the fix."""
    rows = []
    with path.open() as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}, line {number}, is not valid JSON ({exc.msg}): the file is damaged; "
                                "delete it and rerun snakemake, which rebuilds it") from None
    return rows


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend (a job has no display), imported when a
    stage first draws."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str) -> None:
    """Save a figure so that the same figure gives the same bytes (no creation date in a PDF): a
    rerun that changes nothing leaves the committed files as they are."""
    metadata = {"CreationDate": None} if path.endswith(".pdf") else None
    fig.savefig(path, dpi=150, metadata=metadata)
