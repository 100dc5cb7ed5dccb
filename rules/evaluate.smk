# Evaluation: one job per model and suite (the model is loaded once for all of the suite's
# tasks, and each distinct text is encoded once), writing one mteb TaskResult JSON per task.
# mteb's result cache is a folder of this scale's results, keyed by the model's unique name and
# a hash of its weights: a rerun of a suite recomputes only the tasks whose results it lacks.

for _suite in SUITES:

    rule:
        name: f"evaluate_{_suite}"
        input:
            model=f"{RESULTS}/models/{{model}}/model",
            data=suite_raw_files(_suite),
        output:
            [f"{RESULTS}/eval/{{model}}/{task}.json" for task in SUITES[_suite]],
            [f"{RESULTS}/eval/{{model}}/{task}.provenance.json" for task in SUITES[_suite]],
        params:
            tasks=json.dumps({task: TASKS[task] for task in SUITES[_suite]}),
            root=data_root,
            out_dir=output_dir,
            cache_dir=f"{RESULTS}/mteb_cache",
            batch_size=config["evaluation"]["batch_size"],
            max_seq_length=config["evaluation"]["max_seq_length"],
            instruction="--query-instruction" if config["model"].get("query_instruction") else "",
        threads: config["evaluation"]["threads"]
        log:
            f"{LOGS}/eval/{{model}}/{_suite}.log",
        benchmark:
            f"{RESULTS}/benchmarks/eval/{{model}}/{_suite}.tsv"
        conda:
            "../envs/boom.yaml"
        shell:
            "python -m boom.evaluate --model {input.model} --model-id {wildcards.model} "
            "--tasks {params.tasks:q} --root {params.root:q} --batch-size {params.batch_size} "
            "--max-seq-length {params.max_seq_length} {params.instruction} --threads {threads} "
            "--cache-dir {params.cache_dir:q} --out-dir {params.out_dir} 2>&1 | tee {log}"
