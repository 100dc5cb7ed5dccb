"""An mteb encoder that encodes each distinct text once per model, in length-sorted batches.

mteb hands a model one task at a time, and inside a task one column at a time: STS and pair
tasks encode their two sides separately although sentences repeat, and tasks that share a
corpus encode it again. `CachedEncoder` wraps a SentenceTransformer as mteb's own
`SentenceTransformerEncoderWrapper` does (same prompts, same `encode_query` / `encode_document`
/ `encode` choice, same outputs: float32 numpy), and keeps an in-memory store of
(prompt type, prompt, text) -> embedding, so a text is encoded once per model and per input
form: a query carrying an instruction never shares an embedding with a document. Unseen texts
are sorted by token length before batching, so a batch holds texts of similar length and little
padding. Padding does not change an embedding beyond float rounding (attention masks; a test
checks 1e-6), so scores equal plain `mteb.evaluate` on the same model.

Decoder models of the paper put an instruction on queries: with `query_instruction`, every input
that is not a document (retrieval queries and both sides of symmetric tasks, as mteb's Qwen3
instruction template does) is prefixed with `models.QUERY_PROMPT` around the task's instruction
(mteb's: the task metadata's `prompt`, else its task type's default).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch
from mteb.models.sentence_transformer_wrapper import (
    SentenceTransformerEncoderWrapper,
    _resolve_prompt,
    _select_encode_function,
)
from mteb.types import PromptType
from tqdm.auto import tqdm

from boom import models

log = logging.getLogger("boom.encoding")

# Bump when a change here or in boom.data.tasks changes scores for the same model and task
# data: it is part of every model's mteb revision, so mteb's result cache never hands back a
# score computed by older code.
EVAL_VERSION = 1
# Above this many bytes of stored embeddings (and texts), the store is emptied before the next
# call: at paper scale a whole suite's corpora would not fit in memory.
MAX_STORE_BYTES = 4 << 30
# Encoding precision (evaluation.precision): float32, or bfloat16 autocast (on CPUs with AMX /
# AVX512-BF16, 2.2-2.7x faster encoding here: benchmarks/precision_speed.py; cosine to the float32 embedding >= 0.9999).
PRECISIONS = ("fp32", "bf16")


# Files of a model folder that change no embedding: sentence-transformers' model card, which
# records the training's wall time, so that two runs' bit-identical weights had two revisions.
NOT_FINGERPRINTED = ("README.md",)


def fingerprint(model_dir: Path, **settings: Any) -> str:
    """A short hash of every file of a model folder (but its model card) and the settings that
    change its embeddings: the model's mteb revision, so a cached score is only ever reused for the
    same weights, and the same weights give the same revision in any run."""
    digest = hashlib.sha256(repr(sorted(settings.items())).encode())
    for path in sorted(p for p in Path(model_dir).rglob("*") if p.is_file() and p.name not in NOT_FINGERPRINTED):
        digest.update(str(path.relative_to(model_dir)).encode())
        with path.open("rb") as f:
            digest.update(hashlib.file_digest(f, "sha256").digest())
    return digest.hexdigest()[:16]


class CachedEncoder(SentenceTransformerEncoderWrapper):
    """mteb's SentenceTransformer wrapper with an embedding store and length-sorted batches.

    `name` (boom's `boom/<model id>`) and `revision` become the model's mteb name and revision:
    a local model has neither, and mteb would file every local model's results under one name.
    """

    def __init__(self, model, name: str, revision: str | None = None, query_instruction: bool = False,
                 precision: str = "fp32"):
        super().__init__(model)
        if precision not in PRECISIONS:
            raise ValueError(f"precision {precision!r} is not one of {PRECISIONS}")
        self.precision = precision
        self.mteb_model_meta = self.mteb_model_meta.model_copy(update={"name": name, "revision": revision})
        # AbsEncoder formats the task's instruction with it (get_task_instruction)
        self.instruction_template = models.QUERY_PROMPT if query_instruction else None
        self._store: dict[tuple, np.ndarray] = {}
        self._store_bytes = 0
        self.requested = 0  # texts asked for
        self.encoded = 0  # texts actually run through the model
        # torch's thread count for encoding; mteb's scoring may run with fewer (boom.evaluate)
        self.threads = torch.get_num_threads()

    def prompt_for(self, task_metadata, prompt_type: PromptType | None) -> str | None:
        """The prompt prefixed to every input of this call (None: the model's own default)."""
        if self.instruction_template is None:
            return _resolve_prompt(self.model_prompts, task_metadata, prompt_type)  # as mteb's wrapper
        if prompt_type == PromptType.document:
            return None
        return self.get_task_instruction(task_metadata, prompt_type) or None

    def encode(self, inputs, *, task_metadata, hf_split: str, hf_subset: str,
               prompt_type: PromptType | None = None, **kwargs):
        features = inputs.dataset.features
        if any(m in features for m in ("image", "audio", "video")):  # not text: mteb's own path
            return super().encode(inputs, task_metadata=task_metadata, hf_split=hf_split,
                                  hf_subset=hf_subset, prompt_type=prompt_type, **kwargs)
        texts = [text for batch in inputs for text in batch["text"]]
        prompt = self.prompt_for(task_metadata, prompt_type)
        kind = prompt_type.value if prompt_type else None
        if self._store_bytes > MAX_STORE_BYTES:
            self._store.clear()
            self._store_bytes = 0
        unseen = [t for t in dict.fromkeys(texts) if (kind, prompt, t) not in self._store]
        self.requested += len(texts)
        if unseen:
            function = _select_encode_function(self.model, prompt_type)
            for text, embedding in zip(unseen, self._encode_sorted(function, unseen, prompt, kwargs)):
                self._store[kind, prompt, text] = embedding
                self._store_bytes += embedding.nbytes + len(text)
        if not texts:
            return np.zeros((0, self.model.get_embedding_dimension()), dtype=np.float32)
        return np.stack([self._store[kind, prompt, t] for t in texts])

    def _encode_sorted(self, function, texts: list[str], prompt: str | None, kwargs: dict) -> np.ndarray:
        """Embeddings of `texts` (in their order), encoded longest first in batches of
        `batch_size`: sorted by token count, so each batch pads little."""
        batch_size = kwargs.get("batch_size", 32)
        rest = {k: v for k, v in kwargs.items() if k not in ("batch_size", "show_progress_bar")}
        tokenizer = self.model.tokenizer
        ids = tokenizer([(prompt or "") + t for t in texts], truncation=True, max_length=self.model.max_seq_length,
                        add_special_tokens=True)["input_ids"]
        order = sorted(range(len(texts)), key=lambda i: -len(ids[i]))
        out = np.empty((len(texts), self.model.get_embedding_dimension()), dtype=np.float32)
        scoring_threads = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        # bf16: the model's matrix products in bfloat16 (autocast; embeddings come back float32)
        autocast = torch.autocast(self.model.device.type, dtype=torch.bfloat16, enabled=self.precision == "bf16")
        try:
            batches = _padding_bounded_batches([len(ids[i]) for i in order], batch_size)
            for start, stop in tqdm(batches, desc="Encoding", disable=not kwargs.get("show_progress_bar", False)):
                idx = order[start:stop]
                with autocast:
                    embeddings = function([texts[i] for i in idx], prompt=prompt, batch_size=len(idx),
                                          show_progress_bar=False, convert_to_numpy=True, **rest)
                out[idx] = np.asarray(embeddings, dtype=np.float32)
        finally:
            torch.set_num_threads(scoring_threads)
        self.encoded += len(texts)
        return out


# A batch ends early once padding would exceed this share of its tokens. mteb hands over one
# column at a time, and a column of 50 STS sentences is a single batch: sorting alone left 39%
# of the tokens run through the model as padding (benchmarks/eval_speed.py).
MAX_PADDING = 0.2


def _padding_bounded_batches(lengths: list[int], batch_size: int) -> list[tuple[int, int]]:
    """[start, stop) batches over token counts sorted longest first: at most `batch_size` texts,
    and no more padding than MAX_PADDING of the tokens a batch runs."""
    batches, start, real = [], 0, 0
    for i, n in enumerate(lengths):
        size = i - start + 1
        if size > batch_size or (size > 1 and 1 - (real + n) / (lengths[start] * size) > MAX_PADDING):
            batches.append((start, i))
            start, real = i, 0
        real += n
    if lengths:
        batches.append((start, len(lengths)))
    return batches
