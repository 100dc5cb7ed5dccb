"""An experiment's tables as a reader sees them: the compact main table (variants as rows;
Mean(Task) per suite, the difference from the reference with its paired 95% interval, steps and
relative cost) and the wide per-task-type table, each as Markdown, LaTeX and HTML.

LaTeX: every cell and header escaped (`seq_dataset`, `task_type`), ± and × as math, each table
in a box no wider than the text, so that it compiles with pdflatex and fits an A4 page
(TEX_PACKAGES; tests/test_tables.py compiles every committed one).
"""

from __future__ import annotations

import html
import math

import pandas as pd

SUITE_LABEL = {"in_domain": "ID", "out_of_domain": "OOD", "new_domain": "New"}
COST_FORMATS = {"train examples": "{:.0f}", "train steps": "{:.0f}", "examples seen": "{:.0f}",
                "relative cost": "×{:.2f}"}


def _num(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def score_cell(mean: float, std: float | None) -> str:
    """`mean ± std` (×100, as the paper prints scores); the mean alone for one seed."""
    return f"{mean * 100:.2f}" + (f" ± {std * 100:.2f}" if _num(std) else "")


def delta_cell(row) -> str:
    """`+0.62 [-0.10, +1.34]`: the difference (points) and its paired 95% interval."""
    if row is None:
        return "–"
    text = f"{row['effect']:+.2f}"
    return text + (f" [{row['low']:+.2f}, {row['high']:+.2f}]" if _num(row["low"]) else "")


def main_table(table: pd.DataFrame, diffs: pd.DataFrame, reference: str | None) -> pd.DataFrame:
    """Rows: variants; per suite `<S> Mean(Task)` (mean ± std over seeds) and `<S> vs <reference>`
    (difference, [95% interval]; `reference` for the reference itself); then steps and relative
    cost where the table has them."""
    suites = [s for s, label in SUITE_LABEL.items() if f"{label} Mean(Task)" in table]
    out = pd.DataFrame(index=table.index)
    out.insert(0, "seeds", table["seeds"].astype(int))
    by = {(r["variant"], r["suite"]): r for _, r in diffs.iterrows()} if not diffs.empty else {}
    for suite in suites:
        label = SUITE_LABEL[suite]
        col = f"{label} Mean(Task)"
        out[col] = [score_cell(m, s) for m, s in zip(table[col], table[f"{col} std"])]
        if by:
            out[f"{label} vs {reference}"] = ["reference" if v == reference else delta_cell(by.get((v, suite)))
                                              for v in table.index]
    for column in ("train steps", "relative cost"):
        if column in table:
            out[column] = cost_cells(table[column], COST_FORMATS[column])
    return out


def cost_cells(values: pd.Series, fmt: str) -> list[str]:
    return [fmt.format(v) if _num(v) else "-" for v in values]


def wide_table(table: pd.DataFrame, with_std: bool = True) -> pd.DataFrame:
    """Per suite, each task type's mean, Mean(Task) and Mean(TaskType) (mean ± std over seeds;
    the mean alone without `with_std`), then the cost columns; per-task scores stay in the CSV."""
    keep = [c for c in table.columns if c.split(" ")[0] in SUITE_LABEL.values() and not c.endswith(" std")]
    out = pd.DataFrame({c: [score_cell(m, s if with_std else None) for m, s in zip(table[c], table[f"{c} std"])]
                        for c in keep}, index=table.index)
    for column, fmt in COST_FORMATS.items():
        if column in table:
            out[column] = cost_cells(table[column], fmt)
    return out


def markdown(df: pd.DataFrame) -> str:
    return df.to_markdown()


# ---------------------------------------------------------------- LaTeX

_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_TEX_SYMBOLS = {"±": r"$\pm$", "×": r"$\times$", "–": "--", "−": "-", "≥": r"$\geq$", "≤": r"$\leq$"}


def tex_escape(text) -> str:
    """Text as LaTeX source: special characters escaped, the symbols the tables use as math."""
    out = "".join(_TEX_SPECIAL.get(ch, ch) for ch in str(text))
    for symbol, tex in _TEX_SYMBOLS.items():
        out = out.replace(symbol, tex)
    return out


TEX_PACKAGES = r"\usepackage{booktabs,graphicx,rotating}"


def latex(df: pd.DataFrame, caption: str, label: str, wide: bool = False) -> str:
    """A booktabs table in a float (`wide`: a sidewaystable, turned on the page), in a small font,
    shrunk to the text width when it is still wider (never enlarged)."""
    env = "sidewaystable" if wide else "table"
    lines = [rf"% needs {TEX_PACKAGES}", rf"\begin{{{env}}}" + ("" if wide else "[htbp]"), r"\centering",
             r"\scriptsize" if wide else r"\footnotesize", r"\setlength{\tabcolsep}{3pt}",
             rf"\caption{{{tex_escape(caption)}}}", rf"\label{{{label}}}",
             r"\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{%",
             r"\begin{tabular}{l" + "r" * len(df.columns) + "}", r"\toprule", *_tex_header(df), r"\midrule"]
    for index, row in df.iterrows():
        lines.append(" & ".join(tex_escape(v) for v in [index, *row.tolist()]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}}", rf"\end{{{env}}}", ""]
    return "\n".join(lines)


# Short headers for LaTeX, under a row naming each column group's suite.
TEX_SHORT = {"Retrieval": "Retr.", "Reranking": "Rerank.", "PairClassification": "PairCls.", "Classification": "Cls.",
             "Clustering": "Clust.", "Mean(TaskType)": "Mean(Type)", "train examples": "examples",
             "train steps": "steps", "examples seen": "seen", "relative cost": "cost"}


def _tex_header(df: pd.DataFrame) -> list[str]:
    """Two header rows: each suite's name over its columns (`ID Mean(Task)` -> ID / Mean(Task)),
    then the columns' short names."""
    groups, names = [], []
    for column in df.columns:
        prefix, _, rest = str(column).partition(" ")
        suite = prefix if prefix in SUITE_LABEL.values() and rest else ""
        names.append(TEX_SHORT.get(rest if suite else column, rest if suite else column))
        if groups and groups[-1][0] == suite:
            groups[-1][1] += 1
        else:
            groups.append([suite, 1])
    top, rules, at = [""], [], 2
    for suite, span in groups:
        top.append(rf"\multicolumn{{{span}}}{{c}}{{{tex_escape(suite)}}}" if suite else " & ".join([""] * span))
        if suite:
            rules.append(rf"\cmidrule(lr){{{at}-{at + span - 1}}}")
        at += span
    rows = [" & ".join(top) + r" \\" + " ".join(rules)] if rules else []
    return rows + [" & ".join(tex_escape(c) for c in [df.index.name or "variant", *names]) + r" \\"]


# ---------------------------------------------------------------- HTML

def html_table(df: pd.DataFrame, caption: str) -> str:
    """A plain HTML table with its caption (the report shows it as text, not a download)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [df.index.name or "variant", *df.columns])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in [index, *row.tolist()]) + "</tr>"
                   for index, row in df.iterrows())
    return (f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


HTML_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 1em 0 2em; font-size: 0.9em; }
caption { caption-side: top; text-align: left; padding-bottom: 0.4em; max-width: 70em; }
th, td { padding: 0.25em 0.6em; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid #444; }
details { margin: 1em 0; } pre { white-space: pre-wrap; font-size: 0.85em; background: #f6f6f6; padding: 0.6em; }
"""


def html_page(title: str, sections: list[str]) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{HTML_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            + "\n".join(sections) + "</body></html>\n")
