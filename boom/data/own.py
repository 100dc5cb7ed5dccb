"""Your own datasets, read from files: the config's `data.files` (docs/own-data.md).

An entry names a task type, a role, an instruction and its files; it becomes a source like the
mirror's (boom.data.sources), so the training examples, the decontamination, the mteb tasks and
their per-item records are the same code. The formats are the ones sentence-transformers and
BEIR users have already:

- training, pair task types (retrieval, reranking, nli, sts, pair_classification): JSON lines
  `{"anchor": str, "positive": str, "negatives": [str]}` (`negatives`, or one `negative`, optional:
  what an example lacks is mined, as for the mirror's data);
- training or testing, classification and clustering: `{"text": str, "label": str | int}`;
- testing, sts: `{"sentence1": str, "sentence2": str, "score": number}` (in `scale`, default 0-5);
  pair_classification: `{"sentence1", "sentence2", "label": 0 | 1}`; nli: `label` entailment,
  neutral or contradiction (pair classification of entailment against contradiction);
- testing, retrieval and reranking: BEIR's three files, `corpus` (`{"_id", "text", "title"?}`),
  `queries` (`{"_id", "text"}`) and `qrels` (TSV, header `query-id corpus-id score`; score > 0 is
  relevant, 0 a judged non-relevant candidate, which reranking needs).

A malformed line is refused by one line naming the file, its line number and the fix: a guess
at what a user's line meant would train or score something else. Files are read when the
workflow is parsed (checked, and their sha256s named in every recipe), before anything runs.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from boom.data.forms import Form, Labelled, LoadReport, Pairs, Retrieval
from boom.data.sources import MIRROR, SOURCES, DatasetSource
from boom.data.manifest import resolve_root, sha256_of
from boom.errors import ConfigError, DataError

# Bump when this module's reading of a file changes: it is in every recipe of an own dataset.
OWN_READER_VERSION = 1
PAIR_TRAINED = ("retrieval", "reranking", "nli", "sts", "pair_classification")
LABELLED = ("classification", "clustering")
NLI_LABELS = ("entailment", "neutral", "contradiction")
BEIR_PARTS = ("corpus", "queries", "qrels")


def eval_kind_of(task_type: str) -> str:
    """How a test file of a task type is scored: NLI as pair classification, as for SNLI."""
    return "pair_classification" if task_type == "nli" else task_type


def _err(path: Path, line: int, problem: str, fix: str) -> DataError:
    return DataError(f"{path}:{line}: {problem}; {fix}")


def _json_rows(path: Path, fields: dict[str, tuple], fix: str):
    """(line number, row) of a JSON-lines file whose rows hold `fields` (name -> accepted types;
    a name ending in ? may be absent). Blank lines are skipped; anything else malformed is refused."""
    if not path.is_file():
        raise DataError(f"{path}: no such file; fix the path in data.files (relative paths are read from the "
                        "repository root)")
    with path.open(encoding="utf-8") as fh:
        for number, text in enumerate(fh, 1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as exc:
                raise _err(path, number, f"not a JSON object ({exc.msg})", fix) from None
            if not isinstance(row, dict):
                raise _err(path, number, "not a JSON object", fix)
            for name, types in fields.items():
                key, optional = name.rstrip("?"), name.endswith("?")
                value = row.get(key)
                if value is None and optional:
                    continue
                if not isinstance(value, types) or isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
                    problem = f"no field {key!r}" if key not in row else f"field {key!r} is {value!r}"
                    raise _err(path, number, problem, fix)
            yield number, row


def _pair_training(path: Path) -> list[tuple[str, str, list[str]]]:
    fix = 'write one {"anchor": "...", "positive": "...", "negatives": ["..."]} object a line'
    rows = []
    for number, row in _json_rows(path, {"anchor": (str,), "positive": (str,), "negatives?": (list,),
                                         "negative?": (str,)}, fix):
        negatives = list(row.get("negatives") or []) + ([row["negative"]] if row.get("negative") else [])
        if not all(isinstance(n, str) and n.strip() for n in negatives):
            raise _err(path, number, "a negative is not a non-empty string", fix)
        rows.append((row["anchor"], row["positive"], negatives))
    return rows


def _labelled(path: Path) -> list[tuple[str, str]]:
    fix = 'write one {"text": "...", "label": "..."} object a line'
    return [(row["text"], str(row["label"])) for _, row in _json_rows(path, {"text": (str,), "label": (str, int)}, fix)]


def _scored_pairs(path: Path, task_type: str, scale: tuple[float, float]) -> list[tuple[str, str, object]]:
    if task_type == "sts":
        fix = (f'write one {{"sentence1": "...", "sentence2": "...", "score": <number>}} object a line, the score '
               f"between {scale[0]:g} and {scale[1]:g} (the entry's scale)")
        out = []
        for number, row in _json_rows(path, {"sentence1": (str,), "sentence2": (str,), "score": (int, float)}, fix):
            if not scale[0] <= row["score"] <= scale[1]:
                raise _err(path, number, f"score {row['score']} is outside {scale[0]:g}-{scale[1]:g}", fix)
            out.append((row["sentence1"], row["sentence2"], float(row["score"])))
        return out
    allowed = NLI_LABELS if task_type == "nli" else (0, 1)
    fix = f'write one {{"sentence1": "...", "sentence2": "...", "label": ...}} object a line, label one of {list(allowed)}'
    out = []
    for number, row in _json_rows(path, {"sentence1": (str,), "sentence2": (str,), "label": (str, int)}, fix):
        if row["label"] not in allowed:
            raise _err(path, number, f"label {row['label']!r} is not one of {list(allowed)}", fix)
        out.append((row["sentence1"], row["sentence2"], row["label"]))
    return out


def _beir(paths: dict[str, Path]) -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, int]], dict[str, list[str]]]:
    """BEIR's corpus, queries and qrels: (corpus, queries, relevant, judged non-relevant)."""
    corpus, queries = {}, {}
    for part, store in (("corpus", corpus), ("queries", queries)):
        title = ', "title": "..."' if part == "corpus" else ""
        fix = f'write one {{"_id": "...", "text": "..."{title}}} object a line'
        for number, row in _json_rows(paths[part], {"_id": (str, int), "text": (str,), "title?": (str,)}, fix):
            key = str(row["_id"])
            if key in store:
                raise _err(paths[part], number, f"_id {key!r} appears twice", "give every line its own _id")
            store[key] = f"{row['title'].strip()} {row['text']}".strip() if row.get("title") else row["text"]
    qrels: dict[str, dict[str, int]] = {}
    judged: dict[str, list[str]] = {}
    path = paths["qrels"]
    if not path.is_file():
        raise DataError(f"{path}: no such file; fix the path in data.files")
    fix = "write a header 'query-id<TAB>corpus-id<TAB>score', then one judgement a line (score an integer >= 0)"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t")
        for number, row in enumerate(reader, 1):
            if number == 1:
                if [c.strip() for c in row] != ["query-id", "corpus-id", "score"]:
                    raise _err(path, 1, f"header {row!r} is not query-id, corpus-id, score", fix)
                continue
            if not row or not "".join(row).strip():
                continue
            if len(row) != 3 or not row[2].strip().isdigit():
                raise _err(path, number, f"{row!r} is not a query id, a corpus id and an integer score", fix)
            qid, doc, score = row[0].strip(), row[1].strip(), int(row[2])
            for key, store, part in ((qid, queries, "queries"), (doc, corpus, "corpus")):
                if key not in store:
                    raise _err(path, number, f"id {key!r} is not in the {part} file {paths[part]}",
                               "judge only ids the corpus and queries files hold")
            if score > 0:
                qrels.setdefault(qid, {})[doc] = score
            else:
                judged.setdefault(qid, []).append(doc)
    if not qrels:
        raise DataError(f"{path}: no judgement with a score above 0; a retrieval test needs relevant documents")
    return corpus, queries, qrels, judged


