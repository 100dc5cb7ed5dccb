# Models: the base model of the scale, and every trained model, each in a folder named by the
# hash of its recipe (results/models/<kind>-<hash>/).


rule base_model:
    wildcard_constraints:
        model=r"base-[0-9a-f]{12}",
    output:
        model=directory(layout.model_dir(RESULTS, "{model}")),
        provenance=layout.model_provenance_file(RESULTS, "{model}"),
    params:
        recipe=recipe_json,
    log:
        f"{LOGS}/models/{{model}}.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom models --recipe {params.recipe:q} --out {output.model} 2>&1 | tee {log}"


rule train:
    wildcard_constraints:
        model=r"train-[0-9a-f]{12}",
    input:
        unpack(train_data),
        base=start_dir,
    output:
        model=directory(layout.model_dir(RESULTS, "{model}")),
        cost=layout.model_cost_file(RESULTS, "{model}"),
        provenance=layout.model_provenance_file(RESULTS, "{model}"),
    params:
        recipe=recipe_json,
        data=train_data_args,
        launch=train_launcher,
        min_steps=config["train"]["min_steps"],
    threads: config["train"]["threads"]
    log:
        f"{LOGS}/train/{{model}}.log",
    benchmark:
        layout.benchmark_file(RESULTS, "train/{model}")
    conda:
        "../envs/boom.yaml"
    shell:
        "{params.launch} -m boom train --recipe {params.recipe:q} --base {input.base} --data {params.data} "
        "--min-steps {params.min_steps} --out {output.model} 2>&1 | tee {log}"
