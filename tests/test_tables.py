"""What a reader gets: tables that compile in a real LaTeX and fit an A4 page, the differences
the figures draw equal to the claims' own, and every training's loss curve."""

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from boom import tables
from conftest import debian_tool
from boom.claims import Bootstrap
from boom.differences import differences
from boom.report import loss_curves, write_loss_figure

REPO = Path(__file__).resolve().parent.parent
FIGURES = REPO / "paper_figures"
TEX_PACKAGES = ("texlive-latex-base", "texlive-latex-recommended")


@pytest.fixture(scope="session")
def pdflatex():
    """Debian's pdflatex, installed by the test when missing."""
    return debian_tool("pdflatex", TEX_PACKAGES)


def compile_tex(pdflatex, body: str, folder: Path) -> str:
    """Compile `body` in an A4 article with the tables' packages; the log (failing on an error)."""
    (folder / "doc.tex").write_text("\\documentclass[a4paper]{article}\n" + tables.TEX_PACKAGES + "\n"
                                    "\\begin{document}\n" + body + "\n\\end{document}\n")
    run = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=folder,
                         capture_output=True, text=True, timeout=120)
    log = (folder / "doc.log").read_text(errors="replace")
    assert run.returncode == 0, log[-3000:]
    return log


def test_tex_escape_leaves_nothing_latex_would_read_as_markup():
    assert tables.tex_escape("seq_dataset & 50% #1 {x}") == r"seq\_dataset \& 50\% \#1 \{x\}"
    assert tables.tex_escape("63.72 ± 0.31, ×3.00") == r"63.72 $\pm$ 0.31, $\times$3.00"


@pytest.mark.parametrize("tex", sorted(FIGURES.glob("*.tex")), ids=lambda p: p.name)
def test_every_committed_table_compiles_and_fits_a4(pdflatex, tex, tmp_path):
    log = compile_tex(pdflatex, f"\\input{{{tex}}}", tmp_path)
    assert "Overfull \\hbox" not in log, [line for line in log.splitlines() if "Overfull" in line]


def test_a_table_of_underscores_and_many_columns_compiles(pdflatex, tmp_path):
    df = pd.DataFrame({f"ID col_{i}": [f"{i}.00 ± 0.{i}"] for i in range(24)}, index=pd.Index(["seq_task"], name="variant"))
    log = compile_tex(pdflatex, tables.latex(df, "a caption with task_type & 95%", "tab:x", wide=True), tmp_path)
    assert "Overfull \\hbox" not in log


def test_the_figures_differences_are_the_claims_own():
    """The difference panel and the main table use the claims' bootstrap: the same effect and
    interval as claims.csv for the same comparison (boom_update - full_retrain)."""
    summary = pd.read_csv(REPO / "results/summary/incremental.csv")
    claims = pd.read_csv(FIGURES / "claims.csv").set_index("id")
    diffs = differences(summary, "incremental", "full_retrain", Bootstrap(REPO / "results/eval")).set_index(
        ["variant", "suite"])
    for claim, suite in (("update_matches_retraining_new_domain", "new_domain"),
                         ("update_matches_retraining_in_domain", "in_domain")):
        row, want = diffs.loc[("boom_update", suite)], claims.loc[claim]
        assert want["compared"].startswith("boom_update - full_retrain")
        assert (row["effect"], row["low"], row["high"]) == pytest.approx((want["effect"], want["low"], want["high"]),
                                                                         abs=6e-5)
    assert set(diffs.index.get_level_values(0)) == set(summary["variant"]) - {"full_retrain"}


def test_without_items_a_difference_has_no_interval(caplog):
    summary = pd.read_csv(REPO / "results/summary/slice.csv")
    diffs = differences(summary, "slice", "bls", None)
    assert diffs["low"].isna().all() and diffs["effect"].notna().all()
    assert "no interval" in caplog.text


def test_main_table_marks_the_reference_and_prints_ratios_as_ratios():
    from boom.report import experiment_table, with_costs

    summary = pd.read_csv(REPO / "results/summary/incremental.csv")
    costs = pd.read_csv(REPO / "results/costs/incremental.csv")
    table = with_costs(experiment_table(summary, "incremental"), costs, "full_retrain")
    diffs = pd.DataFrame([{"variant": "boom_update", "suite": "new_domain", "effect": -2.07, "low": -4.08,
                           "high": 0.15, "se": 1.08, "seeds": 3, "tasks": 1}])
    main = tables.main_table(table, diffs, "full_retrain")
    assert main.loc["full_retrain", "New vs full_retrain"] == "reference"
    assert main.loc["boom_update", "New vs full_retrain"] == "-2.07 [-4.08, +0.15]"
    assert main.loc["full_retrain", "relative cost"] == "×1.00"


def test_loss_curves_come_from_each_trained_models_cost_record(tmp_path):
    models = tmp_path / "results/models"
    for mid, curve in (("train-a", [[1, 2.5, 0.0], [2, 2.1, 1e-4]]), ("train-b", [[1, 2.4, 0.0]])):
        (models / mid).mkdir(parents=True)
        (models / mid / "cost.json").write_text(json.dumps({"loss_curve": curve}))
    variants = [{"experiment": "e", "variant": "merged", "seed": 0, "model": "merge-x", "trained": ["train-a", "train-b"]},
                {"experiment": "e", "variant": "base", "seed": 0, "model": "base-x", "trained": []}]
    losses = loss_curves(variants, models)
    assert losses[["model", "step", "loss"]].values.tolist() == [["train-a", 1, 2.5], ["train-a", 2, 2.1],
                                                                 ["train-b", 1, 2.4]]
    write_loss_figure(losses, "e", tmp_path)
    assert (tmp_path / "e_loss.png").stat().st_size > 0 and (tmp_path / "e_loss.pdf").stat().st_size > 0
