# Evaluation: one mteb TaskResult JSON per model and task.


rule evaluate:
    input:
        model=f"{RESULTS}/models/{{model}}/model",
        data=task_raw_files,
    output:
        result=f"{RESULTS}/eval/{{model}}/{{task}}.json",
        provenance=f"{RESULTS}/eval/{{model}}/{{task}}.provenance.json",
    params:
        spec=task_spec_json,
        root=str(DATA_ROOT),
        batch_size=config["evaluation"]["batch_size"],
        max_seq_length=config["evaluation"]["max_seq_length"],
    threads: config["evaluation"]["threads"]
    log:
        f"{LOGS}/eval/{{model}}/{{task}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/eval/{{model}}/{{task}}.tsv"
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom.evaluate --model {input.model} --model-id {wildcards.model} --task {wildcards.task} "
        "--spec {params.spec:q} --root {params.root:q} --batch-size {params.batch_size} "
        "--max-seq-length {params.max_seq_length} --threads {threads} --out {output.result} 2>&1 | tee {log}"
