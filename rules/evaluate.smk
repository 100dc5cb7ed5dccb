# Evaluation: one job per model and suite (the model is loaded once for all of the suite's
# tasks), writing one mteb TaskResult JSON per task.

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
            batch_size=config["evaluation"]["batch_size"],
            max_seq_length=config["evaluation"]["max_seq_length"],
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
            "--max-seq-length {params.max_seq_length} --threads {threads} --out-dir {params.out_dir} "
            "2>&1 | tee {log}"
