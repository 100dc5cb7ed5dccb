"""The reader's front page, `<figures>/index.html`: every experiment's description, figure, main
and per-task-type tables with their provenance panel, and its loss curves; the claims with
their forest plot; the interaction figures; the run record (RUN.md), the reviewer's check
(verify.md) and the data card. One static file beside the figures it shows (opened from the
figures folder, it needs nothing else), built from the HTML each report job writes.

    python -m boom page --figures paper_figures --experiments slice scheduling ... --out paper_figures/index.html
"""

from __future__ import annotations

import argparse
import html
import re
from pathlib import Path

from boom import layout, tables
from boom.io import atomic_write_text

_BODY = re.compile(r"<body>(.*)</body>", re.S)
_TITLE = re.compile(r"<h1>.*?</h1>", re.S)


def body_of(path: Path) -> str:
    """The content of a page a report job wrote, without its title."""
    match = _BODY.search(path.read_text())
    return _TITLE.sub("", match.group(1), count=1) if match else ""


def _img(name: str, alt: str) -> str:
    return f"<p><img src='{html.escape(name)}' alt='{html.escape(alt)}' style='max-width:100%'></p>"


def _text_file(path: Path, title: str) -> str:
    """A Markdown file as preformatted text (its tables line up in a fixed-width font)."""
    if not path.is_file():
        return ""
    return f"<h2 id='{path.stem}'>{html.escape(title)}</h2><pre>{html.escape(path.read_text())}</pre>"


def run_sections(figures: Path) -> list[str]:
    """The run record (RUN.md) and the reviewer's check (verify.md), where they exist."""
    return [_text_file(figures / "RUN.md", "The run these numbers came from (RUN.md)"),
            _text_file(Path(layout.figure_file(figures, "verify", "md")), "The reviewer's check (verify.md)")]


def run_page(figures: Path) -> str:
    """The run record and the reviewer's check as a page of their own: Snakemake's report shows
    it inline (it shows a result file of its own, not the files beside it)."""
    return tables.html_page("boom: the run these numbers came from", run_sections(figures))


def page(figures: Path, experiments: list[str]) -> str:
    name = lambda p: Path(p).name  # noqa: E731 - the page sits beside the files it shows
    contents = "".join(f"<li><a href='#{e}'>{html.escape(e)}</a></li>" for e in experiments)
    sections = [f"<nav><ul>{contents}<li><a href='#claims'>claims</a></li><li><a href='#interaction'>interaction"
                "</a></li><li><a href='#RUN'>the run</a></li><li><a href='#verify'>verify</a></li>"
                "<li><a href='#data_card'>data card</a></li></ul></nav>"]
    for e in experiments:
        sections += [f"<section id='{e}'><h2>{html.escape(e)}</h2>",
                     _img(name(layout.figure_file(figures, e, "png")), f"{e}: differences and scores"),
                     body_of(Path(layout.figure_file(figures, e, "html"))),
                     _img(name(layout.loss_figure(figures, e, "png")), f"{e}: training loss curves"), "</section>"]
    sections += ["<section id='claims'><h2>The paper's claims</h2>",
                 _img(name(layout.figure_file(figures, "claims", "png")), "the claims' forest plot"),
                 body_of(Path(layout.figure_file(figures, "claims", "html"))), "</section>",
                 "<section id='interaction'><h2>Dataset interactions</h2>",
                 *(_img(name(layout.interaction_figure(figures, kind, "png")), f"interaction {kind}")
                   for kind in ("heatmap", "dendrogram")), "</section>",
                 *run_sections(figures),
                 f"<section id='data_card'><h2>Data card</h2>"
                 f"{body_of(Path(layout.figure_file(figures, 'data_card', 'html')))}</section>"]
    return tables.html_page("boom: the paper's experiments on this run's numbers", sections)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--figures", required=True, type=Path, help="the figures folder (figures_dir)")
    parser.add_argument("--experiments", nargs="+", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--run-out", type=Path, help="also write the run record's page here")
    args = parser.parse_args(argv)
    atomic_write_text(args.out, page(args.figures, args.experiments))
    print(f"wrote {args.out}")
    if args.run_out:
        atomic_write_text(args.run_out, run_page(args.figures))
        print(f"wrote {args.run_out}")


if __name__ == "__main__":
    main()
