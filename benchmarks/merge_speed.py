"""Wall time and peak memory of `python -m boom.merge` against mergekit's own command line.

    python benchmarks/merge_speed.py [--models 2 5 8] [--methods multislerp ties] [--repeats 3] [--budget 600]

For each method and number of models M, merges M distinct "fine-tunes" of the default model
(all-MiniLM-L6-v2: a 90 MB model.safetensors) into their shared base, once with boom's streaming
merge and once with `mergekit-yaml` on an equivalent YAML (same method, same base model, same
parameters, float32), each as its own subprocess, alternating which tool goes first. For each run
it records the child's wall seconds (process start to exit, imports included) and its peak
resident set size (`ru_maxrss`, from os.wait4 on that child alone), and samples the child's
/proc/PID/status every few milliseconds to split the peak into private (RssAnon) and file-backed
(RssFile: memory-mapped model files, shared libraries) pages. A process that only imports what
each tool imports is measured the same way, so that "peak minus baseline" can be stated in model
sizes. Finally the two outputs of each merge are compared tensor by tensor.

Runs go in passes over every method and M (so that one configuration's repeats are spread over the
whole benchmark), the tool that goes first alternating between passes. The first pass always runs;
on 2 CPU cores it alone takes about 7 minutes with the defaults (mergekit-yaml spends ~15 s
importing per run, and ties of 8 models computes for about a minute in either tool), so a later
repeat of a configuration is skipped when it would end past --budget seconds: the cheap
configurations get their 3 runs, the expensive ones fewer (the table's n). --budget 0 runs every
repeat (about 20 minutes).

The models are made once in --work (reused by later runs): the base saved with
boom.models.save_atomically, and M copies whose every float tensor has seeded Gaussian noise
(--noise times the tensor's standard deviation, or --noise itself for a constant tensor) added.

mergekit 0.1.5's planner crashes on architectures whose optional weights have aliases (BERT's
`embeddings.position_ids`): `[w_in.name] + (w_in.aliases or [])` adds a tuple to a list. The
mergekit command is therefore `mergekit-yaml`'s own entry point (mergekit.scripts.run_yaml.main)
started from a few lines that first replace that one expression with
`[w_in.name, *(w_in.aliases or ())]`; nothing else in mergekit is changed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from boom.io import replacing_dir, set_offline

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MB = 2**20

# mergekit-yaml's entry point, with the planner's tuple + list bug fixed (see the module docstring).
MERGEKIT_CLI = r"""
import inspect, sys, textwrap
import mergekit.plan as plan
from mergekit.scripts.run_yaml import main
bug = "[w_in.name] + (w_in.aliases or [])"
src = textwrap.dedent(inspect.getsource(plan.MergePlanner.plan_tensor))
if bug in src:
    ns = {}
    exec(compile(src.replace(bug, "[w_in.name, *(w_in.aliases or ())]"), plan.__file__, "exec"), plan.__dict__, ns)
    plan.MergePlanner.plan_tensor = ns["plan_tensor"]
