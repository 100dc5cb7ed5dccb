"""Shared fixtures. Nothing in the tests reaches the network: the Hugging Face libraries are told
so before anything imports them."""

import os

from boom.io import set_offline  # standard library only: nothing of Hugging Face's is imported yet

set_offline()
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import copy  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
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


TRAIN_RECIPE = {
    "kind": "train", "schedule": "bls", "threads": 1, "seed": 0,
    "hyper": {"batch_size": 8, "learning_rate": 1e-3, "warmup_ratio": 0.1, "epochs": 1,
              "temperature": 0.05, "max_seq_length": 32},
    "datasets": {"scifact": {"task_type": "retrieval"}, "snli": {"task_type": "nli"}},
}


@pytest.fixture(scope="session")
def train_recipe() -> dict:
    """A two-dataset training recipe for the tiny encoder: six steps, seconds on CPU (shared:
    derive variants with {**train_recipe, ...})."""
    return TRAIN_RECIPE


@pytest.fixture(scope="session")
def train_files(data_root, tmp_path_factory) -> dict:
    """The recipe's prepared training files: 24 examples of SciFact and of SNLI."""
    from boom.data.prepare import prepare

    d = tmp_path_factory.mktemp("train_data")
    for name in ("scifact", "snli"):
        prepare(data_root, name, 24, 1, d / f"{name}.jsonl")
    return {name: d / f"{name}.jsonl" for name in ("scifact", "snli")}


# Time by kind of test, at the end of every run (.ci/run repeats it in its own summary): each
# test's setup, call and teardown, so a session fixture counts for the first test that uses it.
_KINDS = {"unit": "unit tests", "workflow": "workflow tests", "slurm": "SLURM test"}
_kind_of: dict[str, str] = {}
_seconds = dict.fromkeys(_KINDS, 0.0)
_tests = dict.fromkeys(_KINDS, 0)


def pytest_collection_modifyitems(items):
    for item in items:
        _kind_of[item.nodeid] = next((m for m in ("slurm", "workflow") if item.get_closest_marker(m)), "unit")


def pytest_runtest_logreport(report):
    kind = _kind_of.get(report.nodeid, "unit")
    _seconds[kind] += report.duration
    _tests[kind] += report.when == "call" or (report.when == "setup" and not report.passed)


def pytest_terminal_summary(terminalreporter):
    if not any(_tests.values()):
        return
    terminalreporter.section("time by marker")
    for kind, label in _KINDS.items():
        n = _tests[kind]
        terminalreporter.write_line(f"{label}: {_seconds[kind]:.0f} s ({n} test{'s' * (n != 1)})")


def debian_tool(command: str, packages: tuple[str, ...]) -> str:
    """The path of `command`, installed from Debian's packages first when missing (as root, as CI
    runs; `apt-get update` once if the package lists are stale); elsewhere the test is skipped."""
    if shutil.which(command) is None:
        if os.geteuid() != 0:
            pytest.skip(f"{command} is missing: apt-get install {' '.join(packages)}")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
        if subprocess.run(install, capture_output=True, env=env, timeout=900).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env, timeout=600)
            subprocess.run(install, check=True, capture_output=True, env=env, timeout=900)
    return shutil.which(command)
