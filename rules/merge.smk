# Merged models: the weights of other models merged with a mergekit operator.


rule merge:
    input:
        inputs=merge_inputs,
        base=base_dir,
    output:
        model=directory(f"{RESULTS}/models/{{model,merge-[0-9a-f]{{12}}}}/model"),
        cost=f"{RESULTS}/models/{{model}}/cost.json",
        provenance=f"{RESULTS}/models/{{model}}/provenance.json",
    params:
        recipe=recipe_json,
    threads: config["train"]["threads"]
    log:
        f"{LOGS}/merge/{{model}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/merge/{{model}}.tsv"
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom.merge --recipe {params.recipe:q} --base {input.base} --inputs {input.inputs} "
        "--threads {threads} --out {output.model} 2>&1 | tee {log}"
