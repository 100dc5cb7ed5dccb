"""Train one model from its recipe with sentence-transformers' trainer.

    python -m boom.train --recipe '<json>' --base results/models/base-…/model \
        --data scifact=results/data/train/scifact.n1000.jsonl … --out results/models/train-…/model

Schedules (boom.schedules): the datasets go to the trainer as a dict, and a staged sampler
orders their batches (every batch from one dataset) as `bls`, `seq_dataset`, `seq_task` or
`two_stage` prescribe; `mixed` trains on one concatenated dataset. Losses (boom.losses): InfoNCE
with temperature T, with in-batch negatives for retrieval-like data and without for
classification and clustering data.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import tempfile
import time
from pathlib import Path

from boom import batching, layout, losses, models, schedules
from boom.data.sources import in_batch_negatives
from boom.recipes import TRAIN_ENGINE_VERSION, check_steps
from boom.errors import BoomError
from boom.io import read_jsonl, write_json
from boom.provenance import record
from boom.stage import json_arg

log = logging.getLogger("boom.train")

# The engine version every train recipe names (boom.recipes.TRAIN_ENGINE_VERSION): bump it there
# when a change here changes the weights a recipe produces.
ENGINE_VERSION = TRAIN_ENGINE_VERSION


class TrainingError(BoomError, RuntimeError):
    """A run that did not train (weights unmoved, loss not lower) or cannot start; names the fix."""


# Batches of each dataset whose loss is measured before and after training. One batch of 16 was
# too noisy: a clustering model's loss on its first batch rose (0.51 -> 0.73) while its loss over
# all 96 of its examples fell (0.61 -> 0.35).
PROBE_BATCHES = 4


def probe_batches(train_sets: dict, batch_size: int) -> dict[str, list]:
    """The first PROBE_BATCHES batches of each dataset: fixed examples whose loss is measured
    before and after training (the same texts, the same loss, so the two numbers compare)."""
    return {n: [d.select(range(i, min(i + batch_size, len(d))))
                for i in range(0, min(PROBE_BATCHES * batch_size, len(d)), batch_size)]
            for n, d in train_sets.items()}


def probe_loss(model, batches: dict, loss_of: dict, bf16: bool = False) -> float:
    """Mean over datasets of the training loss on each dataset's probe batches, in eval mode, in
    the precision the model trains in (bf16 autocast: 2-3x faster on this CPU; before and after
    are measured alike, so they still compare)."""
    import torch

    was_training = model.training
    model.eval()
    values = []
    with torch.no_grad(), torch.autocast(model.device.type, dtype=torch.bfloat16, enabled=bf16):
        for name, probe in batches.items():
            total = 0.0
            for batch in probe:
                features = [model.preprocess(list(batch[c])) for c in batch.column_names]
                features = [{k: v.to(model.device) if hasattr(v, "to") else v for k, v in f.items()} for f in features]
                total += float(loss_of[name](features, None)) * len(batch)
            values.append(total / sum(len(b) for b in probe))
    model.train(was_training)
    return sum(values) / len(values)


def loss_curve(log_history: list[dict]) -> list[list[float]]:
    """[step, loss, learning rate] of every logged step of the trainer's log history."""
    return [[int(e["step"]), round(float(e["loss"]), 6), e.get("learning_rate")]
            for e in log_history if "loss" in e and "step" in e]


def weight_distance(model, start: dict) -> tuple[float, float]:
    """L2 distance of the weights from where training started, and that over the start's norm."""
    import torch

    moved, norm = 0.0, 0.0
    for name, value in model.state_dict().items():
        if name in start and value.is_floating_point():
            moved += float(torch.sum((value.detach().float().cpu() - start[name]) ** 2))
            norm += float(torch.sum(start[name] ** 2))
    return moved ** 0.5, (moved / norm) ** 0.5 if norm else 0.0


