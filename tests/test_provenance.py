"""A provenance record's command is one shell line that runs the stage again."""

import json
import shlex

from boom import provenance
from boom.paths import REPO_ROOT

RECIPE = json.dumps({"kind": "base", "base": {"source": "tiny_random", "name": "tiny bert"}})


def test_a_stage_command_splits_back_into_its_arguments():
    # what boom/stage.py sets before a stage's main(): the module, then its arguments
    argv = ["boom.models", "--recipe", RECIPE, "--out", "results/models/base x/model"]
    line = provenance.command(argv)
    assert shlex.split(line) == ["python", "-m", *argv]
    assert line.startswith("python -m boom.models --recipe '{")


def test_a_module_run_as_a_file_is_named_as_a_module():
    assert provenance.command([str(REPO_ROOT / "boom" / "train.py"), "--recipe", RECIPE]) == \
        shlex.join(["python", "-m", "boom.train", "--recipe", RECIPE])
    assert provenance.command([str(REPO_ROOT / "boom" / "__main__.py"), "evaluate", "--model", "m"]) == \
        "python -m boom evaluate --model m"


def test_another_program_is_quoted_as_it_ran():
    assert provenance.command(["/usr/bin/snakemake", "--cores", "all", "my target"]) == \
        "/usr/bin/snakemake --cores all 'my target'"


def test_the_record_carries_the_stage_command(monkeypatch):
    argv = ["boom.train", "--recipe", RECIPE, "--base", "results/models/base-0/model"]
    monkeypatch.setattr("sys.argv", argv)
    assert shlex.split(provenance.record(model_id="x")["command"]) == ["python", "-m", *argv]
