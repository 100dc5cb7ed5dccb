# Reports: the tidy results table (per experiment, and all together) and each experiment's
# table and figure.


rule experiment_summary:
    input:
        experiment_evals,
    output:
        f"{RESULTS}/summary/{{experiment}}.csv",
    params:
        variants=experiment_variants_json,
        tasks=json.dumps(TASK_INFO),  # config order: the tables' column order
    log:
        f"{LOGS}/report/{{experiment}}.summary.log",
    shell:
        "{PY} -m boom.report summary --variants {params.variants:q} --tasks {params.tasks:q} "
        "--eval-dir {RESULTS}/eval --out {output} 2>&1 | tee {log}"


rule summary:
    input:
        expand(f"{RESULTS}/summary/{{experiment}}.csv", experiment=list(config["experiments"])),
    output:
        f"{RESULTS}/summary.csv",
    log:
        f"{LOGS}/report/summary.log",
    shell:
        "{PY} -m boom.report concat --inputs {input} --out {output} 2>&1 | tee {log}"


rule experiment_figures:
    input:
        f"{RESULTS}/summary/{{experiment}}.csv",
    output:
        expand(f"{FIGURES}/{{{{experiment}}}}.{{ext}}", ext=FIGURE_EXTS),
    log:
        f"{LOGS}/report/{{experiment}}.figures.log",
    shell:
        "{PY} -m boom.report experiment --summary {input} --experiment {wildcards.experiment} "
        "--out-prefix {FIGURES}/{wildcards.experiment} 2>&1 | tee {log}"
