"""The reader's front page, opened in a real headless browser (Debian's Chromium, installed by
the test when missing): every experiment's tables and the claims table are text on the page,
every figure it names is there."""

import re
import subprocess
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
