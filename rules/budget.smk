# The budget sweeps (boom/budget.py): the claims' experiments at other training budgets, each an
# experiment of its own (`budget/<exp>_n<cap>`, `budget/<exp>_new<cap>`) built by the same rules
# as the paper's, and one table and figure of the claims against the budget. Not part of `paper`.


def sweep_levels(sweep):
    """A sweep's experiments: name -> {of: the experiment it reruns, cap: its budget}."""
    return {name: {"of": spec["of"], "cap": spec["cap"]} for name, spec in SWEEPS[sweep].items()}


def sweep_ratios_json(wildcards):
    """experiment -> {variant: bag ratio} of the bag models the sweep's figure shows against their
    ratio (BLS on the whole mix at 1.0), for the experiments that have bags."""
    ratios = {}
    for exp in {level["of"] for level in sweep_levels(wildcards.sweep).values()}:
        trained = {n: v for n, v in config["experiments"][exp]["variants"].items() if v["kind"] == "train"
                   and not set(v) & {"datasets", "new_datasets", "replay", "init", "bag", "complement", "order"}
                   and v.get("schedule", "bls") == "bls"}
        if any("ratio" in v for v in trained.values()):
            ratios[exp] = {n: v.get("ratio", 1.0) for n, v in trained.items()}
    return json.dumps(ratios, sort_keys=True)


def sweep_record(wildcards):
    """A sweep's table and figure: the claims file's sha256, its experiments and what they report."""
    with open(CLAIMS_FILE, "rb") as fh:
        claims_sha = hashlib.sha256(fh.read()).hexdigest()
    levels = sweep_levels(wildcards.sweep)
    content = {"claims": claims_sha, "levels": levels, "results_dir": RESULTS,
               "summaries": {n: records.digest(summary_content(n)) for n in levels}}
    outputs = [layout.figure_file(FIGURES, wildcards.sweep, ext) for ext in BUDGET_EXTS]
    return synced_record("budget", wildcards.sweep, content, lambda: [records.group(outputs)])


BUDGET_EXTS = ("md", "csv", "html", "png", "pdf", "provenance.json")


def sweep_plan(sweep):
    """cap -> the sweep's jobs not done yet: the examples of each training, the evaluations and
    merges (a model or evaluation shared by two caps, or with `paper`, counted once)."""
    plan, seen = {}, set()
    for name, spec in SWEEPS[sweep].items():
        p = plan.setdefault(spec["cap"], {"trainings": [], "evaluations": 0, "new_domain": 0, "merges": 0})
        sizes = prepared_sizes(at_budget(config, spec["budget"]))
        tasks = experiment_tasks(name)
        for row in variants_of(name):
            r = recipe(row["model"])
            for mid in trained_models(r) + ([row["model"]] if r["kind"] == "merge" else []):
                if mid in seen or os.path.isdir(model_dir(mid)):
                    continue
                seen.add(mid)
                if mid.startswith("train-"):
                    p["trainings"].append(sum(planned_sizes(recipe(mid), sizes).values()))
                else:
                    p["merges"] += 1
            for job, kind in (("evaluations", "in_out"), ("new_domain", "new_domain")):
                mine = [t for t in tasks if (TASKS[t]["role"] == "new_domain") == (kind == "new_domain")]
                if mine and (row["model"], kind) not in seen and not os.path.exists(layout.eval_file(RESULTS, row["model"], mine[0])):
                    seen.add((row["model"], kind))
                    p[job] += 1
    return plan


def print_sweep_estimate(sweep):
    """What a sweep will take here, from the committed run's measured per-job times."""
    walls = budget_sweep.read_walls(Path(RESULTS) / "benchmarks")
    sizes = prepared_sizes(config)
    points = [(sum(planned_sizes(RECIPES[m], sizes).values()), s) for job, s in walls.items()
              if job.startswith("train/") and (m := job.split("/", 1)[1]) in RECIPES]
    per_job = {kind: budget_sweep.median([s for job, s in walls.items() if job.endswith("/" + kind)], default)
               for kind, default in (("evaluate", 40.0), ("evaluate_new_domain", 6.0))}
    per_job["merge"] = budget_sweep.median([s for job, s in walls.items() if job.startswith("merge/")], 3.0)
    lines = budget_sweep.estimate(sweep_plan(sweep), budget_sweep.fit_training(points), per_job,
                                  os.cpu_count() or 1)
    print(f"boom: {sweep}: " + "\n".join(lines), file=sys.stderr)


rule budget_claims:
    """Every claim of the sweep's experiments checked at each cap, its trend, and the bag models'
    own scores against their ratio."""
    input:
        summaries=lambda w: [layout.summary_file(RESULTS, n) for n in sweep_levels(w.sweep)],
        costs=lambda w: [layout.costs_file(RESULTS, n) for n in sweep_levels(w.sweep)],
        per_item=lambda w: items_of(list(sweep_levels(w.sweep))),
        record=sweep_record,
    output:
        md=layout.figure_file(FIGURES, "{sweep}", "md"),
        csv=layout.figure_file(FIGURES, "{sweep}", "csv"),
        html=report(layout.figure_file(FIGURES, "{sweep}", "html"), caption="../report/budget.rst",
                    category="Budget sweep", labels={"sweep": "{sweep}", "file": "table"}),
        png=report(layout.figure_file(FIGURES, "{sweep}", "png"), caption="../report/budget.rst",
                   category="Budget sweep", labels={"sweep": "{sweep}", "file": "figure"}),
        pdf=layout.figure_file(FIGURES, "{sweep}", "pdf"),
        bags=layout.sweep_bags_file(FIGURES, "{sweep}"),
        provenance=layout.figure_file(FIGURES, "{sweep}", "provenance.json"),
    params:
        claims=CLAIMS_FILE,
        levels=lambda w: json.dumps(sweep_levels(w.sweep), sort_keys=True),
        ratios=sweep_ratios_json,
        eval_dir=layout.eval_dir(RESULTS),
        prefix=output_prefix,
    log:
        f"{LOGS}/report/{{sweep}}.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom budget --sweep {wildcards.sweep} --claims {params.claims} --summaries {input.summaries} "
        "--costs {input.costs} --eval-dir {params.eval_dir} --levels {params.levels:q} --ratios {params.ratios:q} "
        "--record {input.record} --out {params.prefix} 2>&1 | tee {log}"


rule budget:
    """The budget sweep: the claims against every training set's cap (budget.caps)."""
    input:
        [layout.figure_file(FIGURES, "budget", ext) for ext in BUDGET_EXTS],
        experiment_outputs(list(SWEEPS["budget"])),


rule budget_new_domain:
    """The new domain's data grown alone (budget.new_domain_caps): the new-domain claims' noise."""
    input:
        [layout.figure_file(FIGURES, "budget_new_domain", ext) for ext in BUDGET_EXTS],
        experiment_outputs(list(SWEEPS["budget_new_domain"])),


# Said when a sweep is the target (a dry run included: no onstart hook runs there).
for _sweep in budget_sweep.SWEEPS:
    if _sweep in sys.argv[1:] and not workflow.remote_exec:
        for _exp in budget_sweep.absent(config):
            print(f"boom: {_sweep}: {_exp} is not an experiment of this config: left out of the sweep", file=sys.stderr)
        for _line in SWEEP_LEFT_OUT:
            if _line.startswith(f"boom: {_sweep}:"):
                print(_line, file=sys.stderr)
        try:
            print_sweep_estimate(_sweep)
        except BoomError as _error:
            print(f"boom: {_sweep}: no estimate: {_error}", file=sys.stderr)
