# Reports: the tidy results table (per experiment, and all together) and each experiment's
# table and figure.


rule experiment_summary:
    input:
        experiment_evals,
    output:
        f"{RESULTS}/summary/{{experiment}}.csv",
    params:
        variants=experiment_variants_json,
        tasks=experiment_tasks_json,  # config order: the tables' column order
        eval_dir=f"{RESULTS}/eval",
    log:
        f"{LOGS}/report/{{experiment}}.summary.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom.report summary --variants {params.variants:q} --tasks {params.tasks:q} "
        "--eval-dir {params.eval_dir} --out {output} 2>&1 | tee {log}"


rule summary:
    input:
        expand(f"{RESULTS}/summary/{{experiment}}.csv", experiment=list(config["experiments"])),
    output:
        f"{RESULTS}/summary.csv",
    log:
        f"{LOGS}/report/summary.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom.report concat --inputs {input} --out {output} 2>&1 | tee {log}"


rule experiment_figures:
    input:
        f"{RESULTS}/summary/{{experiment}}.csv",
    output:
        expand(f"{FIGURES}/{{{{experiment}}}}.{{ext}}", ext=FIGURE_EXTS),
        f"{FIGURES}/{{experiment}}.provenance.json",
    params:
        prefix=output_prefix,
        config=json.dumps(config, sort_keys=True),
    log:
        f"{LOGS}/report/{{experiment}}.figures.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom.report experiment --summary {input} --experiment {wildcards.experiment} "
        "--out-prefix {params.prefix} --config-json {params.config:q} 2>&1 | tee {log}"