def read_train(task_type: str, path: Path) -> Form:
    """A training file as the `train` split of a form: texts with labels, or the anchors as
    queries against a corpus of their positives and negatives (whatever the task type: the
    example builders turn each (anchor, positive) back into one example)."""
    if task_type in LABELLED:
        return Labelled({"train": _labelled(path)})
    form = Retrieval(corpus={}, queries={}, qrels={}, negatives={})
    _add_training(form, _pair_training(path))
    return form


def read_test(task_type: str, parts: dict[str, Path], scale: tuple[float, float]) -> Form:
    """Test files as the `test` split of the form their task type is scored on."""
    if task_type in LABELLED:
        return Labelled({"test": _labelled(parts["test"])})
    if task_type in ("retrieval", "reranking"):
        corpus, queries, qrels, judged = _beir(parts)
        return Retrieval(corpus=corpus, queries={"test": queries}, qrels={"test": qrels}, negatives={"test": judged})
    return Pairs({"test": _scored_pairs(parts["test"], task_type, scale)})


def _add_training(form: Retrieval, rows) -> None:
    """Anchor/positive/negatives rows as the form's `train` split: one query per distinct anchor,
    one document per distinct text."""
    ids: dict[str, str] = {}

    def doc(text: str) -> str:
        if text not in ids:
            ids[text] = f"d{len(ids)}"
            form.corpus[ids[text]] = text
        return ids[text]

    queries, qrels, negatives = {}, {}, {}
    by_anchor: dict[str, str] = {}
    for anchor, positive, negs in rows:
        qid = by_anchor.setdefault(anchor, f"q{len(by_anchor)}")
        queries[qid] = anchor
        qrels.setdefault(qid, {})[doc(positive)] = 1
        negatives.setdefault(qid, []).extend(doc(n) for n in negs)
    form.queries["train"], form.qrels["train"], form.negatives["train"] = queries, qrels, negatives


