# Merged models: the weights of other models merged with a mergekit operator.


rule merge:
    wildcard_constraints:
        model=r"merge-[0-9a-f]{12}",
    input:
        inputs=merge_inputs,
        base=base_dir,
    output:
        model=directory(layout.model_dir(RESULTS, "{model}")),
        cost=layout.model_cost_file(RESULTS, "{model}"),
        provenance=layout.model_provenance_file(RESULTS, "{model}"),
    params:
        recipe=recipe_json,
    threads: config["train"]["threads"]
    log:
        f"{LOGS}/merge/{{model}}.log",
    benchmark:
        layout.benchmark_file(RESULTS, "merge/{model}")
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom merge --recipe {params.recipe:q} --base {input.base} --inputs {input.inputs} "
        "--threads {threads} --out {output.model} 2>&1 | tee {log}"


checkpoint interaction_clusters:
    """The paper's pairwise interaction analysis: the matrix, its heatmap and dendrogram, and the
    clusters that `split: clusters` merge variants train one model each for."""
    input:
        unpack(interaction_data),
        base=scale_base_dir,
        record=interaction_record,
    output:
        clusters=CLUSTERS,
        delta=layout.interaction_file(RESULTS, "delta"),
        matrix=layout.interaction_file(RESULTS, "matrix"),
        replicates=[layout.interaction_file(RESULTS, f"matrix.r{k}") for k in range(config["interaction"]["replicates"])],
        stability=layout.interaction_file(RESULTS, "stability"),
        figures=[report(layout.interaction_figure(FIGURES, kind, "png"), caption="../report/interaction.rst",
                        category="Interaction", labels={"figure": kind}) for kind in ("heatmap", "dendrogram")]
        + [layout.interaction_figure(FIGURES, kind, "pdf") for kind in ("heatmap", "dendrogram")],
    params:
        data=interaction_data_args,
        budget=json.dumps(config["interaction"], sort_keys=True),
        hyper=json.dumps({k: config["train"][k] for k in ("batch_size", "learning_rate", "temperature", "max_seq_length")}),
        out_dir=output_dir,
        figures_prefix=interaction_figures_prefix,
    threads: config["train"]["threads"]
    log:
        f"{LOGS}/interaction.log",
    benchmark:
        layout.benchmark_file(RESULTS, "interaction")
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom interaction --base {input.base} --data {params.data} --budget {params.budget:q} "
        "--hyper {params.hyper:q} --threads {threads} --out-dir {params.out_dir} "
        "--figures-prefix {params.figures_prefix} --record {input.record} 2>&1 | tee {log}"
