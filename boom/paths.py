"""Where the repository is: the root every relative path in the config is read from. Imports
nothing of boom's, so that any module may use it without an import circle."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"