def check_entry(name: str, entry: dict) -> None:
    """What the schema cannot say of a `data.files` entry: its files fit its task type and role."""
    where = f"config key data.files.{name}"
    task_type, test = entry["task_type"], entry.get("test")
    if test is not None and (task_type in ("retrieval", "reranking")) != isinstance(test, dict):
        raise ConfigError(f"{where}.test: a {task_type} test is "
                          + ("BEIR's three files: {corpus: ..., queries: ..., qrels: ...}" if task_type in ("retrieval", "reranking")
                             else "one JSON-lines file (a path)"))
    if entry["role"] == "out_of_domain" and entry.get("train"):
        raise ConfigError(f"{where}.train: an out_of_domain dataset is never trained on; remove its train file "
                          "(or give it the role in_domain or new_domain)")
    if entry["role"] != "out_of_domain" and not entry.get("train"):
        raise ConfigError(f"{where}: a dataset of role {entry['role']} is trained on: name its training file in train")
    if entry["role"] == "out_of_domain" and test is None:
        raise ConfigError(f"{where}: an out_of_domain dataset is only evaluated: name its test file(s) in test")
    if "scale" in entry and task_type != "sts":
        raise ConfigError(f"{where}.scale: the gold-score range of an sts test; remove it from a {task_type} dataset")
    if "scale" in entry and entry["scale"][0] >= entry["scale"][1]:
        raise ConfigError(f"{where}.scale = {entry['scale']}: give [low, high] with low < high")


@functools.lru_cache(maxsize=None)
def _sha256(path: Path, mtime_ns: int, size: int) -> str:
    return sha256_of(path)


def file_sha256(path_text: str) -> str:
    path = resolve_root(path_text)
    if not path.is_file():
        raise DataError(f"{path}: no such file; fix the path in data.files (relative paths are read from the "
                        "repository root)")
    stat = path.stat()
    return _sha256(path, stat.st_mtime_ns, stat.st_size)