def check_trained(model_name: str, steps: int, loss_before: float, loss_after: float, distance: float) -> None:
    """Refuse a run that did not train: its weights did not move, or its loss did not fall."""
    if distance == 0.0:
        raise TrainingError(f"{model_name}: the weights did not move in {steps} optimizer step(s) (a single step "
                            "under warm-up has learning rate 0): raise the dataset's max_examples or lower "
                            "train.batch_size so that it takes more steps")
    if not loss_after < loss_before:
        raise TrainingError(f"{model_name}: the training loss on its probe batches did not fall ({loss_before:.4f} "
                            f"before, {loss_after:.4f} after {steps} steps): lower train.learning_rate or give it "
                            "more steps")


def to_columns(examples: list[dict]):
    """Examples -> a datasets.Dataset with columns anchor, positive, negative_1..k (k the same for
    every example of one dataset)."""
    from datasets import Dataset

    ks = {len(e["negatives"]) for e in examples}
    if len(ks) != 1:
        raise TrainingError(f"examples of one dataset must share the number of hard negatives, got {sorted(ks)}")
    k = ks.pop()
    columns = {"anchor": [e["query"] for e in examples], "positive": [e["positive"] for e in examples]}
    for j in range(k):
        columns[f"negative_{j + 1}"] = [e["negatives"][j] for e in examples]
    return Dataset.from_dict(columns)


def count_tokens(model, dataset, max_len: int) -> int:
    tok = model.tokenizer
    total = 0
    for column in dataset.column_names:
        enc = tok(list(dataset[column]), truncation=True, max_length=max_len)["input_ids"]
        total += sum(len(ids) for ids in enc)
    return total


