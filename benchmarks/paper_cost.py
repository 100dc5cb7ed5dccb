"""Cost of the paper-scale run, per experiment of config/paper.yaml, in H100 GPU-hours.

    .venv/bin/python benchmarks/paper_cost.py [--throughput results/throughput.json] [--tokens-per-text 160]

Offline: jobs come from boom.recipes.resolve (a recipe shared by experiments is one job; the total
counts it once), evaluation tokens from the descriptive statistics mteb ships for each task of the
configured benchmarks. FLOPs: training 8 x params x tokens (6x forward + backward, +2x
recomputation under gradient checkpointing), encoding 2 x params x tokens; params are the
decoder's non-embedding weights (an embedding lookup is no matmul; attention-score FLOPs are left
out, ~5% at these lengths). FLOPs become H100-hours at a sustained fraction of 989 TFLOP/s dense
bf16, or at the decoder's measured tokens/s from benchmarks/gpu_throughput.py (`--throughput`).
Last line: the whole default-scale `paper` run (all-MiniLM-L6-v2) on one H100.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

from boom.io import setdefault_offline

setdefault_offline()  # before anything imports the Hugging Face libraries

from boom.config import load  # noqa: E402
from boom.data.sources import evaluation_tasks  # noqa: E402
from boom.recipes import resolve  # noqa: E402

# Qwen3-0.6B without its (tied) embedding: 28 x (attention 1024x2048 + 2 x 1024x1024 + 2048x1024,
# MLP 3 x 1024x3072); 0.60B with the 151936 x 1024 embedding.
DECODER_PARAMS = 28 * (1024 * 2048 * 2 + 1024 * 1024 * 2 + 3 * 1024 * 3072)
MIX_EXAMPLES = 2_000_000  # bge-full-data without Quora, SCIDOCS-RR, ArguAna (boom/data/hub.py)
# Share of the mix of the slice's two datasets (not in the config: the prepare job counts them):
# MS MARCO passage ~0.5M training queries, NLI ~0.28M (SNLI+MNLI entailment/contradiction
# triplets); the other 23 datasets split the rest evenly. CoSQA: its 500-query dev split.
SHARE = {"msmarco_passage": 0.25, "bge_nli": 0.14, "cosqa": 500 / MIX_EXAMPLES}
EVAL_JOBS = {"in_domain": "in+out", "out_of_domain": "in+out", "new_domain": "new"}  # rules/evaluate.smk
STATS = Path(importlib.util.find_spec("mteb").origin).parent / "descriptive_stats"  # shipped with mteb


def share(dataset: str, mix: list[str]) -> float:
    rest = [d for d in mix if d not in SHARE]
    return SHARE.get(dataset, (1 - sum(SHARE.get(d, 0) for d in mix)) / len(rest))


def mix_equivalents(recipe: dict, mix: list[str]) -> float:
    """Training examples of a recipe as a fraction of one epoch over the whole mix."""
    total = 0.0
    for name, e in recipe["datasets"].items():
        r = e.get("ratio", 1.0)
        total += share(name, mix) * ((1 - r) if e.get("complement") else r)
    return total


def text_groups(node, out: list) -> list:
    """(number of texts, average characters) of every text-statistics block under a split."""
    if isinstance(node, dict):
        if node.get("total_text_length") and node.get("average_text_length"):
            out.append((node["total_text_length"] / node["average_text_length"], node["average_text_length"]))
        for key, value in node.items():
            if key != "hf_subset_descriptive_stats":
                text_groups(value, out)
    return out


def task_texts(task, chars_per_token: float, cap: int) -> tuple[float, float] | None:
    """(texts, tokens) one evaluation of a task encodes: its evaluated splits and subsets, plus the
    training texts a classification task's n_experiments undersamplings draw."""
    path = STATS / task.metadata.type / f"{task.metadata.name}.json"
    if not path.exists():
        return None
    stats = json.loads(path.read_text())
    splits = [(s, 1.0) for s in task.eval_splits]
    if task.metadata.type == "Classification" and getattr(task, "train_split", None) in stats:
        splits.append((task.train_split, None))
    texts = tokens = 0.0
    for split, _ in splits:
        node = stats.get(split, {})
        subsets = node.get("hf_subset_descriptive_stats")
        parts = [subsets[s] for s in task.hf_subsets if s in subsets] if subsets else [node]
        for part in parts:
            groups = text_groups(part, [])
            if split == getattr(task, "train_split", None) and split not in task.eval_splits:
                labels = (part.get("label_statistics") or part.get("labels_statistics") or {}).get("unique_labels", 0)
                keep = min(1.0, task.n_experiments * task.samples_per_label * labels / max(1, sum(n for n, _ in groups)))
                groups = [(n * keep, a) for n, a in groups]
            texts += sum(n for n, _ in groups)
            tokens += sum(n * min(a / chars_per_token, cap) for n, a in groups)
    return texts, tokens


