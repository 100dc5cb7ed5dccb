"""The data card: one row per dataset and split, with what it is used for and where it came from.

    python -m boom.data.card --root ../shared/data --out-prefix paper_figures/data_card

Writes <prefix>.csv and <prefix>.md. `examples` counts what the split holds in the dataset's
form: queries with at least one relevant document (retrieval), pairs, or labelled texts.
`source_sha256` is the sha256 of the dataset's sorted `file<TAB>sha256` lines from MANIFEST.tsv.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

import pandas as pd

from boom import layout, tables
from boom.data.forms import Labelled, LoadReport, Pairs, Retrieval
from boom.data.manifest import resolve_root
from boom.data.sources import MIRROR, SOURCES

COLUMNS = ["dataset", "split", "use", "task_type", "role", "form", "examples", "skipped", "licence",
           "files", "source_sha256"]


def split_sizes(form) -> dict[str, int]:
    if isinstance(form, Retrieval):
        return {s: sum(1 for docs in q.values() if docs) for s, q in form.qrels.items()}
    if isinstance(form, Pairs):
        return {s: len(p) for s, p in form.pairs.items()}
    if isinstance(form, Labelled):
        return {s: len(t) for s, t in form.texts.items()}
    raise TypeError(type(form))


def dataset_digest(root: Path, name: str) -> str:
    lines = "".join(f"{d}\t{sha}\n" for d, sha in SOURCES[name].sha256s(root).items())
    return hashlib.sha256(lines.encode()).hexdigest()


def card(root: Path) -> pd.DataFrame:
    rows = []
    for name, source in SOURCES.items():
        if name not in MIRROR:  # a config's Hub dataset: described by its own card on the Hub
            continue
        report = LoadReport()
        form = source.read(root, report)
        for split, n in split_sizes(form).items():
            use = ("train" if split == source.train_split else "evaluation" if split == source.eval_split else "unused")
            skipped = sum(v for k, v in report.skipped.items() if k.startswith(f"{split}:"))
            rows.append({
                "dataset": name, "split": split, "use": use, "task_type": source.task_type, "role": source.role,
                "form": type(form).__name__, "examples": n, "skipped": skipped, "licence": source.licence,
                "files": len(source.files), "source_sha256": dataset_digest(root, name),
            })
    return pd.DataFrame(rows, columns=COLUMNS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True)
    parser.add_argument("--out-prefix", required=True, type=Path)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    df = card(resolve_root(args.root))
    wall = time.perf_counter() - start
    args.out_prefix.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(layout.prefixed(args.out_prefix, "csv"), index=False)
    shown = df.assign(source_sha256=df["source_sha256"].str[:12])
    caption = ("Datasets of the offline default scale, per split (source_sha256: first 12 hex digits; the CSV "
               "has all 64).")
    Path(layout.prefixed(args.out_prefix, "md")).write_text(f"{caption}\n\n" + shown.to_markdown(index=False) + "\n")
    Path(layout.prefixed(args.out_prefix, "html")).write_text(
        tables.html_page("Data card", [tables.html_table(shown.set_index("dataset"), caption)]))
    print(f"read and checked {df['dataset'].nunique()} datasets ({len(df)} splits) in {wall:.1f} s")


if __name__ == "__main__":
    main()
