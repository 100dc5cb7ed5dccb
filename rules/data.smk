# Training data: one normalised, capped JSON-lines file per dataset, read from the data mirror.


rule prepare_train_data:
    wildcard_constraints:
        dataset=MIRROR_NAMES,
    input:
        dataset_raw_files,
    output:
        data=f"{RESULTS}/data/train/{{dataset}}.n{{cap}}.k{{k}}.jsonl",
        card=f"{RESULTS}/data/train/{{dataset}}.n{{cap}}.k{{k}}.jsonl.card.json",
    params:
        root=data_root,
        loader_version=loader_version,
    log:
        f"{LOGS}/data/{{dataset}}.n{{cap}}.k{{k}}.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom data.prepare --root {params.root:q} --dataset {wildcards.dataset} "
        "--max-examples {wildcards.cap} --hard-negatives {wildcards.k} --out {output.data} 2>&1 | tee {log}"


rule prepare_hub_train_data:
    """One split of the config's Hub dataset (train.hub; paper scale), downloaded at run time."""
    wildcard_constraints:
        dataset=HUB_NAMES,
    output:
        data=f"{RESULTS}/data/train/{{dataset}}.n{{cap}}.k{{k}}.jsonl",
        card=f"{RESULTS}/data/train/{{dataset}}.n{{cap}}.k{{k}}.jsonl.card.json",
    params:
        repo=HUB.get("repo"),
        revision=HUB.get("revision"),
        split=lambda wildcards: HUB["datasets"][wildcards.dataset]["split"],
        task_type=lambda wildcards: HUB["datasets"][wildcards.dataset]["task_type"],
    log:
        f"{LOGS}/data/{{dataset}}.n{{cap}}.k{{k}}.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom data.hub --repo {params.repo:q} --revision {params.revision} --split {params.split:q} "
        "--task-type {params.task_type} --max-examples {wildcards.cap} --hard-negatives {wildcards.k} "
        "--out {output.data} 2>&1 | tee {log}"


rule sample_train_data:
    """A bag (BOOM) or replay sample of a prepared training file, at a ratio, from a seed."""
    input:
        f"{RESULTS}/data/train/{{dataset}}.n{{cap}}.k{{k}}.jsonl",
    output:
        data=f"{RESULTS}/data/train/{{dataset}}.n{{cap}}.k{{k}}.r{{ratio}}.s{{seed}}.jsonl",
        card=f"{RESULTS}/data/train/{{dataset}}.n{{cap}}.k{{k}}.r{{ratio}}.s{{seed}}.jsonl.card.json",
    log:
        f"{LOGS}/data/{{dataset}}.n{{cap}}.k{{k}}.r{{ratio}}.s{{seed}}.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom data.sampling --in {input} --dataset {wildcards.dataset} --ratio {wildcards.ratio} "
        "--seed {wildcards.seed} --out {output.data} 2>&1 | tee {log}"


rule complement_train_data:
    """What a bag left out of its prepared training file (BOOM's 50% + complement ratio set)."""
    input:
        f"{RESULTS}/data/train/{{dataset}}.n{{cap}}.k{{k}}.jsonl",
    output:
        data=f"{RESULTS}/data/train/{{dataset}}.n{{cap}}.k{{k}}.r{{ratio}}.s{{seed}}.c.jsonl",
        card=f"{RESULTS}/data/train/{{dataset}}.n{{cap}}.k{{k}}.r{{ratio}}.s{{seed}}.c.jsonl.card.json",
    log:
        f"{LOGS}/data/{{dataset}}.n{{cap}}.k{{k}}.r{{ratio}}.s{{seed}}.c.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom data.sampling --in {input} --dataset {wildcards.dataset} --ratio {wildcards.ratio} "
        "--seed {wildcards.seed} --complement --out {output.data} 2>&1 | tee {log}"


rule data_card:
    """One row per dataset and split: task type, role, examples, licence, source sha256."""
    input:
        all_raw_files(),
    output:
        csv=f"{FIGURES}/data_card.csv",
        md=f"{FIGURES}/data_card.md",
    params:
        root=data_root,
        prefix=output_prefix,
    log:
        f"{LOGS}/data/data_card.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom data.card --root {params.root:q} --out-prefix {params.prefix} 2>&1 | tee {log}"
