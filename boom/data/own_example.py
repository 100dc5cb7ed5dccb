"""Write a small own-data folder to try `data.files` and `model.source: path` on.

    python -m boom data.own_example --out own_data

Samples five datasets of the data mirror into the formats docs/own-data.md describes (so no
data is committed: the files are the mirror's, re-written) and saves a base model folder beside
them; config/own_example.yaml points every experiment at them. What it writes:

    own_data/model/                        a sentence-transformers folder (MiniLM's bottom 3 layers,
                                           the default scale's base; --model tiny: a random 2-layer one)
    own_data/scifact_train.jsonl           retrieval training pairs {anchor, positive}
    own_data/scifact_test/                 BEIR: corpus.jsonl, queries.jsonl, qrels.tsv
    own_data/sick_train.jsonl, sick_test.jsonl           {anchor, positive}; {sentence1, sentence2, score} (1-5)
    own_data/banking77_train.jsonl, banking77_test.jsonl {text, label}
    own_data/cranfield_test/               BEIR (out of domain: never trained on)
    own_data/wikiqa_train.jsonl, wikiqa_test/            the new domain (incremental learning)

Every evaluation split of the mirror is held out of training (boom.data.examples), so the
example draws on sets whose training splits survive it: the new domain is WikiQA's, not CoSQA's
(CoSQA's code corpus is an evaluation corpus), and the STS set is SICK-R's, not STS-B's (whose
training pairs are mostly STS12-16 test pairs: 59 of 64 sampled were dropped).
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from boom.data.examples import STS_POSITIVE
from boom.data.forms import Labelled, Pairs, Retrieval
from boom.data.manifest import resolve_root
from boom.data.sources import SOURCES, sts_scale
from boom.io import write_json, write_jsonl

SEED = 0
# mirror dataset -> what the example writes of it: its training split, its test split
EXAMPLE = {"scifact": ("train", "test"), "sick": ("train", "test"), "banking77": ("train", "test"),
           "cranfield": (None, "test"), "wikiqa": ("train", "test")}


def _sample(items: list, n: int, rng: random.Random) -> list:
    return items if len(items) <= n else [items[i] for i in sorted(rng.sample(range(len(items)), n))]


def _pairs_training(form, split: str, name: str) -> list[dict]:
    """Training rows {anchor, positive}: a retrieval split's (query, relevant document) pairs, or
    an STS split's pairs scored at the top of the scale (as boom trains on the mirror's)."""
    if isinstance(form, Retrieval):  # with the data's own judged non-relevant documents, where it has them
        judged = form.negatives.get(split, {})
        return [{"anchor": form.queries[split][q], "positive": form.corpus[d],
                 **({"negatives": [form.corpus[n] for n in judged[q][:3]]} if judged.get(q) else {})}
                for q, docs in sorted(form.qrels[split].items()) for d in sorted(docs)]
    low, top = sts_scale(name)
    return [{"anchor": a, "positive": b} for a, b, s in form.pairs[split] if s >= low + STS_POSITIVE * (top - low)]


def _beir(form: Retrieval, split: str, out: Path, queries: int, distractors: int, rng: random.Random) -> None:
    judged = form.negatives.get(split, {})  # a reranking set's candidates: each query's judged non-relevant ones
    qids = _sample(sorted(q for q, docs in form.qrels[split].items() if docs and (judged.get(q) or not judged)),
                   queries, rng)
    relevant = sorted({d for q in qids for d in form.qrels[split][q]} | {d for q in qids for d in judged.get(q, [])})
    others = sorted(set(form.corpus) - set(relevant))
    docs = sorted(set(relevant) | set(_sample(others, distractors, rng)))
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "corpus.jsonl", [{"_id": d, "text": form.corpus[d]} for d in docs])
    write_jsonl(out / "queries.jsonl", [{"_id": q, "text": form.queries[split][q]} for q in qids])
    with (out / "qrels.tsv").open("w", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["query-id", "corpus-id", "score"])
        writer.writerows([q, d, 1] for q in qids for d in sorted(form.qrels[split][q]))
        writer.writerows([q, d, 0] for q in qids for d in sorted(judged.get(q, [])))


def write_example(root: Path, out: Path, max_train: int, max_test: int) -> list[Path]:
    """The example's data files under `out`, sampled with a fixed seed; returns what was written."""
    written = []
    for name, (train_split, test_split) in EXAMPLE.items():
        source = SOURCES[name]
        form = source.read(root)
        rng = random.Random(SEED)
        train = source.train_split if train_split else None
        if train and isinstance(form, Labelled):
            rows = [{"text": t, "label": label} for t, label in form.texts[train]]
        elif train:
            rows = _pairs_training(form, train, name)
        if train:
            path = out / f"{name}_train.jsonl"
            write_jsonl(path, _sample(rows, max_train, rng))
            written.append(path)
        split = source.eval_split
        if isinstance(form, Retrieval):
            _beir(form, split, out / f"{name}_{test_split}", max_test, 4 * max_test, rng)
            written.append(out / f"{name}_{test_split}")
            continue
        if isinstance(form, Pairs):
            rows = [{"sentence1": a, "sentence2": b, "score": s} for a, b, s in form.pairs[split]]
        else:
            rows = [{"text": t, "label": label} for t, label in form.texts[split]]
        path = out / f"{name}_{test_split}.jsonl"
        write_jsonl(path, _sample(rows, max_test, rng))
        written.append(path)
    return written


def write_model(out: Path, kind: str) -> Path:
    """A base model folder, as a user's would be: saved with SentenceTransformer.save."""
    from boom import models

    if kind == "tiny":
        model = models.build_tiny_random(SEED)
    else:
        model = models.build_base({"source": "gt_minilm", "layers": 3})
    model.save(str(out))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default="../shared/data", help="the data mirror (default: ../shared/data)")
    parser.add_argument("--out", required=True, type=Path, help="folder to write the example to")
    parser.add_argument("--max-train", type=int, default=400, help="training rows per dataset (default 400)")
    parser.add_argument("--max-test", type=int, default=200, help="test items per dataset (default 200)")
    parser.add_argument("--model", choices=("minilm", "tiny"), default="minilm",
                        help="the base model folder: MiniLM's bottom 3 layers (default) or a random tiny BERT")
    args = parser.parse_args(argv)
    written = write_example(resolve_root(args.root), args.out, args.max_train, args.max_test)
    write_model(args.out / "model", args.model)
    write_json(args.out / "README.json", {"written_by": "python -m boom data.own_example", "seed": SEED,
                                          "max_train": args.max_train, "max_test": args.max_test, "model": args.model})
    print(f"wrote {len(written)} data files and a {args.model} model folder under {args.out}; run: "
          "snakemake --cores all paper --configfile config/own_example.yaml")


if __name__ == "__main__":
    main()