def eval_job_tokens(evaluation: dict, chars_per_token: float, cap: int) -> tuple[dict, list[str], float]:
    """Tokens of each evaluation job of one model, tasks without stats, average tokens per text."""
    import mteb

    tasks = evaluation_tasks(evaluation)
    objects = {t.metadata.name: t for b in set(s["benchmark"] for s in tasks.values())
               for t in mteb.get_benchmark(b).tasks if t.metadata.is_public is not False}
    jobs, missing, texts = {"in+out": 0.0, "new": 0.0}, [], 0.0
    for name, spec in tasks.items():
        counted = task_texts(objects[name], chars_per_token, cap)
        if counted is None:
            missing.append(name)
            continue
        texts += counted[0]
        jobs[EVAL_JOBS[spec["role"]]] += counted[1]
    return jobs, missing, sum(jobs.values()) / max(texts, 1)


def experiment_jobs(config: dict, exp: str, clusters: int) -> dict:
    """Train ids (-> mix-equivalents), merge ids, eval jobs; a pending cluster variant: `clusters` models."""
    res = resolve(config, [exp])
    mix = list(config["train"]["datasets"])
    trains = {m: mix_equivalents(r, mix) for m, r in res.recipes.items() if r["kind"] == "train"}
    merges = {m for m, r in res.recipes.items() if r["kind"] == "merge"}
    suites = config["experiments"][exp].get("suites", ["in_domain", "out_of_domain"])
    models = {row["model"] for row in res.variants if row["experiment"] == exp}
    for e, variant in res.pending:
        trains.update({f"{e}:{variant}:{i}": 1 / clusters for i in range(clusters)})
        merges.add(f"{e}:{variant}")
        models.add(f"{e}:{variant}")
    evals = {(m, EVAL_JOBS[s]) for m in models for s in suites}
    return {"trains": trains, "merges": merges, "evals": evals}


