"""Where a finished `paper` run's time went, per rule and per experiment target, from Snakemake's
`benchmark:` files (results/benchmarks/).

    python benchmarks/target_times.py [--configfile config/smoke.yaml ...]

Per rule: jobs, the sum of their wall and CPU seconds. Per target: the jobs it needs (its models'
training and merging, recursively; the evaluation of its reported models; the interaction
analysis where it merges per cluster) and the sum of their wall seconds, counting a job shared
with other targets in each, as running that target alone from nothing would. Jobs ran two at a
time on 2 cores (one thread each), so the alone estimate is that sum over 2. Data preparation and
report jobs take seconds and have no benchmark file; they are not counted.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

from boom import config as boom_config
from boom.recipes import register_inputs, model_id, needs_clusters, resolve


def read_benchmark(path: Path, bench: Path, logs: Path) -> tuple[float, float] | None:
    """(wall s, cpu s) of one Snakemake benchmark file, or None if the job has none. A job run in
    the fork server does its work outside the process tree Snakemake measures: its CPU seconds
    are in the job's log (logs/<scale>/<the benchmark file's path>.log), as the client wrote them."""
    if not path.is_file():
        return None
    with path.open() as fh:
        row = list(csv.DictReader(fh, delimiter="\t"))[-1]
    wall, cpu = float(row["s"]), float(row["cpu_time"])
    log = logs / path.relative_to(bench).with_suffix(".log")
    if log.is_file():
        served = re.search(r"ran in fork server child \d+: ([\d.]+) s CPU", log.read_text(errors="replace"))
        cpu += float(served.group(1)) if served else 0.0
    return wall, cpu


def models_needed(recipe: dict) -> set[str]:
    """The model ids a model needs built: itself, its merge inputs, the model it continues, its base."""
    needed: dict[str, dict] = {model_id(recipe): recipe}
    register_inputs(recipe, needed)
    return set(needed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", nargs="*", default=[], help="layers over config/default.yaml")
    args = parser.parse_args()
    config = boom_config.load(*args.configfile)
    results = boom_config.REPO_ROOT / config["results_dir"]
    bench = results / "benchmarks"
    logs = boom_config.REPO_ROOT / "logs" / config["scale"]
    clusters = json.loads((results / "interaction/clusters.json").read_text())["clusters"]
    resolved = resolve(config, clusters=clusters)

    def job_files(mid: str) -> list[Path]:
        kind = mid.split("-")[0]
        return [bench / f"{kind}/{mid}.tsv"] if kind in ("train", "merge") else []

    print(f"{'rule':22s} {'jobs':>5s} {'wall s':>9s} {'cpu s':>9s}")
    for rule, pattern in (("train", "train/*.tsv"), ("merge", "merge/*.tsv"), ("evaluate", "eval/*/evaluate.tsv"),
                          ("evaluate_new_domain", "eval/*/evaluate_new_domain.tsv"), ("interaction", "interaction.tsv")):
        times = [read_benchmark(p, bench, logs) for p in sorted(bench.glob(pattern))]
        print(f"{rule:22s} {len(times):5d} {sum(t[0] for t in times):9.0f} {sum(t[1] for t in times):9.0f}")

    print(f"\n{'target':16s} {'jobs':>5s} {'sum of job wall s':>18s} {'alone on 2 cores, min':>22s}")
    for experiment in config["experiments"]:
        rows = [r for r in resolved.variants if r["experiment"] == experiment]
        files = {bench / "interaction.tsv"} if needs_clusters(config, experiment) else set()
        built = {mid for row in rows for mid in models_needed(resolved.recipes[row["model"]])}
        files |= {f for mid in built for f in job_files(mid)}
        suites = config["experiments"][experiment].get("suites", ["in_domain", "out_of_domain"])
        for row in rows:
            files.add(bench / f"eval/{row['model']}/evaluate.tsv")
            if "new_domain" in suites:
                files.add(bench / f"eval/{row['model']}/evaluate_new_domain.tsv")
        times = [t for t in (read_benchmark(f, bench, logs) for f in files) if t]
        missing = len(files) - len(times)
        wall = sum(t[0] for t in times)
        print(f"{experiment:16s} {len(times):5d} {wall:18.0f} {wall / 2 / 60:22.1f}"
              + (f"   ({missing} benchmark files missing)" if missing else ""))


if __name__ == "__main__":
    main()
