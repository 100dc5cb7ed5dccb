"""Where the repository is: the root every relative path in the config is read from, and the
config schema in it. Imports
nothing of boom's, so that any module may use it without an import circle."""

import functools
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"
SCHEMA_PATH = CONFIG_DIR / "schema.yaml"


@functools.lru_cache(maxsize=1)
def load_schema() -> dict:
    """config/schema.yaml, read once a process (treat it as read-only)."""
    return yaml.safe_load(SCHEMA_PATH.read_text())
