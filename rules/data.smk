# Training data: one normalised, capped JSON-lines file per dataset, read from the data mirror.


rule prepare_train_data:
    input:
        dataset_raw_files,
    output:
        data=f"{RESULTS}/data/train/{{dataset}}.n{{cap}}.jsonl",
        card=f"{RESULTS}/data/train/{{dataset}}.n{{cap}}.jsonl.card.json",
    log:
        f"{LOGS}/data/{{dataset}}.n{{cap}}.log",
    shell:
        "{PY} -m boom.data.prepare --root {DATA_ROOT:q} --dataset {wildcards.dataset} "
        "--max-examples {wildcards.cap} --out {output.data} 2>&1 | tee {log}"