def rate(measured: dict | None, mode: str, length: float, flops_per_token: float, peak: float, mfu: float) -> tuple[float, str]:
    """Tokens/s of one GPU: measured (decoder, length closest to `length`) or from FLOPs."""
    if measured:
        rows = [r for r in measured["results"] if r["model"] == "qwen3" and r["mode"] == mode and "tokens_per_s" in r
                and (mode == "encode" and r["dtype"] == "bf16" or mode == "train" and r["grad_ckpt"])]
        if rows:
            r = min(rows, key=lambda r: abs(r["length"] - length))
            small = ", --small model: not comparable" if measured.get("small") else ""
            return r["tokens_per_s"], f"measured on {measured['device_name']}, len {r['length']}{small}"
    return peak * mfu / flops_per_token, f"{mfu:.0%} of {peak / 1e12:.0f} TFLOP/s"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default="config/paper.yaml")
    # Queries ~40 tokens with their instruction, passages ~100-200, padded per column batch.
    p.add_argument("--tokens-per-text", type=float, default=160.0, help="average training tokens per text")
    p.add_argument("--chars-per-token", type=float, default=4.0)
    p.add_argument("--peak-tflops", type=float, default=989.0, help="H100 SXM dense bf16")
    p.add_argument("--train-mfu", type=float, default=0.35)  # sustained fraction of peak
    p.add_argument("--encode-mfu", type=float, default=0.25)
    p.add_argument("--throughput", type=Path, help="JSON of benchmarks/gpu_throughput.py (decoder tokens/s)")
    p.add_argument("--cores", type=int, default=16, help="CPU cores of the GPU machine (default-scale estimate)")
    args = p.parse_args()
    config = load(args.config)
    train, peak = config["train"], args.peak_tflops * 1e12
    clusters = config["interaction"]["clusters"]
    measured = json.loads(args.throughput.read_text()) if args.throughput else None
    cap = config["evaluation"]["max_seq_length"]
    job_tokens, missing, eval_len = eval_job_tokens(config["evaluation"], args.chars_per_token, cap)
    texts = 1 + 1 + train["hard_negatives"]
    train_rate, train_how = rate(measured, "train", args.tokens_per_text, 8 * DECODER_PARAMS, peak, args.train_mfu)
    eval_rate, eval_how = rate(measured, "encode", eval_len, 2 * DECODER_PARAMS, peak, args.encode_mfu)
    mix_tokens = MIX_EXAMPLES * texts * args.tokens_per_text
    probes = len(train["datasets"]) * (len(train["datasets"]) + 1) // 2
    probe_mix = probes * config["interaction"]["train_examples"] / MIX_EXAMPLES

    print(f"## Paper-scale cost ({config['model']['name']}, {len(config['seeds'])} seed(s))\n")
    print(f"- Model: {DECODER_PARAMS / 1e6:.0f}M non-embedding params; training 8 x params x tokens "
          f"(gradient checkpointing), encoding 2 x params x tokens.")
    print(f"- Mix: {MIX_EXAMPLES:,} examples x {texts} texts x {args.tokens_per_text:.0f} tokens/text = "
          f"{mix_tokens / 1e9:.2f}B tokens per full-mix epoch; a bag at ratio r counts r; per-dataset / "
          f"task-type / cluster models of one mix sum to 1.")
    print(f"- Slice: MS MARCO passage = {SHARE['msmarco_passage']:.2f} of the mix, NLI = {SHARE['bge_nli']:.2f}; "
          f"the other datasets share the rest evenly; CoSQA = its 500 dev queries ({SHARE['cosqa']:.5f}); "
          f"replay 0.1 = 0.1 of every mix dataset.")
    print(f"- Granularity `cluster`: pending the interaction analysis; counted as {clusters} cluster models "
          f"summing to one mix + 1 merge. The analysis itself: {probes} probes x "
          f"{config['interaction']['train_examples']} examples = {probe_mix:.3f} mix (own row).")
    print(f"- Evaluation: tokens from mteb's descriptive stats, {args.chars_per_token:.0f} chars/token, average "
          f"length per text block capped at {cap} tokens; per model {job_tokens['in+out'] / 1e6:.0f}M tokens "
          f"(in+out-of-domain job), {job_tokens['new'] / 1e6:.0f}M (new-domain job); "
          f"{eval_len:.0f} tokens/text on average" + (f"; no stats for {', '.join(missing)}" if missing else "") + ".")
    print(f"- Throughput per GPU: training {train_rate:,.0f} tokens/s ({train_how}), encoding "
          f"{eval_rate:,.0f} tokens/s ({eval_how}); GPU-hours = tokens / rate (8-GPU jobs: divide wall time by 8).\n")

    per_exp = {exp: experiment_jobs(config, exp, clusters) for exp in config["experiments"]}
    print("| experiment | train jobs (shared) | merge jobs | eval jobs | full-mix equiv. | train GPU-h | eval GPU-h |")
    print("|---|---|---|---|---|---|---|")

    def row(name: str, jobs: dict, shared: int | str) -> tuple[float, float]:
        mix_eq = sum(jobs["trains"].values())
        train_h = mix_eq * mix_tokens / train_rate / 3600
        eval_h = sum(job_tokens[j] for _, j in jobs["evals"]) / eval_rate / 3600
        print(f"| {name} | {len(jobs['trains'])} ({shared}) | {len(jobs['merges'])} | {len(jobs['evals'])} | "
              f"{mix_eq:.2f} | {train_h:,.0f} | {eval_h:,.0f} |")
        return train_h, eval_h

    for exp, jobs in per_exp.items():
        others = set().union(*(j["trains"] for e, j in per_exp.items() if e != exp))
        row(exp, jobs, len(set(jobs["trains"]) & others))
    interaction = {"trains": {"interaction": probe_mix}, "merges": set(), "evals": set()}
    row("interaction (cluster prerequisite)", interaction, "-")
    total = {"trains": {}, "merges": set(), "evals": set()}
    for jobs in [*per_exp.values(), interaction]:
        total["trains"].update(jobs["trains"])
        total["merges"] |= jobs["merges"]
        total["evals"] |= jobs["evals"]
    train_h, eval_h = row("**total (shared jobs once)**", total, "-")
    print(f"\nTotal: {train_h + eval_h:,.0f} H100-hours (~{(train_h + eval_h) / 8:,.0f} h on one 8-GPU node).")
    default_scale(args.cores)