@dataclass(frozen=True)
class OwnSource(DatasetSource):
    """A `data.files` entry as a source: its training file (split `train`) and its test file(s)
    (split `test`), read from where the config says, named by their sha256s."""

    train_path: str | None = None
    test_paths: tuple[tuple[str, str], ...] = ()  # (part, path): ("test", p), or BEIR's three parts
    score_range: tuple[float, float] = (0.0, 5.0)

    @property
    def files(self) -> tuple[str, ...]:
        return ((self.train_path,) if self.train_path else ()) + tuple(p for _, p in self.test_paths)

    def sha256s(self, root: Path | None = None) -> dict[str, str]:
        return {path: file_sha256(path) for path in self.files}

    def read_train(self, root: Path, report: LoadReport | None = None) -> Form:
        return read_train(self.task_type, resolve_root(self.train_path))

    def read_eval(self, root: Path) -> Form:
        form = read_test(self.task_type, {part: resolve_root(p) for part, p in self.test_paths}, self.score_range)
        if isinstance(form, Labelled) and self.train_path:  # a classifier's training texts, as the mirror's
            form.texts["train"] = _labelled(resolve_root(self.train_path))
        return form

    def read(self, root: Path, report: LoadReport | None = None) -> Form:
        raise TypeError(f"{self.name} is read as two forms: read_train and read_eval")


def own_sources(data: dict) -> dict[str, OwnSource]:
    """The config's `data.files` entries as sources (checked, files not read yet)."""
    sources = {}
    for name, entry in (data.get("files") or {}).items():
        if name in MIRROR:
            raise ConfigError(f"config key data.files.{name}: the data mirror has a dataset of this name; give "
                              f"yours a name of its own (e.g. my_{name})")
        check_entry(name, entry)
        test = entry.get("test")
        parts = () if test is None else (("test", test),) if isinstance(test, str) else tuple((p, test[p]) for p in BEIR_PARTS)
        task_type = entry["task_type"]
        sources[name] = OwnSource(
            name, entry.get("title", name), task_type, entry.get("licence", "your own data"), entry.get("domain", "your own"),
            entry["role"], "train" if entry.get("train") else None, "test" if test else None,
            eval_kind_of(task_type) if test else None, entry["instruction"], version=OWN_READER_VERSION,
            train_path=entry.get("train"), test_paths=parts, score_range=tuple(entry.get("scale", (0.0, 5.0))))
    return sources


def register_own(data: dict) -> None:
    """Add the config's own datasets to SOURCES (as boom.data.sources.register_hub does for the
    Hub's), after the schema check: recipes, schedules, checks and tasks then treat them as any
    other dataset."""
    sources = own_sources(data)
    for name in sources:
        if name in SOURCES and not isinstance(SOURCES[name], OwnSource):
            raise ConfigError(f"config key data.files.{name}: a dataset of this name exists already (train.hub); "
                              "give yours a name of its own")
    SOURCES.update(sources)


def check_files(data: dict) -> None:
    """Read every own file once, when the workflow is parsed: a malformed line stops the run
    before anything is written (DataError naming file:line)."""
    for source in own_sources(data).values():
        if source.train_path:
            source.read_train(Path("."))
        if source.test_paths:
            source.read_eval(Path("."))


def held_out_digest(data: dict) -> str | None:
    """One sha256 over the test files of the config's own datasets (`data`: its data section), or
    None without any: every training set is decontaminated against them, so they are part of each
    training recipe."""
    shas = sorted(f"{part} {file_sha256(path)}" for s in own_sources(data).values() for part, path in s.test_paths)
    return hashlib.sha256("\n".join(shas).encode()).hexdigest() if shas else None


def add_own_data_argument(parser) -> None:
    """`--own-data`: the config's data.files as JSON, for a stage that reads datasets (the
    workflow passes it to every job that prepares or evaluates one)."""
    parser.add_argument("--own-data", default="{}", type=_own_data_arg,
                        help="JSON: the config's data.files (your own datasets), registered before anything is read")


def _own_data_arg(text: str) -> dict:
    try:
        files = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"--own-data is not JSON ({exc})") from None
    register_own({"files": files})
    return files
