"""A local base model (`model.source: path`): what the folder holds, read without torch.

Checked when the workflow is parsed, so a folder that is not a model is refused by one line
before anything runs. The folder's sha256 (over every file in it, with its relative path) is in
the base recipe, hence in every model id built on it: a changed file is a new base.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from boom.data.manifest import resolve_root, sha256_of
from boom.errors import ConfigError

WEIGHT_SUFFIXES = (".safetensors", ".bin")
FORMAT_HINT = ("a sentence-transformers folder (modules.json, as SentenceTransformer.save writes it) or a "
               "transformers folder (config.json and its weights, as save_pretrained writes it)")


@dataclass(frozen=True)
class ModelFolder:
    path: Path
    kind: str  # "sentence-transformers" (keeps its own pooling) or "transformers" (model.pooling added)
    sha256: str
    layers: int | None  # the transformer's num_hidden_layers, where its config says
    positions: int | None  # its max_position_embeddings, where its config says


def folder_digest(path: Path) -> str:
    """One sha256 over every file below `path`: its relative path and its own sha256."""
    files = sorted(p for p in path.rglob("*") if p.is_file() and ".cache" not in p.relative_to(path).parts)
    listing = "".join(f"{p.relative_to(path).as_posix()} {sha256_of(p)}\n" for p in files)
    return hashlib.sha256(listing.encode()).hexdigest()


def _transformer_dir(path: Path) -> Path:
    """The folder of a sentence-transformers model's Transformer module (modules.json's entry)."""
    try:
        modules = json.loads((path / "modules.json").read_text())
        entry = next(m for m in modules if m.get("type", "").endswith("Transformer"))
    except (json.JSONDecodeError, StopIteration, AttributeError, TypeError):
        raise ConfigError(f"config key model.path = {str(path)!r}: its modules.json is damaged or names no "
                          "Transformer module; save the model again with SentenceTransformer.save") from None
    return path / entry.get("path", "")


@functools.lru_cache(maxsize=None)
def inspect(path_text: str) -> ModelFolder:
    """The folder `model.path` names (relative paths from the repository root), checked."""
    path = resolve_root(path_text)
    where = f"config key model.path = {path_text!r}"
    if not path.is_dir():
        raise ConfigError(f"{where}: no such folder ({path}); point it at {FORMAT_HINT}")
    kind = "sentence-transformers" if (path / "modules.json").is_file() else "transformers"
    body = _transformer_dir(path) if kind == "sentence-transformers" else path
    if not (body / "config.json").is_file():
        raise ConfigError(f"{where}: {path} is not a model folder (no modules.json, no config.json); point it at "
                          f"{FORMAT_HINT}")
    if not any(p.suffix in WEIGHT_SUFFIXES for p in body.iterdir()):
        raise ConfigError(f"{where}: {body} has a config.json but no weights (*.safetensors or *.bin); copy the "
                          "model's weight files into it")
    try:
        config = json.loads((body / "config.json").read_text())
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where}: {body / 'config.json'} is not JSON ({exc}); restore the model's config") from None
    return ModelFolder(path, kind, folder_digest(path), config.get("num_hidden_layers"),
                       config.get("max_position_embeddings"))
