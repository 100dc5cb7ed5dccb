"""Shared fixtures. Nothing in the tests reaches the network: the Hugging Face libraries are told
so before anything imports them."""

import os

for _var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ[_var] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import copy  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from boom import config as boom_config  # noqa: E402
from boom.data.manifest import resolve_root  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def default_config() -> dict:
    return boom_config.load()


@pytest.fixture
def config(default_config) -> dict:
    """A fresh, mutable copy of the default configuration."""
    return copy.deepcopy(default_config)


@pytest.fixture(scope="session")
def data_root(default_config) -> Path:
    root = resolve_root(default_config["data"]["root"])
    if not (root / "MANIFEST.tsv").is_file():
        pytest.fail(f"the data mirror is not at {root}: the tests need ../shared/data beside the repository")
    return root


@pytest.fixture
def mirror_copy(data_root, tmp_path):
    """mirror_copy(dests) -> a private, writable copy of part of the data mirror (the real
    MANIFEST.tsv included), for tests that damage or remove files."""

    def copy(dests):
        (tmp_path / "raw").mkdir(exist_ok=True)
        shutil.copyfile(data_root / "MANIFEST.tsv", tmp_path / "MANIFEST.tsv")
        for dest in dests:
            (tmp_path / "raw" / dest).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(data_root / "raw" / dest, tmp_path / "raw" / dest)
        return tmp_path

    return copy


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory) -> Path:
    """The smoke scale's tiny random encoder, saved once per test session."""
    from boom import models

    models.set_threads(1)
    out = tmp_path_factory.mktemp("tiny") / "model"
    models.save_atomically(models.build_tiny_random(seed=0), out)
    return out