# The committed default-scale run on 2 CPU cores (paper_figures/RUN.md, benchmarks/target_times.py):
# job wall seconds per kind, and the share of an evaluation job spent encoding (the part a GPU
# takes over): `python benchmarks/encode_share.py <base model>` on the 21 in- and out-of-domain
# tasks, one thread, idle machine: 0.840, 0.824, 0.819 (median 0.824).
CPU_RUN = {"evaluate": 4057, "train": 2050, "interaction": 359, "merge": 254}
ENCODE_SHARE = 0.82
JOB_OVERHEAD_S = 1.0  # a job's start in the fork server (its log's "ran in fork server child")


def default_scale(cores: int) -> None:
    """Default-scale `paper` on one GPU machine: what stays on the CPU (mteb's scoring, merges,
    data jobs, job start-up) spread over its cores; training and encoding of a 22.7M-parameter
    model at length 64 take a GPU a fraction of a second per job."""
    config = load()
    res = resolve(config)
    seeds, k = len(config["seeds"]), config["interaction"]["clusters"]
    jobs = 689  # the committed 3-seed run (paper_figures/RUN.md)
    train_jobs = sum(r["kind"] == "train" for r in res.recipes.values()) + k * seeds * len(res.pending)
    cpu = (CPU_RUN["evaluate"] * (1 - ENCODE_SHARE) + CPU_RUN["merge"] + 0.1 * CPU_RUN["interaction"]
           + 2.0 * train_jobs + JOB_OVERHEAD_S * jobs)
    print(f"Default scale (`paper`, 3 seeds, {jobs} jobs) on one GPU machine with {cores} cores: ~{cpu / 60:.0f} "
          f"CPU-minutes stay on the CPU (mteb scoring {CPU_RUN['evaluate'] * (1 - ENCODE_SHARE):.0f} s, merges "
          f"{CPU_RUN['merge']} s, {train_jobs} train jobs x 2 s set-up, {jobs} job starts x {JOB_OVERHEAD_S:.0f} s): "
          f"~{cpu / cores / 60:.1f} min at {cores} jobs side by side, ~{2 * cpu / cores / 60:.0f} min allowing "
          "half the cores for Snakemake's scheduling and the critical path (an estimate, not a measurement).")


if __name__ == "__main__":
    main()
