# Training data: one normalised, capped JSON-lines file per dataset, read from the data mirror,
# and the bags sampled from it. The patterns are boom.layout's, which recipes name their files by.

_TRAIN = dict(dataset="{dataset}", cap="{cap}", k="{k}")
_BAG = dict(_TRAIN, ratio="{ratio}", seed="{seed}")
TRAIN_NAME = layout.train_name(**_TRAIN)
TRAIN_FILE = layout.train_file(RESULTS, **_TRAIN)
BAG_NAME = layout.train_name(**_BAG)
BAG_FILE = layout.bag_file(RESULTS, **_BAG)
COMPLEMENT_NAME = layout.train_name(**_BAG, complement=True)
COMPLEMENT_FILE = layout.bag_file(RESULTS, **_BAG, complement=True)


rule prepare_train_data:
    wildcard_constraints:
        dataset=PREPARED_NAMES,
    input:
        dataset_raw_files,
    output:
        data=TRAIN_FILE,
        card=layout.card_file(TRAIN_FILE),
    params:
        root=data_root,
        loader_version=loader_version,
        own=OWN_DATA,
    log:
        f"{LOGS}/data/{TRAIN_NAME}.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom data.prepare --root {params.root:q} --own-data {params.own:q} --dataset {wildcards.dataset} "
        "--max-examples {wildcards.cap} --hard-negatives {wildcards.k} --out {output.data} 2>&1 | tee {log}"


rule prepare_hub_train_data:
    """One split of the config's Hub dataset (train.hub; paper scale), downloaded at run time."""
    wildcard_constraints:
        dataset=HUB_NAMES,
    output:
        data=TRAIN_FILE,
        card=layout.card_file(TRAIN_FILE),
    params:
        repo=HUB.get("repo"),
        revision=HUB.get("revision"),
        split=lambda wildcards: HUB["datasets"][wildcards.dataset]["split"],
        task_type=lambda wildcards: HUB["datasets"][wildcards.dataset]["task_type"],
    log:
        f"{LOGS}/data/{TRAIN_NAME}.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom data.hub --repo {params.repo:q} --revision {params.revision} --split {params.split:q} "
        "--task-type {params.task_type} --max-examples {wildcards.cap} --hard-negatives {wildcards.k} "
        "--out {output.data} 2>&1 | tee {log}"


rule sample_train_data:
    """A bag (BOOM) or replay sample of a prepared training file, at a ratio, from a seed."""
    input:
        TRAIN_FILE,
    output:
        data=BAG_FILE,
        card=layout.card_file(BAG_FILE),
    log:
        f"{LOGS}/data/{BAG_NAME}.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom data.sampling --in {input} --dataset {wildcards.dataset} --ratio {wildcards.ratio} "
        "--seed {wildcards.seed} --out {output.data} 2>&1 | tee {log}"


rule complement_train_data:
    """What a bag left out of its prepared training file (BOOM's 50% + complement ratio set)."""
    input:
        TRAIN_FILE,
    output:
        data=COMPLEMENT_FILE,
        card=layout.card_file(COMPLEMENT_FILE),
    log:
        f"{LOGS}/data/{COMPLEMENT_NAME}.log",
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
        csv=layout.figure_file(FIGURES, "data_card", "csv"),
        md=layout.figure_file(FIGURES, "data_card", "md"),
        html=report(layout.figure_file(FIGURES, "data_card", "html"), caption="../report/data_card.rst",
                    category="Data", labels={"file": "data card"}),
    params:
        root=data_root,
        prefix=output_prefix,
    log:
        f"{LOGS}/data/data_card.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom data.card --root {params.root:q} --out-prefix {params.prefix} 2>&1 | tee {log}"
