"""Training throughput of boom's engine against a plain SentenceTransformerTrainer run.

    python benchmarks/train_throughput.py [--per-dataset 128] [--repeats 3] [--threads 2]

Both train the same base model (the default scale's all-MiniLM-L6-v2) on the same prepared
examples (SciFact, SNLI, Banking77; one hard negative each), batch size 32, length 128, one
epoch, in one process, alternating, `--repeats` times each. The baseline is what a user of
sentence-transformers writes: the datasets as a dict, MultipleNegativesRankingLoss, the default
batch sampler and the PROPORTIONAL multi-dataset sampler. boom's run is boom.train.train with
schedule `bls` (staged sampler, duplicate-free batches for in-batch-negative sets, no in-batch
negatives for Banking77). Prints examples/s of each (median) and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from boom.io import read_jsonl, setdefault_offline

setdefault_offline()  # before anything imports the Hugging Face libraries

from boom import models, train  # noqa: E402
from boom.data.manifest import resolve_root  # noqa: E402
from boom.data.prepare import prepare  # noqa: E402

DATASETS = {"scifact": "retrieval", "snli": "nli", "banking77": "classification"}
HYPER = {"batch_size": 32, "learning_rate": 5e-5, "warmup_ratio": 0.1, "epochs": 1, "temperature": 0.05,
         "max_seq_length": 128}


def plain_trainer(base: Path, files: dict[str, Path]) -> float:
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    model = models.load(base)
    model.max_seq_length = HYPER["max_seq_length"]
    data = {n: train.to_columns(read_jsonl(p)) for n, p in files.items()}
    with tempfile.TemporaryDirectory() as tmp:
        args = SentenceTransformerTrainingArguments(
            output_dir=tmp, num_train_epochs=1, per_device_train_batch_size=HYPER["batch_size"],
            learning_rate=HYPER["learning_rate"], warmup_steps=HYPER["warmup_ratio"], seed=0,
            save_strategy="no", report_to="none", use_cpu=True, disable_tqdm=True)
        loss = MultipleNegativesRankingLoss(model, scale=1 / HYPER["temperature"])
        trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=data, loss=loss)
        start = time.perf_counter()
        trainer.train()
        return time.perf_counter() - start


def boom_engine(base: Path, files: dict[str, Path], threads: int) -> float:
    recipe = {"kind": "train", "schedule": "bls", "threads": threads, "seed": 0, "hyper": HYPER,
              "datasets": {n: {"task_type": t} for n, t in DATASETS.items()}}
    with tempfile.TemporaryDirectory() as tmp:
        return train.train(recipe, base, files, Path(tmp) / "model")["wall_seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-dataset", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--root", default="../shared/data")
    args = parser.parse_args()
    models.set_threads(args.threads)
    root = resolve_root(args.root)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = {}
        for name in DATASETS:
            files[name] = tmp / f"{name}.jsonl"
            prepare(root, name, args.per_dataset, 1, files[name])
        examples = sum(len(read_jsonl(p)) for p in files.values())
        base = tmp / "base"
        models.save_atomically(models.build_base({"source": "gt_minilm"}), base)
        times = {"plain SentenceTransformerTrainer": [], "boom bls engine": []}
        for i in range(args.repeats):
            times["plain SentenceTransformerTrainer"].append(plain_trainer(base, files))
            times["boom bls engine"].append(boom_engine(base, files, args.threads))
            print(f"repeat {i + 1}: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in times.items()), flush=True)
    rates = {k: examples / statistics.median(v) for k, v in times.items()}
    for k, rate in rates.items():
        print(f"{k:34s} {rate:7.1f} examples/s (median of {args.repeats}, {examples} examples)")
    ratio = rates["boom bls engine"] / rates["plain SentenceTransformerTrainer"]
    print(f"ratio boom / plain: {ratio:.2f}x")


if __name__ == "__main__":
    main()
