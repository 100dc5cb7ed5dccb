"""Training examples in one normalised form, as the paper trains:

    {"query": str, "positive": str, "negatives": [str] * k, "instruction": str}

built per task type from a parsed dataset's training split:
- retrieval / reranking: each (query, relevant document); negatives are the data's own judged
  non-relevant documents where it has them (WikiQA, TrecQA), topped up with mined ones;
- nli: (premise, entailed hypothesis, contradicted hypothesis), topped up with mined ones;
- sts: pairs scored at least 80% of the scale's top (4 of 5) as (text, similar text);
- pair_classification: label-1 pairs (paraphrase / duplicate); the first text's label-0
  partners serve as negatives, topped up with mined ones;
- classification / clustering (bge style): (text, its label's name), negatives are other label
  names of the same dataset; no in-batch negatives for these (DatasetSource.in_batch_negatives).

Mined negatives are lexical: the texts most similar by TF-IDF cosine among the dataset's own
candidates, excluding the positives, chosen with a fixed seed among the top MINE_DEPTH.

Decontamination: no evaluation item is trained on. After normalisation (lower case,
alphanumerics only), an item of a training split is dropped (and counted) when it contains a
query or labelled text of any dataset's evaluation split, any document of an out-of-domain or
new-domain corpus, or when it is, as an unordered pair, a pair of any evaluation split (STS,
pair classification, NLI items are pairs). Held-out documents are never negatives either.
Upstream sets overlap more than one would think: STS-B's train split holds a third of the
STS12-16 test pairs, MRPC holds STS12's MSRpar pairs, SICK repeats 81 test pairs in train.
"""

from __future__ import annotations

import functools
import random
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from boom.data.forms import Labelled, LoadReport, Pairs, Retrieval
from boom.data.manifest import DataError
from boom.data.sources import SOURCES, sts_scale

MINE_DEPTH = 30  # mined negatives are drawn from the top MINE_DEPTH lexical neighbours
STS_POSITIVE = 0.8  # an STS pair is a positive when its score is at least this share of the top


