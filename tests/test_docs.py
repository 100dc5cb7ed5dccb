"""The README and docs quote numbers from committed files: each is checked against its file, so
that a rerun that changes them cannot leave the front door stale."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()
FLAT = " ".join(README.split())  # the README's text with its line breaks as spaces
FIGURES = REPO / "paper_figures"


def _minutes(text: str) -> float:
    m = re.search(r"\*\*(\d+) min (\d+) s\*\*", text)
    return int(m.group(1)) + int(m.group(2)) / 60


def test_the_front_door_has_the_commands_and_time_on_its_first_screen_and_the_recipes_within_150_lines():
    lines = README.splitlines()
    first_screen = "\n".join(lines[:40])
    assert "snakemake --cores all paper" in first_screen and "python -m pytest" in first_screen
    assert "minutes on 2 CPU cores" in " ".join(first_screen.split())
    headings = {line: i for i, line in enumerate(lines) if line.startswith("## ")}
    assert headings["## Rerun one ablation with a change"] < 150 and headings["## Check the committed numbers"] < 150
    assert len(lines) <= 160


def test_the_claims_count_is_the_committed_claims():
    claims = (FIGURES / "claims.md").read_text()
    held, total, failed, inconclusive = re.search(
        r"(\d+) of (\d+) claims hold on these numbers \((\d+) fail, (\d+) inconclusive\)", claims).groups()
    assert f"**{held} of {total} claims hold**" in FLAT
    assert f"{failed} fail and {inconclusive} are" in FLAT


def test_the_run_time_is_the_committed_runs():
    minutes = _minutes((FIGURES / "RUN.md").read_text())
    quoted = int(re.search(r"about (\d+) minutes on 2 CPU cores", FLAT).group(1))
    assert abs(quoted - minutes) <= 0.1 * minutes, (quoted, minutes)


def test_the_verify_sentence_is_the_committed_check():
    m = re.search(r"(\d+) of (\d+) scores \(.*?\) reproduced within (\d+e-\d+)", (FIGURES / "verify.md").read_text())
    assert m and m.group(1) == m.group(2) and float(m.group(3)) == 1e-6
    assert "every score reproduced within 1e-6" in FLAT


def test_the_models_the_docs_say_are_one_are_noted_as_one_in_the_tables():
    docs = (REPO / "docs/experiments.md").read_text()
    for variant, other, experiment, table in (("task_type", "multislerp", "merge_operators", "granularity"),
                                              ("boom", "k20_100", "boom_ratios", "boom"),
                                              ("existing", "bls", "scheduling", "incremental")):
        assert f"`{variant}`" in docs and f"`{other}`" in docs
        note = f"{variant} is the same model as"
        md = (FIGURES / f"{table}.md").read_text()
        line = next(x for x in md.splitlines() if note in x)
        assert f"{other} in {experiment}" in line, line
