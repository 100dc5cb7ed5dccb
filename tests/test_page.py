"""The reader's front page, opened in a real headless browser (Debian's Chromium, installed by
the test when missing): every experiment's tables and the claims table are text on the page,
every figure it names is there."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from boom.config import load
from conftest import debian_tool

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "paper_figures/index.html"


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, installed by the test when missing."""
    return debian_tool("chromium", ("chromium",))


def _browser(chromium, *args, tmp_path):
    return subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path}/profile",
                           *args], capture_output=True, text=True, timeout=120)


def test_the_front_page_shows_every_table_as_text(chromium, tmp_path):
    run = _browser(chromium, "--dump-dom", PAGE.as_uri(), tmp_path=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    # the DOM as the browser built it, reduced to its visible text
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", run.stdout, flags=re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))
    for experiment in load()["experiments"]:
        assert f"{experiment}: Mean(Task) ×100 per suite" in text, experiment  # its main table's caption
        assert f"{experiment}, per task type" in text, experiment
        assert f"snakemake --cores all {experiment}" in text  # its provenance panel
    assert "claims hold on these numbers" in text and "BOOM beats BLS on the full corpus in-domain" in text
    assert "Data card" in text and "scifact" in text
    for image in re.findall(r"<img src=\"([^\"]+)\"", run.stdout):
        assert (PAGE.parent / image).is_file(), image


def test_the_front_page_renders(chromium, tmp_path):
    shot = tmp_path / "page.png"
    run = _browser(chromium, f"--screenshot={shot}", "--window-size=1400,3000", PAGE.as_uri(), tmp_path=tmp_path)
    assert run.returncode == 0 and shot.stat().st_size > 50_000, run.stderr[-2000:]  # not a blank page


@pytest.fixture(scope="module")
def snakemake_report(tmp_path_factory):
    """Snakemake's own report of `paper`, built from the committed results."""
    out = tmp_path_factory.mktemp("report") / "report.html"
    run = subprocess.run([sys.executable, "-m", "snakemake", "--report", str(out), "paper"], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return out


def test_snakemake_report_shows_every_table_inline(chromium, snakemake_report):
    """Opened in a real browser and clicked through as a reader would: each result is shown in
    the page (HTML inline), not offered as a download."""
    from playwright.sync_api import sync_playwright  # the [test] extra installs it: missing is a failure

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})

        def shown(path: list[str], label: str) -> str:
            """The text of result `label` under the report's categories `path`, as displayed."""
            page.goto(snakemake_report.as_uri())
            for step in path:
                page.get_by_text(step, exact=True).first.click()
            page.locator("tr", has_text=label).locator("a[iconname=eye]").click()
            page.wait_for_function("document.querySelectorAll('iframe').length > 0")
            frame = [f for f in page.frames if f != page.main_frame][-1]
            frame.wait_for_load_state()
            return frame.inner_text("body")

        for experiment in load()["experiments"]:
            text = shown(["Experiments", experiment], "table")
            assert f"{experiment}: Mean(Task) ×100 per suite" in text, experiment
            assert f"snakemake --cores all {experiment}" in text and "commit" in text, experiment  # provenance
        claims = shown(["Claims"], "table")
        assert "claims hold on these numbers" in claims and "BOOM beats BLS on the full corpus in-domain" in claims
        assert "wall time" in shown(["Run"], "RUN.md and verify.md")
        assert "scifact" in shown(["Data"], "data card")
        browser.close()
