# Training data: one normalised, capped JSON-lines file per dataset, read from the data mirror.


rule prepare_train_data:
    input:
        dataset_raw_files,
    output:
        data=f"{RESULTS}/data/train/{{dataset}}.n{{cap}}.jsonl",
        card=f"{RESULTS}/data/train/{{dataset}}.n{{cap}}.jsonl.card.json",
    params:
        root=str(DATA_ROOT),
        loader_version=loader_version,
    log:
        f"{LOGS}/data/{{dataset}}.n{{cap}}.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom.data.prepare --root {params.root:q} --dataset {wildcards.dataset} "
        "--max-examples {wildcards.cap} --out {output.data} 2>&1 | tee {log}"
