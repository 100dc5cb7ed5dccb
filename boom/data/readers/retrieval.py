"""Readers of the retrieval datasets: queries, a corpus, relevance judgements (and Quora's
duplicate-question pairs, which come from the same QA collection as WikiQA and TrecQA)."""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import zipfile
from pathlib import Path

from boom.data.forms import LoadReport, Pairs, Retrieval
from boom.data.manifest import DataError, checked_file

_SCIFACT_ZIP = "scifact/scifact_csv.zip"

# Abstracts are stored as numpy-style lists of sentences: ['first.' 'second.'] or with "…".
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", re.S)


def _join_sentences(cell: str) -> str:
    parts = [a or b for a, b in _QUOTED.findall(cell)]
    return " ".join(p.replace("\\'", "'").replace('\\"', '"').strip() for p in parts)


def read_scifact(root: Path, report: LoadReport) -> Retrieval:
    """SciFact: claims -> cited abstracts. Splits: train (claims_train), test (claims_validation,
    which is BEIR's test split). Claims repeat once per evidence row and are merged."""
    path = checked_file(root, _SCIFACT_ZIP)
    with zipfile.ZipFile(path) as zf:
        def rows(member):
            with zf.open(member) as fh:
                return list(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8")))

        corpus = {}
        for row in rows("corpus_train.csv"):
            text = _join_sentences(row["abstract"])
            if not text:
                raise DataError(f"{_SCIFACT_ZIP}: corpus_train.csv doc {row['doc_id']} has an unreadable abstract")
            corpus[row["doc_id"]] = f"{row['title'].strip()} {text}"
        queries, qrels = {}, {}
        for split, member in (("train", "claims_train.csv"), ("test", "claims_validation.csv")):
            queries[split], qrels[split] = {}, {}
            for row in rows(member):
                queries[split][row["id"]] = row["claim"].strip()
                for doc in re.findall(r"\d+", row["cited_doc_ids"]):
                    if doc in corpus:
                        qrels[split].setdefault(row["id"], {})[doc] = 1
                    else:
                        report.skip(f"{split}: cited document not in corpus")
    return Retrieval(corpus=corpus, queries=queries, qrels=qrels)


# ---------------------------------------------------------------- shared helpers


def _text(root: Path, dest: str) -> str:
    """A raw text file (sha256-checked), decoded as UTF-8; universal newlines (CRLF files too)."""
    return checked_file(root, dest).read_text(encoding="utf-8")


def _squash(text: str) -> str:
    """Collapse the line wrapping and runs of blanks of the classic collections into one space."""
    return " ".join(text.split())


def _drop_unanswered(split: str, queries: dict, qrels: dict, negatives: dict, report: LoadReport) -> None:
    """Remove the queries of `split` that have no relevant document, counting each one."""
    for qid in list(queries):
        if not qrels.get(qid):
            del queries[qid]
            qrels.pop(qid, None)
            negatives.pop(qid, None)
            report.skip(f"{split}: query without relevant document")


def _answer_selection(root: Path, report: LoadReport, dests: dict[str, str]) -> Retrieval:
    """WikiQA-style files: `question<TAB>sentence<TAB>label` (label 0/1), one line per candidate
    sentence. Queries are the distinct questions of a split, id f"{split}-{n}" with n the
    question's rank of first appearance in that file (dropped questions keep their number, so
    ids stay tied to the file). The corpus is every distinct sentence of the files read, id
    f"s{n}" in order of first appearance over the splits in train, dev, test order. Label-1
    sentences are the qrels, label-0 sentences the negatives (real hard negatives)."""
    corpus_ids: dict[str, str] = {}
    queries, qrels, negatives = {}, {}, {}
    for split, dest in dests.items():
        q_ids: dict[str, str] = {}
        seen: dict[tuple[str, str], str] = {}
        queries[split], qrels[split], negatives[split] = {}, {}, {}
        for line in _text(root, dest).splitlines():
            cols = line.split("\t")
            if len(cols) != 3:
                report.skip(f"{split}: line without exactly three tab-separated fields")
                continue
            question, sentence, label = (c.strip() for c in cols)
            if not question or not sentence or label not in ("0", "1"):
                report.skip(f"{split}: empty question or sentence, or label not 0/1")
                continue
            if (question, sentence) in seen:  # the first line wins
                if seen[question, sentence] == label:
                    report.skip(f"{split}: repeated question-sentence line")
                else:
                    report.skip(f"{split}: question-sentence line repeated with the other label")
                continue
            seen[question, sentence] = label
            qid = q_ids.setdefault(question, f"{split}-{len(q_ids)}")
            queries[split][qid] = question
            doc = corpus_ids.setdefault(sentence, f"s{len(corpus_ids)}")
            if label == "1":
                qrels[split].setdefault(qid, {})[doc] = 1
            else:
                negatives[split].setdefault(qid, []).append(doc)
        _drop_unanswered(split, queries[split], qrels[split], negatives[split], report)
    corpus = {doc: text for text, doc in corpus_ids.items()}
    return Retrieval(corpus=corpus, queries=queries, qrels=qrels, negatives=negatives)


# ---------------------------------------------------------------- WikiQA, TrecQA (answer selection)

_WIKIQA = {split: f"wikiqa/{split}.tsv" for split in ("train", "dev", "test")}
_TRECQA_TRAIN = "trecqa/train.tsv"


def read_wikiqa(root: Path, report: LoadReport) -> Retrieval:
    """WikiQA train / dev / test (2,118 / 296 / 633 questions). Questions with no correct
    sentence (most of them) are dropped and counted, leaving 873 / 126 / 243 queries. A few
    question-sentence lines repeat verbatim (same label): the repeats are counted and skipped.
    Question sets are disjoint across splits; some sentences occur in several splits (one
    shared corpus)."""
    return _answer_selection(root, report, _WIKIQA)


def read_trecqa(root: Path, report: LoadReport) -> Retrieval:
    """TrecQA, the clean TRAIN file only (as the data README advises): split `train`,
    93 questions of which 83 have a correct sentence."""
    return _answer_selection(root, report, {"train": _TRECQA_TRAIN})


# ---------------------------------------------------------------- Quora (duplicate questions)

_QUORA = {split: f"quora/{split}.tsv" for split in ("dev", "test")}


def read_quora(root: Path, report: LoadReport) -> Pairs:
    """Quora question pairs, BiMPM split: `q1<TAB>q2<TAB>label` (1 = duplicate), 10,000 pairs
    each in dev and test. Pair classification, so the Pairs form with int labels 0/1. Upstream
    keeps 7 pairs whose two questions are identical (2 of them labelled 0): kept as they are."""
    out = {}
    for split, dest in _QUORA.items():
        out[split] = []
        for line in _text(root, dest).splitlines():
            cols = line.split("\t")
            if len(cols) != 3:
                report.skip(f"{split}: line without exactly three tab-separated fields")
                continue
            q1, q2, label = (c.strip() for c in cols)
            if not q1 or not q2 or label not in ("0", "1"):
                report.skip(f"{split}: empty question or label not 0/1")
                continue
            out[split].append((q1, q2, int(label)))
    return Pairs(out)


# ---------------------------------------------------------------- SMART-format collections

_SMART_ID = re.compile(r"\.I\s+(\S+)\s*$")
_SMART_FIELD = re.compile(r"\.([A-Z])\s*$")


def _smart_records(text: str, dest: str) -> dict[str, dict[str, str]]:
    """Parse the classic `.I id` / `.T` / `.A` / `.W` ... format: record id -> {field letter:
    raw text}. A field repeated inside one record (Cranfield 240, 576, 578) is concatenated."""
    records: dict[str, dict[str, str]] = {}
    fields: dict[str, str] | None = None
    field = None
    for number, line in enumerate(text.splitlines(), 1):
        if m := _SMART_ID.match(line):
            if m.group(1) in records:
                raise DataError(f"{dest}: record .I {m.group(1)} appears twice (line {number})")
            fields = records[m.group(1)] = {}
            field = None
        elif m := _SMART_FIELD.match(line):
            if fields is None:
                raise DataError(f"{dest}: field .{m.group(1)} before the first .I line (line {number})")
            field = m.group(1)
            fields[field] = fields.get(field, "") + "\n"
        elif field is not None:
            fields[field] += line + "\n"
        elif line.strip():
            raise DataError(f"{dest}: text outside any field at line {number}")
    return records


def _smart_corpus(root: Path, dest: str, report: LoadReport) -> dict[str, str]:
    """Documents of a SMART-format collection: title `.T` + " " + text `.W`; empty ones are
    dropped and counted."""
    corpus = {}
    for doc, fields in _smart_records(_text(root, dest), dest).items():
        text = _squash(f"{fields.get('T', '')} {fields.get('W', '')}")
        if not text:
            report.skip("test: document without text")
            continue
        corpus[doc] = text
    return corpus


# ---------------------------------------------------------------- CISI

_CISI = ("cisi/CISI.ALL", "cisi/CISI.QRY", "cisi/CISI.REL")


def read_cisi(root: Path, report: LoadReport) -> Retrieval:
    """CISI: 1,460 documents (text = title + " " + abstract `.W`, line wrapping collapsed),
    112 queries (text = `.W`, preceded by the title `.T` for the 55 queries that have one; those
    are whole articles), qrels from CISI.REL (`qid docid 0 0.000000`: every listed pair is
    relevant; the third and fourth columns carry no grade). Split `test` only; the 36 queries
    without any qrels are dropped and counted, leaving 76."""
    all_, qry, rel = _CISI
    corpus = _smart_corpus(root, all_, report)
    queries = {}
    for qid, fields in _smart_records(_text(root, qry), qry).items():
        text = _squash(f"{fields.get('T', '')} {fields.get('W', '')}")
        if not text:
            report.skip("test: query without text")
            continue
        queries[qid] = text
    qrels: dict[str, dict[str, int]] = {}
    for line in _text(root, rel).splitlines():
        cols = line.split()
        if not cols:
            continue
        if len(cols) != 4 or not cols[0].isdigit() or not cols[1].isdigit():
            report.skip("test: malformed judgement line")
            continue
        qid, doc = cols[0], cols[1]
        if qid not in queries or doc not in corpus:
            report.skip("test: judgement for an unknown query or document")
            continue
        qrels.setdefault(qid, {})[doc] = 1
    _drop_unanswered("test", queries, qrels, {}, report)
    qrels = {qid: qrels[qid] for qid in queries}
    return Retrieval(corpus=corpus, queries={"test": queries}, qrels={"test": qrels})


# ---------------------------------------------------------------- Cranfield

_CRANFIELD = ("cranfield/cran.all.1400", "cranfield/cran.qry", "cranfield/cranqrel")


def read_cranfield(root: Path, report: LoadReport) -> Retrieval:
    """Cranfield: 1,400 documents (text = title + " " + body `.W`; the body usually repeats the
    title), 225 queries. Split `test` only.

    Query ids: cranqrel numbers the queries 1..225 in file order, while cran.qry's `.I` ids run
    001, 002, 004, ... 365; the query ids here are those sequential numbers ("1".."225"), the
    ones cranqrel uses. Relevance codes 1..4 (1 = complete answer, 4 = minimum interest) become
    5 - code (4 = most relevant). Code -1 (one per query) marks the query's source document, the
    paper the question was written from, which is not a judged answer: dropped and counted, not
    a negative. Documents 471 and 995 are empty upstream: dropped and counted, and so is the one
    judgement that points at one of them (query 125 -> 995)."""
    all_, qry, qrel = _CRANFIELD
    corpus = _smart_corpus(root, all_, report)
    records = _smart_records(_text(root, qry), qry)
    n_queries = len(records)
    queries = {}
    for number, fields in enumerate(records.values(), 1):
        text = _squash(fields.get("W", ""))
        if not text:
            report.skip("test: query without text")
            continue
        queries[str(number)] = text
    qrels: dict[str, dict[str, int]] = {}
    for line in _text(root, qrel).splitlines():
        cols = line.split()
        if not cols:
            continue
        if len(cols) != 3 or not all(re.fullmatch(r"-?\d+", c) for c in cols):
            report.skip("test: malformed judgement line")
            continue
        qid, doc, code = cols[0], cols[1], int(cols[2])
        if int(qid) > n_queries or int(qid) < 1:
            raise DataError(
                f"{qrel}: query number {qid} beyond the {n_queries} queries of {qry}: the files do "
                "not belong together"
            )
        if code == -1:
            report.skip("test: judgement code -1 (the query's source document)")
            continue
        if code not in (1, 2, 3, 4):
            report.skip("test: unknown relevance code")
            continue
        if qid not in queries or doc not in corpus:
            report.skip("test: relevant document or query not in the collection")
            continue
        grades = qrels.setdefault(qid, {})
        grades[doc] = max(grades.get(doc, 0), 5 - code)
    _drop_unanswered("test", queries, qrels, {}, report)
    qrels = {qid: qrels[qid] for qid in queries}
    return Retrieval(corpus=corpus, queries={"test": queries}, qrels={"test": qrels})


# ---------------------------------------------------------------- Climate-FEVER

_CLIMATEFEVER_ZIP = "climatefever/climate_fever.zip"
_CLIMATEFEVER_MEMBER = "climate-fever.jsonl"


def _evidence_list(value):
    """`evidences` as a list: already one in the jsonl member; a stringified list is parsed as
    JSON, then as a Python literal. None when it cannot be read."""
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        for parse in (json.loads, ast.literal_eval):
            try:
                parsed = parse(value)
            except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
                continue
            if isinstance(parsed, list):
                return parsed
    return None


def read_climatefever(root: Path, report: LoadReport) -> Retrieval:
    """Climate-FEVER (climate-fever.jsonl in the zip; the .json and .csv members hold the same
    claims): 1,535 claims with 5 evidence sentences each (7,675 evidence rows). Split `test`.

    Choices: the corpus is every distinct evidence sentence, keyed by its `evidence_id`
    ("<Wikipedia article>:<sentence number>"; 5,240 distinct ids, each always with the same
    sentence), text = the sentence alone. A claim's qrels are its evidences whose majority label
    `evidence_label` is SUPPORTS or REFUTES (relevance 1, whatever the direction); its
    NOT_ENOUGH_INFO evidences are the negatives (judged by annotators as no evidence for the
    claim). The 474 claims with no SUPPORTS/REFUTES evidence are dropped and counted, leaving
    1,061 queries. Query id = `claim_id`."""
    path = checked_file(root, _CLIMATEFEVER_ZIP)
    with zipfile.ZipFile(path) as zf:
        try:
            lines = zf.read(_CLIMATEFEVER_MEMBER).decode("utf-8").splitlines()
        except KeyError:
            raise DataError(f"{_CLIMATEFEVER_ZIP} has no member {_CLIMATEFEVER_MEMBER}") from None
    corpus: dict[str, str] = {}
    queries, qrels, negatives = {}, {}, {}
    for line in lines:
        if not line.strip():
            continue
        try:
            claim = json.loads(line)
            qid, text = str(claim["claim_id"]), claim["claim"].strip()
            evidences = _evidence_list(claim["evidences"])
        except (ValueError, KeyError, TypeError, AttributeError):
            report.skip("test: unreadable claim line")
            continue
        if evidences is None:
            report.skip("test: unparsable evidences list")
            continue
        if not text or qid in queries:
            report.skip("test: empty or repeated claim")
            continue
        queries[qid] = text
        for ev in evidences:
            try:
                doc, sentence, label = str(ev["evidence_id"]), ev["evidence"].strip(), ev["evidence_label"]
            except (KeyError, TypeError, AttributeError):
                report.skip("test: malformed evidence entry")
                continue
            if not sentence or label not in ("SUPPORTS", "REFUTES", "NOT_ENOUGH_INFO"):
                report.skip("test: evidence without text or with an unknown label")
                continue
            if corpus.setdefault(doc, sentence) != sentence:
                raise DataError(f"{_CLIMATEFEVER_ZIP}: evidence id {doc!r} carries two different sentences")
            if label == "NOT_ENOUGH_INFO":
                if doc not in negatives.setdefault(qid, []):
                    negatives[qid].append(doc)
            else:
                qrels.setdefault(qid, {})[doc] = 1
    _drop_unanswered("test", queries, qrels, negatives, report)
    return Retrieval(corpus=corpus, queries={"test": queries}, qrels={"test": qrels}, negatives={"test": negatives})


# ---------------------------------------------------------------- CoSQA (code retrieval)

_COSQA_MAP = "cosqa/code_idx_map.txt"
_COSQA = {split: f"cosqa/cosqa-retrieval-{split}-500.json" for split in ("dev", "test")}


def read_cosqa(root: Path, report: LoadReport) -> Retrieval:
    """CoSQA retrieval (CoCLR release). code_idx_map.txt is one JSON object {code: idx} over
    6,267 snippets (idx 0..6266): the corpus, doc id = str(idx), in idx order. Each split file is
    a JSON list of 500 queries (`idx` = query id, `doc` = query text, `retrieval_idx` = the code's
    idx, `label` 1 = the code answers the query; a label-0 code would be a negative). Splits dev
    and test; their queries are disjoint, but 70 code snippets are the answer to queries of both."""
    pairs = json.loads(_text(root, _COSQA_MAP), object_pairs_hook=list)
    corpus: dict[str, str] = {}
    code_of: dict[int, str] = {}
    for code, idx in pairs:
        if not isinstance(idx, int) or idx in code_of:
            raise DataError(f"{_COSQA_MAP}: code index {idx!r} is not an integer or appears twice")
        code_of[idx] = code
    for idx in sorted(code_of):
        if code_of[idx].strip():
            corpus[str(idx)] = code_of[idx].strip()
        else:
            report.skip("corpus: empty code snippet")
    queries, qrels, negatives = {}, {}, {}
    for split, dest in _COSQA.items():
        queries[split], qrels[split], negatives[split] = {}, {}, {}
        for row in json.loads(_text(root, dest)):
            try:
                qid, text, idx, label = str(row["idx"]), row["doc"].strip(), row["retrieval_idx"], row["label"]
            except (KeyError, TypeError, AttributeError):
                report.skip(f"{split}: malformed query record")
                continue
            if not text or label not in (0, 1):
                report.skip(f"{split}: empty query or label not 0/1")
                continue
            if str(idx) not in corpus:
                report.skip(f"{split}: code idx not in corpus")
                continue
            if isinstance(row.get("code"), str) and row["code"] != code_of[idx]:
                raise DataError(f"{dest}: query {qid}'s code differs from snippet {idx} of {_COSQA_MAP}")
            queries[split][qid] = text
            if label == 1:
                qrels[split].setdefault(qid, {})[str(idx)] = 1
            else:
                negatives[split].setdefault(qid, []).append(str(idx))
        _drop_unanswered(split, queries[split], qrels[split], negatives[split], report)
    negatives = {split: negs for split, negs in negatives.items() if negs}
    return Retrieval(corpus=corpus, queries=queries, qrels=qrels, negatives=negatives)


READERS = {
    "scifact": (read_scifact, (_SCIFACT_ZIP,)),
    "wikiqa": (read_wikiqa, tuple(_WIKIQA.values())),
    "trecqa": (read_trecqa, (_TRECQA_TRAIN,)),
    "quora": (read_quora, tuple(_QUORA.values())),
    "cisi": (read_cisi, _CISI),
    "cranfield": (read_cranfield, _CRANFIELD),
    "climatefever": (read_climatefever, (_CLIMATEFEVER_ZIP,)),
    "cosqa": (read_cosqa, (_COSQA_MAP, *_COSQA.values())),
}