sys.argv[0] = "mergekit-yaml"
sys.exit(main())
"""

# What each tool imports before it reads a model: boom.merge (torch, mergekit's merge methods,
# safetensors), and mergekit-yaml (the launcher above without running it).
BASELINES = {
    "boom": "import torch, safetensors, mergekit.merge_methods, boom.merge",
    "mergekit": "import torch, mergekit.plan, mergekit.scripts.run_yaml",
}


# --- inputs -------------------------------------------------------------------------------------


def model_paths(work: Path, n_models: int) -> tuple[Path, list[Path]]:
    return work / "models" / "base", [work / "models" / f"tune{i}" for i in range(n_models)]


def prepare(work: Path, n_models: int, noise: float) -> None:
    """Make the base model folder and `n_models` noisy fine-tune folders under `work` (those missing,
    or all of them when --noise changed)."""
    base, tunes = model_paths(work, n_models)
    stamp = work / "models" / "noise.json"
    if not stamp.is_file() or json.loads(stamp.read_text()) != {"noise": noise, "version": 2}:
        for tune in (work / "models").glob("tune*"):
            shutil.rmtree(tune)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"noise": noise, "version": 2}))
    if (base / "model.safetensors").is_file() and all((t / "model.safetensors").is_file() for t in tunes):
        return
    import torch
    from safetensors.torch import load_file, save_file
    from sentence_transformers import SentenceTransformer

    from boom.models import gt_minilm_path, save_atomically

    if not (base / "model.safetensors").is_file():
        print(f"saving the base model to {base}", flush=True)
        save_atomically(SentenceTransformer(str(gt_minilm_path()), device="cpu"), base)
    state = load_file(str(base / "model.safetensors"))
    for i, tune in enumerate(tunes):
        if (tune / "model.safetensors").is_file():
            continue
        print(f"making fine-tune {i} in {tune}", flush=True)
        generator = torch.Generator().manual_seed(1000 + i)
        noisy = {}
        for name, tensor in state.items():
            if tensor.is_floating_point():
                # relative to the tensor's spread; absolute for a constant tensor (pooler.dense.bias
                # is all zeros), whose task vectors would otherwise all be zero
                spread = tensor.float().std().item() if tensor.numel() > 1 else 0.0
                scale = noise * (spread or 1.0)
                tensor = tensor + scale * torch.randn(tensor.shape, generator=generator, dtype=tensor.dtype)
            noisy[name] = tensor.contiguous()
        with replacing_dir(tune) as tmp:
            shutil.copytree(base, tmp, ignore=shutil.ignore_patterns("*.safetensors"))
            save_file(noisy, str(tmp / "model.safetensors"), metadata={"format": "pt"})


# --- measuring one child ------------------------------------------------------------------------


def _status_kb(pid: int) -> dict[str, int]:
    values = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "RssAnon", "RssFile"):
                    values[key] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return values


def measure(cmd: list[str], log: Path, interval: float = 0.005) -> dict:
    """Run `cmd` to completion; its wall seconds, ru_maxrss (MiB) and sampled peak RssAnon/RssFile."""
    env = set_offline(dict(os.environ, PYTHONUNBUFFERED="1", TOKENIZERS_PARALLELISM="false"))
    peaks = {"RssAnon": 0, "RssFile": 0}
    done = threading.Event()
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env)

        def sample() -> None:
            while not done.is_set():
                for key, value in _status_kb(proc.pid).items():
                    if key in peaks:
                        peaks[key] = max(peaks[key], value)
                time.sleep(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"command failed with exit status {proc.returncode}: {' '.join(cmd[:4])} ...\n{tail}")
    return {"wall": wall, "maxrss": usage.ru_maxrss / 1024, "anon": peaks["RssAnon"] / 1024,
            "file": peaks["RssFile"] / 1024}


# --- the two tools ------------------------------------------------------------------------------


def boom_cmd(method: str, parameters: dict, base: Path, tunes: list[Path], out: Path, threads: int) -> list[str]:
    recipe = json.dumps({"method": method, "parameters": parameters})
    return [PYTHON, "-m", "boom.merge", "--recipe", recipe, "--base", str(base),
            "--inputs", *map(str, tunes), "--out", str(out / "model"), "--threads", str(threads)]


def mergekit_yaml(method: str, parameters: dict, base: Path, tunes: list[Path]) -> str:
    """The equivalent mergekit config: boom gives task-vector methods the shared base model, and
    every parameter (here scalars, broadcast to all inputs by boom) to every model."""
    from boom.merge_methods import get  # torch-free: the parent process stays small

    uses_base = get(method).base != "ignored"  # boom passes no base to linear or karcher
    lines = [f"merge_method: {method}"] + ([f"base_model: {base}"] if uses_base else []) + ["dtype: float32", "models:"]
    for tune in tunes:
        lines.append(f"  - model: {tune}")
        lines.append("    parameters: " + json.dumps(parameters))
    return "\n".join(lines) + "\n"


def mergekit_cmd(config: Path, out: Path, threads: int) -> list[str]:
    # --lazy-unpickle only matters for pickled .bin inputs (safetensors are memory-mapped either
    # way) but is mergekit's low-memory reading option, so it is on; the tokenizer is not copied
    # (the output's tensors are what is compared); CPU only; the same thread count as boom.
    return [PYTHON, "-c", MERGEKIT_CLI, str(config), str(out), "--lazy-unpickle", "--no-copy-tokenizer",
            "--no-cuda", "--quiet", "--num-threads", str(threads)]


def max_abs_difference(boom_file: Path, mergekit_file: Path) -> tuple[float, int, list[str]]:
    """Largest |boom - mergekit| over tensors both outputs hold (mergekit's names mapped onto
    boom's by dropping a model prefix), the number compared, and the names only one side has."""
    import torch
    from safetensors.torch import load_file

    ours, theirs = load_file(str(boom_file)), load_file(str(mergekit_file))
    prefixes = ("", "bert.", "model.", "0.auto_model.", "auto_model.")
    mapped, used = {}, set()
    for name, tensor in theirs.items():
        for prefix in prefixes:
            if name.startswith(prefix) and name[len(prefix):] in ours:
                mapped[name[len(prefix):]] = tensor
                used.add(name)
                break
    shared = [n for n in ours if n in mapped and ours[n].is_floating_point()]
    worst = max((torch.max(torch.abs(ours[n].double() - mapped[n].double())).item() for n in shared), default=float("nan"))
    unmatched = [f"boom:{n}" for n in sorted(set(ours) - set(mapped))] + \
                [f"mergekit:{n}" for n in sorted(set(theirs) - used)]
    return worst, len(shared), unmatched


def helper(*argv: str) -> str:
    """Run this script's helper mode in a child process (torch is imported there, never here: a
    child's ru_maxrss starts from its parent's high-water mark, so the parent must stay small)."""
    env = set_offline(dict(os.environ))
    done = subprocess.run([PYTHON, __file__, "--helper", *argv], cwd=REPO_ROOT, env=env, check=True,
                          stdout=subprocess.PIPE, text=True)
    return done.stdout


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, nargs="+", default=[2, 5, 8], help="numbers of models to merge")
    parser.add_argument("--methods", nargs="+", default=["multislerp", "ties"])
    parser.add_argument("--density", type=float, default=0.5, help="ties' density")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each tool per method and M (at most)")
    parser.add_argument("--budget", type=float, default=600,
                        help="seconds: after the first pass over every method and M, a further repeat of a "
                             "configuration is skipped when its last pair of runs would end past this "
                             "(0: always run every repeat)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of each tool")
    parser.add_argument("--noise", type=float, default=0.01, help="fine-tune noise, relative to each tensor's std")
    parser.add_argument("--work", type=Path, default=Path("/tmp/boom_merge_speed"),
                        help="folder for the input models (kept between runs), configs and outputs")
    parser.add_argument("--helper", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.helper:
        mode, *rest = args.helper
        if mode == "prepare":
            prepare(Path(rest[0]), int(rest[1]), float(rest[2]))
        elif mode == "compare":
            print(json.dumps([max_abs_difference(Path(a), Path(b)) for a, b in zip(rest[::2], rest[1::2])]))
        return

    t0 = time.perf_counter()
    helper("prepare", str(args.work), str(max(args.models)), str(args.noise))
    base, tunes = model_paths(args.work, max(args.models))
    model_mb = (base / "model.safetensors").stat().st_size / MB
    runs_dir = args.work / "runs"
    shutil.rmtree(runs_dir, ignore_errors=True)
    runs_dir.mkdir(parents=True)

    # Import-only baselines: their peak RSS varies by well under 1 MiB between runs, so once.
    baseline = {tool: measure([PYTHON, "-c", code], runs_dir / f"baseline-{tool}.log")
                for tool, code in BASELINES.items()}

    configs = {}
    for method in args.methods:
        parameters = {"weight": 1.0} | ({"density": args.density} if method == "ties" else {})
        for m in args.models:
            config = runs_dir / f"{method}-{m}.yml"
            config.write_text(mergekit_yaml(method, parameters, base, tunes[:m]))
            out = {"boom": runs_dir / f"boom-{method}-{m}", "mergekit": runs_dir / f"mergekit-{method}-{m}"}
            cmds = {"boom": boom_cmd(method, parameters, base, tunes[:m], out["boom"], args.threads),
                    "mergekit": mergekit_cmd(config, out["mergekit"], args.threads)}
            configs[method, m] = out, cmds

    # Passes over every configuration, so that the repeats of one are spread over the whole run;
    # the tool that goes first alternates from one pass to the next.
    runs = {key: {"boom": [], "mergekit": []} for key in configs}
    last_pair = {}
    reserve = 20.0  # the comparison at the end
    for r in range(args.repeats):
        for key, (out, cmds) in configs.items():
            elapsed = time.perf_counter() - t0
            if r and args.budget and elapsed + last_pair[key] > args.budget - reserve:
                continue
            start = time.perf_counter()
            for tool in (("boom", "mergekit") if r % 2 == 0 else ("mergekit", "boom")):
                shutil.rmtree(out[tool], ignore_errors=True)
                result = measure(cmds[tool], runs_dir / f"{tool}-{key[0]}-{key[1]}.log")
                if tool == "boom":
                    result["merge"] = json.loads((out[tool] / "cost.json").read_text())["wall_seconds"]
                runs[key][tool].append(result)
            last_pair[key] = time.perf_counter() - start
            print(f"  pass {r + 1}: {key[0]} M={key[1]} in {last_pair[key]:.0f} s "
                  f"({time.perf_counter() - t0:.0f} s so far)", file=sys.stderr, flush=True)

    files = [str(p) for out, _ in configs.values()
             for p in (out["boom"] / "model" / "model.safetensors", out["mergekit"] / "model.safetensors")]
    diffs = dict(zip(configs, json.loads(helper("compare", *files))))

    def med(values: list[dict], key: str) -> float:
        return statistics.median(v[key] for v in values)

    print(f"model file: {model_mb:.1f} MiB; medians of n runs per tool; torch threads {args.threads}; "
          f"python {sys.version.split()[0]}")
    for tool, code in BASELINES.items():
        b = baseline[tool]
        print(f"baseline {tool:8s} ({code}): peak RSS {b['maxrss']:.0f} MiB "
              f"(anon {b['anon']:.0f}, file {b['file']:.0f}), wall {b['wall']:.2f} s")
    print()
    print("wall = whole process (start, imports, merge, write); merge = boom's own cost.json (merge only);")
    print("mk-imp = mergekit wall minus its import baseline; ratio = boom wall / mergekit wall;")
    print("peak = ru_maxrss (MiB); xM = (peak - that tool's import baseline) / model file size")
    header = (f"{'method':10s} {'M':>2s} {'n':>2s} | {'boom wall':>9s} {'mk wall':>8s} {'ratio':>5s} | "
              f"{'merge':>6s} {'mk-imp':>6s} | {'boom peak':>9s} {'mk peak':>8s} | {'boom xM':>7s} {'mk xM':>6s}")
    print(header)
    print("-" * len(header))
    for (method, m), tools in runs.items():
        b, k = tools["boom"], tools["mergekit"]
        bw, kw = med(b, "wall"), med(k, "wall")
        bp, kp = med(b, "maxrss"), med(k, "maxrss")
        print(f"{method:10s} {m:2d} {len(b):2d} | {bw:8.2f}s {kw:7.2f}s {bw / kw:5.2f} | "
              f"{med(b, 'merge'):5.2f}s {kw - baseline['mergekit']['wall']:5.2f}s | {bp:8.0f}M {kp:7.0f}M | "
              f"{(bp - baseline['boom']['maxrss']) / model_mb:7.2f} "
              f"{(kp - baseline['mergekit']['maxrss']) / model_mb:6.2f}")
    print()
    print("peak RSS split, sampled from /proc every 5 ms (MiB, medians): private anonymous pages / "
          "file-backed pages (memory-mapped models, libraries); not simultaneous, so they need not sum to the peak")
    for (method, m), tools in runs.items():
        b, k = tools["boom"], tools["mergekit"]
        print(f"{method:10s} {m:2d} | boom anon {med(b, 'anon'):6.0f} file {med(b, 'file'):5.0f} | "
              f"mergekit anon {med(k, 'anon'):6.0f} file {med(k, 'file'):5.0f}")
    print()
    print("every run, wall s / peak MiB:")
    for (method, m), tools in runs.items():
        cells = {tool: "  ".join(f"{r['wall']:.2f}/{r['maxrss']:.0f}" for r in tools[tool]) for tool in tools}
        print(f"{method:10s} {m:2d} | boom {cells['boom']} | mergekit {cells['mergekit']}")
    print()
    print("boom vs mergekit output (last run of each), max |difference| over the float tensors both hold:")
    for (method, m), (worst, count, unmatched) in diffs.items():
        print(f"{method:10s} {m:2d} | max abs diff {worst:.3g} over {count} tensors"
              + (f"; unmatched: {', '.join(unmatched)}" if unmatched else ""))
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
