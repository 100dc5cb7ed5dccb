"""bf16 against float32 on this machine: encoding through boom's evaluation encoder, and one
training step of the InfoNCE loss, for the default scale's base model on one thread.

    python benchmarks/precision_speed.py [--repeats 3] [--texts 2000]

Encoding: `--texts` STS12 test sentences through `CachedEncoder._encode_sorted` (what an
evaluation job runs), with `evaluation.precision` fp32 and bf16; prints each one's median seconds,
their ratio and the smallest cosine between a text's two embeddings. Training: a step (forward,
backward, AdamW) on 16 SciFact (query, abstract, abstract) triplets at the config's length, plain
and under the bf16 autocast the trainer uses with `train.precision: bf16`; the median step and
the ratio. Both paths alternate, `--repeats` times each, after one warm-up.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

from boom.io import set_offline

set_offline()  # before anything imports the Hugging Face libraries

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sentence_transformers.losses import MultipleNegativesRankingLoss  # noqa: E402

from boom import config as boom_config  # noqa: E402
from boom import evaluate, models  # noqa: E402
from boom.data.manifest import resolve_root  # noqa: E402
from boom.data.sources import SOURCES  # noqa: E402


def timed(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--texts", type=int, default=2000)
    args = parser.parse_args()
    config = boom_config.load()
    root = resolve_root(config["data"]["root"])
    torch.set_num_threads(1)

    sts = SOURCES["sts12"]
    pairs = sts.read(root).pairs[sts.eval_split]
    texts = list(dict.fromkeys(t for p in pairs for t in p[:2]))[: args.texts]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "model"
        models.save_atomically(models.build_base(config["model"]), folder)
        length = config["evaluation"]["max_seq_length"]
        encoders = {p: evaluate.load_for_eval(folder, "bench", length, precision=p) for p in ("fp32", "bf16")}
        out, seconds = {}, {}
        for p, enc in encoders.items():
            def run(enc=enc, p=p):
                out[p] = enc._encode_sorted(enc.model.encode, texts, None, {"batch_size": config["evaluation"]["batch_size"]})
            seconds[p] = timed(run, args.repeats)
        a, b = out["fp32"], out["bf16"]
        cosine = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
        print(f"encoding {len(texts)} STS12 sentences, one thread: fp32 {seconds['fp32']:.2f} s, bf16 "
              f"{seconds['bf16']:.2f} s: x{seconds['fp32'] / seconds['bf16']:.2f}; smallest cosine {cosine.min():.5f}")

        model = models.load(folder)
        model.max_seq_length = config["train"]["max_seq_length"]
        loss = MultipleNegativesRankingLoss(model)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
        docs = list(SOURCES["scifact"].read(root).corpus.values())[:48]
        batch = [model.tokenize(docs[i:i + 16]) for i in (0, 16, 32)]
        steps = {}
        for name, ctx in (("fp32", contextlib.nullcontext),
                          ("bf16", lambda: torch.autocast("cpu", dtype=torch.bfloat16))):
            def step(ctx=ctx):
                with ctx():
                    value = loss(batch, None)
                value.backward()
                optimizer.step()
                optimizer.zero_grad()
            steps[name] = timed(step, args.repeats * 2)
        print(f"training step, 48 texts of up to {model.max_seq_length} tokens, one thread: fp32 {steps['fp32']:.3f} s, "
              f"bf16 {steps['bf16']:.3f} s: x{steps['fp32'] / steps['bf16']:.2f}")


if __name__ == "__main__":
    main()