def normalise(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


@dataclass(frozen=True)
class HeldOut:
    """Evaluation material no training example may contain: single texts (retrieval queries,
    labelled texts, out-of-domain documents) and unordered text pairs (STS, pair classification
    and NLI items, whose unit of evaluation is the pair). All normalised."""

    texts: frozenset[str] = frozenset()
    pairs: frozenset[frozenset[str]] = frozenset()

    def __or__(self, other: "HeldOut") -> "HeldOut":
        return HeldOut(self.texts | other.texts, self.pairs | other.pairs)

    def clean(self, *texts: str) -> bool:
        norm = [normalise(t) for t in texts]
        return not any(t in self.texts for t in norm) and (len(norm) != 2 or frozenset(norm) not in self.pairs)


@functools.lru_cache(maxsize=None)
def evaluation_items(root: Path, name: str, with_corpus: bool) -> HeldOut:
    """The held-out material of one dataset's evaluation split; with `with_corpus`, also the whole
    corpus of a dataset that is not in-domain (its documents are evaluation material too)."""
    source = SOURCES[name]
    split = source.eval_split
    if split is None:
        return HeldOut()
    form = source.read_eval(root)
    if isinstance(form, Retrieval):
        texts = list(form.queries.get(split, {}).values())
        if with_corpus and source.role != "in_domain":
            texts += list(form.corpus.values())
        return HeldOut(texts=frozenset(normalise(t) for t in texts))
    if isinstance(form, Pairs):
        return HeldOut(pairs=frozenset(frozenset((normalise(a), normalise(b))) for a, b, _ in form.pairs.get(split, [])))
    return HeldOut(texts=frozenset(normalise(t) for t, _ in form.texts.get(split, [])))


def held_out_for(root: Path, name: str) -> HeldOut:
    """Everything no training example of dataset `name` may contain (see the module docstring);
    its own corpus is shared between its splits by design (as in BEIR), so it is not held out."""
    out = HeldOut()
    for other in SOURCES:
        out = out | evaluation_items(root, other, with_corpus=other != name)
    return out


class Miner:
    """Lexical hard-negative miner over a fixed pool of candidate texts (TF-IDF cosine)."""

    def __init__(self, pool: list[str], seed: int, held_out: HeldOut = HeldOut()):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.pool = pool
        self.vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
        self.matrix = self.vectorizer.fit_transform(pool)
        self.rng = random.Random(seed)
        self.held_out = held_out

    def negatives(self, queries: list[str], exclude: list[set[str]], k: int) -> list[list[str]]:
        import numpy as np

        out = []
        scores = (self.vectorizer.transform(queries) @ self.matrix.T).toarray() if queries else []
        for row, query, banned in zip(scores, queries, exclude):
            top = np.argsort(-row, kind="stable")[: 2 * MINE_DEPTH + len(banned) + 1]
            cands = [self.pool[i] for i in top if self.pool[i] not in banned and self.pool[i] != query]
            cands = [c for c in cands if self.held_out.clean(query, c)][:MINE_DEPTH]
            if len(cands) < k:
                raise DataError(f"cannot mine {k} negatives for query {query[:60]!r}: too few candidates")
            out.append(self.rng.sample(cands, k))
        return out


def _topped_up(own: list[list[str]], queries: list[str], positives: list[set[str]], k: int,
               miner_pool: list[str], seed: int, held_out: HeldOut) -> list[list[str]]:
    """Each example's own negatives (at most k), topped up to k with mined ones; a negative that
    would make (query, negative) an evaluation pair is never used."""
    rng = random.Random(seed)
    own = [[n for n in o if held_out.clean(q, n)] for o, q in zip(own, queries)]
    result = [rng.sample(o, min(k, len(o))) if len(o) > k else list(o) for o in own]
    need = [i for i, r in enumerate(result) if len(r) < k]
    if need:
        miner = Miner(miner_pool, seed, held_out)
        for i, extra in zip(need, _mine_each(miner, queries, positives, result, k, need)):
            result[i] += extra
    return result


def _mine_each(miner, queries, positives, result, k, need):
    for start in range(0, len(need), 512):
        batch = need[start : start + 512]
        mined = miner.negatives([queries[i] for i in batch],
                                [positives[i] | set(result[i]) for i in batch],
                                k=max(k - len(result[i]) for i in batch))
        for i, m in zip(batch, mined):
            yield m[: k - len(result[i])]


def build_examples(name: str, root: Path, k: int, seed: int = 0) -> tuple[list[dict], LoadReport]:
    """All training examples of one dataset with k hard negatives each, and the reader's report."""
    source = SOURCES[name]
    if not source.trainable:
        raise DataError(f"dataset {name} has no training split (its role is {source.role})")
    report = LoadReport()
    form = source.read_train(root, report)
    split = source.train_split
    held_out = held_out_for(root, name)
    form = _decontaminated(form, split, held_out, report)
    if isinstance(form, Retrieval):
        rows = _retrieval_rows(form, split, report, name, root)
        queries = [q for q, _, _ in rows]
        positives = [{form.corpus[d] for d in form.qrels[split][qid]} for _, _, qid in rows]
        own = [[form.corpus[d] for d in form.negatives.get(split, {}).get(qid, [])] for _, _, qid in rows]
        negs = _topped_up(own, queries, positives, k, sorted(set(form.corpus.values())), seed, held_out)
        examples = [{"query": q, "positive": p, "negatives": n} for (q, p, _), n in zip(rows, negs)]
    elif isinstance(form, Pairs) and source.task_type == "nli":
        examples = _nli_examples(form.pairs.get(split, []), k, seed, held_out)
    elif isinstance(form, Pairs):
        examples = _pair_examples(form.pairs.get(split, []), source.task_type, name, k, seed, held_out)
    elif isinstance(form, Labelled):
        examples = _label_examples(form.texts.get(split, []), k, seed)
    else:  # pragma: no cover - the registry only holds the three forms
        raise TypeError(type(form))
    if not examples:
        skipped = "; ".join(f"{n} {why}" for why, n in sorted(report.skipped.items())) or "none skipped"
        raise DataError(f"dataset {name} produced no training examples from its {split} split ({skipped}): every "
                        "evaluation split boom knows is held out of training, so data sampled from one cannot train")
    for ex in examples:
        ex["instruction"] = source.instruction
    return examples, report


def _decontaminated(form, split: str, held_out: HeldOut, report: LoadReport):
    """The form with its training split stripped of every item that contains held-out material
    (counted in the report); the corpus loses held-out documents, so none is a positive or a
    negative."""
    reason = f"{split}: shares a text with an evaluation split"
    if isinstance(form, Retrieval):
        corpus = {d: t for d, t in form.corpus.items() if held_out.clean(t)}
        queries, qrels, negatives = dict(form.queries), dict(form.qrels), dict(form.negatives)
        kept_q, kept_r, kept_n = {}, {}, {}
        for qid, text in form.queries.get(split, {}).items():
            docs = {d: r for d, r in form.qrels.get(split, {}).get(qid, {}).items()
                    if d in corpus and held_out.clean(text, corpus[d])}
            if not held_out.clean(text) or not docs:
                if form.qrels.get(split, {}).get(qid):
                    report.skip(reason)
                continue
            kept_q[qid], kept_r[qid] = text, docs
            kept_n[qid] = [d for d in form.negatives.get(split, {}).get(qid, []) if d in corpus]
        queries[split], qrels[split], negatives[split] = kept_q, kept_r, kept_n
        return Retrieval(corpus=corpus, queries=queries, qrels=qrels, negatives=negatives)
    if isinstance(form, Pairs):
        rows = form.pairs.get(split, [])
        kept = [p for p in rows if held_out.clean(p[0], p[1])]
        if len(kept) < len(rows):
            report.skip(reason, len(rows) - len(kept))
        return Pairs({**form.pairs, split: kept})
    rows = form.texts.get(split, [])
    kept = [t for t in rows if held_out.clean(t[0])]
    if len(kept) < len(rows):
        report.skip(reason, len(rows) - len(kept))
    return Labelled({**form.texts, split: kept})


def _retrieval_rows(form: Retrieval, split: str, report: LoadReport, name: str, root: Path):
    """(query text, positive text, qid) for every relevant pair of the (decontaminated) training split."""
    rows = []
    for qid, docs in form.qrels.get(split, {}).items():
        rows.extend((form.queries[split][qid], form.corpus[d], qid) for d in sorted(docs))
    return rows


def _nli_examples(pairs: list[tuple], k: int, seed: int, held_out: HeldOut) -> list[dict]:
    by_premise: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for premise, hyp, label in pairs:
        by_premise[premise][label].append(hyp)
    triplets = [(p, pos, neg) for p, h in by_premise.items() for pos, neg in zip(h["entailment"], h["contradiction"])]
    queries = [t[0] for t in triplets]
    pool = sorted({h for _, hyp, _ in pairs for h in [hyp]})
    negs = _topped_up([[t[2]] for t in triplets], queries, [{t[1]} for t in triplets], k, pool, seed, held_out)
    return [{"query": q, "positive": pos, "negatives": n} for (q, pos, _), n in zip(triplets, negs)]


def _pair_examples(pairs: list[tuple], task_type: str, name: str, k: int, seed: int,
                   held_out: HeldOut) -> list[dict]:
    if task_type == "sts":
        low, top = sts_scale(name)
        threshold = low + STS_POSITIVE * (top - low)
        positive = [(a, b) for a, b, score in pairs if score >= threshold]
        own: dict[str, list[str]] = {}
    else:
        positive = [(a, b) for a, b, label in pairs if label == 1]
        own = defaultdict(list)
        for a, b, label in pairs:
            if label == 0:
                own[a].append(b)
    pool = sorted({t for a, b, _ in pairs for t in (a, b)})
    queries = [a for a, _ in positive]
    negs = _topped_up([own.get(a, []) for a, _ in positive], queries, [{a, b} for a, b in positive], k, pool,
                      seed, held_out)
    return [{"query": a, "positive": b, "negatives": n} for (a, b), n in zip(positive, negs)]


def _label_examples(texts: list[tuple[str, str]], k: int, seed: int) -> list[dict]:
    """A binary set has one other label: it gets min(k, labels - 1) negatives, the same for all
    of its examples (batches hold one dataset each, so column counts may differ across sets)."""
    labels = sorted({label for _, label in texts})
    k = min(k, len(labels) - 1)
    rng = random.Random(seed)
    return [{"query": text, "positive": label, "negatives": rng.sample([x for x in labels if x != label], k)}
            for text, label in texts]


def capped(examples: list[dict], max_examples: int, seed: int = 0) -> list[dict]:
    """At most max_examples, sampled without replacement with `seed`, in source order."""
    if len(examples) <= max_examples:
        return examples
    keep = sorted(random.Random(seed).sample(range(len(examples)), max_examples))
    return [examples[i] for i in keep]