def _add_lora(model, lora: dict) -> None:
    """Wrap the transformer body in LoRA adapters (peft) on every linear projection."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=lora["r"], lora_alpha=lora["alpha"], lora_dropout=lora["dropout"],
                        target_modules="all-linear")
    model[0].model = get_peft_model(model[0].model, config)


def _mixed(train_sets: dict):
    """`mixed`: one dataset of all examples, every example with the fewest negatives of the mix."""
    from datasets import concatenate_datasets

    k = min(len(d.column_names) - 2 for d in train_sets.values())
    keep = ["anchor", "positive"] + [f"negative_{j + 1}" for j in range(k)]
    return concatenate_datasets([d.select_columns(keep) for d in train_sets.values()])


def world_size(recipe: dict) -> int:
    """The processes a recipe trains on (torchrun's WORLD_SIZE), checked against its `devices`:
    the number of devices changes the weights (batches and gathered negatives are split across
    them), so a recipe is only ever trained on the device count it names."""
    devices = recipe.get("devices", 1)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world != devices:
        raise TrainingError(f"the recipe trains on {devices} device(s) but this run has {world} process(es): launch it "
                         f"with `torchrun --nproc-per-node {devices} -m boom train ...`")
    return world


def own_negative_sets(recipe: dict) -> set[str]:
    """Datasets trained without in-batch negatives, by the task types the recipe records."""
    return {n for n, e in recipe["datasets"].items() if not in_batch_negatives(e["task_type"])}


def uses_bf16(precision: str, device: str) -> bool:
    """Whether training runs in bf16 mixed precision (autocast; the weights and optimizer stay
    float32): `auto` on a bf16-capable GPU only (the paper's setting), `bf16` on any device."""
    import torch

    if precision == "bf16":
        if device == "cpu" and not torch.ops.mkldnn._is_mkldnn_bf16_supported():
            log.warning("train.precision bf16 on a CPU without native bf16 (AVX512-BF16 / AMX): it runs, slowly; "
                        "fp32 or auto is faster here")
        return True
    return precision == "auto" and device == "cuda" and torch.cuda.is_bf16_supported()


def train(recipe: dict, base: Path, data: dict[str, Path], out: Path, min_steps: int = 1) -> dict | None:
    """Train and save the model; its cost record, or None on a process other than rank 0 of a
    multi-device run (rank 0 saves)."""
    import torch
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.base.sampler import BatchSamplers

    if set(data) != set(recipe["datasets"]):
        raise TrainingError(f"--data gives {sorted(data)} but the recipe trains on {sorted(recipe['datasets'])}")
    task_types = {name: entry["task_type"] for name, entry in recipe["datasets"].items()}
    plan = schedules.stages(recipe["schedule"], task_types, recipe.get("order"))  # checked before any work
    if recipe["schedule"] == "mixed" and recipe.get("query_instruction"):
        raise TrainingError("schedule mixed cannot give each dataset its own query instruction; use a batch-level schedule")
    hyper = recipe["hyper"]
    world = world_size(recipe)
    if hyper["batch_size"] % world:
        raise TrainingError(f"global batch {hyper['batch_size']} does not split over {world} devices")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and torch.cuda.device_count() < world:
        raise TrainingError(f"the recipe trains on {world} devices but this job sees {torch.cuda.device_count()} GPU(s): "
                         f"give the train rule gpu={world} (profiles/slurm) or lower train.devices")
    models.set_threads(recipe["threads"])
    model = models.load(base)
    models.set_max_seq_length(model, hyper["max_seq_length"], "train.max_seq_length")
    rows = {name: read_jsonl(data[name]) for name in sorted(data)}
    train_sets = {name: to_columns(r) for name, r in rows.items()}
    # The parse-time guard counts steps from the caps; the data may hold fewer (decontamination).
    check_steps(recipe, min_steps, f"training of {out.parent.name}", {n: len(r) for n, r in rows.items()})
    examples = sum(len(d) for d in train_sets.values())
    if recipe.get("lora"):
        _add_lora(model, recipe["lora"])
    own_negatives = own_negative_sets(recipe)
    gather = world > 1  # in-batch negatives from every device's batch (the paper's cross-device negatives)

    probe_loss_of = {n: losses.loss_for(model, n not in own_negatives, hyper["temperature"]) for n in train_sets}
    probes = probe_batches(train_sets, hyper["batch_size"])
    bf16 = uses_bf16(recipe.get("precision", "auto"), device)
    loss_before = probe_loss(model, probes, probe_loss_of, bf16)
    start_weights = {k: v.detach().float().cpu().clone() for k, v in model.state_dict().items()
                     if v.is_floating_point()}

    if recipe["schedule"] == "mixed":  # instance-level mixing: every batch mixes datasets
        train_dataset = _mixed(train_sets)
        loss = losses.loss_for(model, True, hyper["temperature"], gather)
        sampler_args = {"batch_sampler": BatchSamplers.NO_DUPLICATES}
    else:
        train_dataset = train_sets
        loss = {n: losses.loss_for(model, n not in own_negatives, hyper["temperature"], gather) for n in train_sets}
        sampler_args = {"batch_sampler": batching.per_dataset_batch_sampler(own_negatives),
                        "multi_dataset_batch_sampler": batching.staged(plan, list(train_sets), world)}

    with tempfile.TemporaryDirectory(prefix="boom-train-") as tmp:
        args = SentenceTransformerTrainingArguments(
            output_dir=tmp,
            num_train_epochs=hyper["epochs"],
            per_device_train_batch_size=hyper["batch_size"] // world,  # the config's batch is global
            learning_rate=hyper["learning_rate"],
            warmup_steps=float(hyper["warmup_ratio"]),  # transformers 5: a float < 1 is a ratio
            lr_scheduler_type="linear",
            seed=recipe["seed"],
            data_seed=recipe["seed"],
            save_strategy="no",
            report_to="none",
            logging_steps=1,  # the loss of every step: the cost record's loss curve
            use_cpu=device == "cpu",
            dataloader_num_workers=0,
            # multi-device runs (torchrun): NCCL between GPUs, gloo between CPU processes
            **({"ddp_backend": "nccl" if device == "cuda" else "gloo"} if world > 1 else {}),
            bf16=bf16,
            gradient_checkpointing=bool(recipe.get("gradient_checkpointing")),
            # The paper's instructions, on queries only (the anchor column of each dataset).
            prompts=({n: {"anchor": models.QUERY_PROMPT.format(instruction=r[0]["instruction"])}
                      for n, r in rows.items()} if recipe.get("query_instruction") else None),
            **sampler_args,
        )
        losses.count_examples(loss)
        trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=train_dataset, loss=loss)
        start = time.perf_counter()
        result = trainer.train()
        wall = time.perf_counter() - start
        if not trainer.is_world_process_zero():
            return None

    loss_after = probe_loss(model, probes, probe_loss_of, bf16)
    distance, relative = weight_distance(model, start_weights)
    steps = int(result.global_step)
    check_trained(out.parent.name, steps, loss_before, loss_after, distance)
    # each device counts its own share of every step
    seen = {n: c * world for n, c in losses.examples_seen_per_dataset(loss).items()}

    cost = {
        "examples": examples,
        "examples_per_dataset": {n: len(d) for n, d in train_sets.items()},
        "schedule": recipe["schedule"],
        "stages": plan,
        "steps": steps,
        # examples run through the loss, repeats included (two_stage sees its first stage's data
        # twice); fewer than `examples` means the batch sampler left some out (counted, not hidden)
        "examples_seen": sum(seen.values()),
        "examples_seen_per_dataset": seen,
        "tokens": sum(count_tokens(model, d, hyper["max_seq_length"]) for d in train_sets.values()),
        "wall_seconds": round(wall, 3),
        "examples_per_second": round(examples * hyper["epochs"] / wall, 2),
        "train_loss": result.training_loss,
        # the trainer's log: each optimizer step's training loss and the learning rate it took
        "loss_curve": loss_curve(trainer.state.log_history),
        # the loss on fixed probe batches (the first PROBE_BATCHES of each dataset) before and after
        "loss_start": round(loss_before, 6),
        "loss_end": round(loss_after, 6),
        "probe_batches": PROBE_BATCHES,
        # L2 distance of the weights from the start, absolute and relative to the start's norm
        "weight_distance": round(distance, 6),
        "weight_distance_relative": round(relative, 8),
        "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "devices": world,
        "threads": recipe["threads"],
        "host": socket.gethostname(),
    }
    if recipe.get("lora"):
        model[0].model = model[0].model.merge_and_unload()  # plain weights: loadable and mergeable
    models.save_atomically(model, out, f"training of {out.parent.name}",
                           f"Training diverged in {steps} steps: lower train.learning_rate (now {hyper['learning_rate']}) "
                           "or raise train.temperature, or train in fp32 (train.precision).")
    return cost


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", required=True, type=json_arg("--recipe"), help="the resolved recipe, as JSON")
    parser.add_argument("--base", required=True, type=Path, help="folder of the base model")
    parser.add_argument("--data", nargs="+", required=True, help="NAME=PATH of each prepared training file")
    parser.add_argument("--out", required=True, type=Path, help="folder to write the trained model to")
    parser.add_argument("--min-steps", type=int, default=1,
                        help="refuse to train if the data gives fewer optimizer steps at a non-zero rate (train.min_steps)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    recipe = args.recipe
    data = dict(item.split("=", 1) for item in args.data)
    cost = train(recipe, args.base, {k: Path(v) for k, v in data.items()}, args.out, args.min_steps)
    if cost is None:  # not rank 0 of a multi-device run
        return
    meta_dir = args.out.parent
    write_json(Path(layout.model_meta_file(args.out, "cost")), cost)
    write_json(Path(layout.model_meta_file(args.out, "provenance")), record(recipe=recipe, model_id=meta_dir.name))
    log.info("trained %s: %d examples, %d steps in %.1f s", meta_dir.name, cost["examples"], cost["steps"],
             cost["wall_seconds"])


if __name__ == "__main__":
    main()
