# Evaluation: one job per model for the in- and out-of-domain suites that every experiment
# reports, and one for the new domain that only incremental learning needs. The model is loaded
# once per job, each distinct text is encoded once, and every task gets one mteb TaskResult JSON.
# mteb's result cache is a folder of this scale's results, keyed by the model's unique name and
# a hash of its weights: a rerun recomputes only the tasks whose results it lacks.
# The reviewer's check (rules/verify.smk) evaluates again into results/verify/, with a cache of
# its own that starts empty (an output: Snakemake removes it before the job runs).
# Jobs into results/eval/ also write each task's per-item record, <task>.items.json (from the
# predictions mteb saves; boom/items.py), which the claims' paired bootstrap resamples; the
# result cache keeps them too, so that a task served from it comes with its items. An mteb
# benchmark task of a kind boom cannot resample (paper scale) has none. The reviewer's check
# compares TaskResults only and writes none.

EVAL_JOBS = {  # job: (suites, results folder, mteb result cache)
    "evaluate": (list(DEFAULT_SUITES), "eval", layout.mteb_cache_dir(RESULTS)),
    "evaluate_new_domain": (["new_domain"], "eval", layout.mteb_cache_dir(RESULTS)),
    "verify_evaluate": (list(DEFAULT_SUITES), "verify", layout.verify_cache_dir(RESULTS, "{model}")),
}

for _job, (_suites, _folder, _cache) in EVAL_JOBS.items():
    _tasks = [task for suite in _suites for task in SUITES.get(suite, [])]
    if not _tasks:
        continue
    _items = [task for task in _tasks if has_items(TASKS[task])] if _folder == "eval" else []

    rule:
        name: _job
        input:
            model=layout.model_dir(RESULTS, "{model}"),
            data=mirror_pins(_tasks),
            record=eval_record(_job, _tasks, _folder, _items),
        output:
            [layout.eval_file(RESULTS, "{model}", task, _folder) for task in _tasks],
            [layout.eval_provenance_file(RESULTS, "{model}", task, _folder) for task in _tasks],
            [layout.eval_items_file(RESULTS, "{model}", task, _folder) for task in _items],
            [directory(_cache)] if "{model}" in _cache else [],
        params:
            tasks=json.dumps({task: TASKS[task] for task in _tasks}),
            root=data_root,
            own=OWN_DATA,
            out_dir=output_dir,
            cache_dir=_cache,
            batch_size=config["evaluation"]["batch_size"],
            max_seq_length=config["evaluation"]["max_seq_length"],
            precision=config["evaluation"]["precision"],
            instruction="--query-instruction" if config["model"]["query_instruction"] else "",
            per_item="--items" if _items else "",
        threads: config["evaluation"]["threads"]
        log:
            f"{LOGS}/eval/{{model}}/{_job}.log",
        benchmark:
            layout.benchmark_file(RESULTS, f"eval/{{model}}/{_job}")
        conda:
            "../envs/boom.yaml"
        shell:
            "python -m boom evaluate --model {input.model} --model-id {wildcards.model} "
            "--tasks {params.tasks:q} --root {params.root:q} --own-data {params.own:q} --batch-size {params.batch_size} "
            "--max-seq-length {params.max_seq_length} --precision {params.precision} {params.instruction} {params.per_item} --threads {threads} "
            "--cache-dir {params.cache_dir:q} --record {input.record} --out-dir {params.out_dir} 2>&1 | tee {log}"
