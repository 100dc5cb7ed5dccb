# Reports: the tidy results table (per experiment, and all together) and each experiment's
# table and figure.


rule experiment_summary:
    input:
        evals=experiment_evals,
        record=summary_record,
    output:
        table=layout.summary_file(RESULTS, "{experiment}"),
        provenance=layout.provenance_file(layout.summary_file(RESULTS, "{experiment}")),
    params:
        variants=experiment_variants_json,
        tasks=experiment_tasks_json,  # config order: the tables' column order
        eval_dir=layout.eval_dir(RESULTS),
    log:
        f"{LOGS}/report/{{experiment}}.summary.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom report summary --variants {params.variants:q} --tasks {params.tasks:q} "
        "--eval-dir {params.eval_dir} --record {input.record} --out {output.table} 2>&1 | tee {log}"


rule summary:
    input:
        tables=expand(layout.summary_file(RESULTS, "{experiment}"), experiment=list(config["experiments"])),
        record=tables_record("summary"),
    output:
        table=layout.summary_file(RESULTS),
        provenance=layout.provenance_file(layout.summary_file(RESULTS)),
    log:
        f"{LOGS}/report/summary.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom report concat --inputs {input.tables} --record {input.record} --out {output.table} 2>&1 | tee {log}"


rule experiment_costs:
    """Each variant's training cost: examples and seconds over every model its recipe trains."""
    input:
        models=experiment_cost_files,
        record=costs_record,
    output:
        table=layout.costs_file(RESULTS, "{experiment}"),
        provenance=layout.provenance_file(layout.costs_file(RESULTS, "{experiment}")),
        losses=layout.losses_file(RESULTS, "{experiment}"),
    params:
        variants=experiment_costs_json,
        models_dir=layout.models_dir(RESULTS),
    log:
        f"{LOGS}/report/{{experiment}}.costs.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom report costs --variants {params.variants:q} --models-dir {params.models_dir} "
        "--record {input.record} --out {output.table} --losses-out {output.losses} 2>&1 | tee {log}"


rule costs:
    input:
        tables=expand(layout.costs_file(RESULTS, "{experiment}"), experiment=list(config["experiments"])),
        record=tables_record("costs"),
    output:
        table=layout.costs_file(RESULTS),
        provenance=layout.provenance_file(layout.costs_file(RESULTS)),
    log:
        f"{LOGS}/report/costs.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom report concat --inputs {input.tables} --record {input.record} --out {output.table} --columns costs "
        "2>&1 | tee {log}"


rule claims:
    """The paper's claims (config/claims.yaml) checked on this run's numbers: a paired bootstrap
    over the evaluation items (each model's <task>.items.json) and seeds decides each."""
    input:
        record=claims_record,
        summary=layout.summary_file(RESULTS),
        costs=layout.costs_file(RESULTS),
        per_item=claims_items,
    output:
        html=report(layout.figure_file(FIGURES, "claims", "html"), caption="../report/claims.rst", category="Claims",
                    labels={"file": "table"}),
        png=report(layout.figure_file(FIGURES, "claims", "png"), caption="../report/claims_figure.rst",
                   category="Claims", labels={"file": "figure"}),
        md=layout.figure_file(FIGURES, "claims", "md"),
        csv=layout.figure_file(FIGURES, "claims", "csv"),
        pdf=layout.figure_file(FIGURES, "claims", "pdf"),
        provenance=layout.figure_file(FIGURES, "claims", "provenance.json"),
    params:
        claims=CLAIMS_FILE,  # not an input: the record holds its sha256 (a checkout's mtimes are arbitrary)
        prefix=output_prefix,
        eval_dir=layout.eval_dir(RESULTS),
    log:
        f"{LOGS}/report/claims.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom claims --claims {params.claims} --summary {input.summary} --costs {input.costs} "
        "--eval-dir {params.eval_dir} --record {input.record} --out {params.prefix} 2>&1 | tee {log}"


rule experiment_figures:
    input:
        summary=layout.summary_file(RESULTS, "{experiment}"),
        costs=layout.costs_file(RESULTS, "{experiment}"),
        losses=layout.losses_file(RESULTS, "{experiment}"),
        per_item=experiment_items,
        record=figures_record,
    output:
        report(layout.figure_file(FIGURES, "{experiment}", "png"), caption="../report/experiment.rst",
               category="Experiments", subcategory="{experiment}", labels={"experiment": "{experiment}", "file": "figure"}),
        report(layout.figure_file(FIGURES, "{experiment}", "html"), caption="../report/table.rst",
               category="Experiments", subcategory="{experiment}", labels={"experiment": "{experiment}", "file": "table"}),
        [layout.figure_file(FIGURES, "{experiment}", ext) for ext in layout.FIGURE_EXTS if ext not in ("png", "html")],
        report(layout.loss_figure(FIGURES, "{experiment}", "png"), caption="../report/loss.rst",
               category="Experiments", subcategory="{experiment}", labels={"experiment": "{experiment}", "file": "loss"}),
        layout.loss_figure(FIGURES, "{experiment}", "pdf"),
        layout.figure_file(FIGURES, "{experiment}", "provenance.json"),
    params:
        prefix=output_prefix,
        config=experiment_config_json,
        reference=cost_reference,
        eval_dir=layout.eval_dir(RESULTS),
        notes=experiment_notes_json,
        data=experiment_data_json,
    log:
        f"{LOGS}/report/{{experiment}}.figures.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom report experiment --summary {input.summary} --costs {input.costs} --losses {input.losses} "
        "--reference {params.reference} --experiment {wildcards.experiment} "
        "--eval-dir {params.eval_dir} --notes {params.notes:q} --data {params.data:q} "
        "--out-prefix {params.prefix} --config-json {params.config:q} --record {input.record} 2>&1 | tee {log}"


rule report_page:
    """The reader's front page (boom/page.py): every experiment's figure, tables, provenance and
    loss curves, the claims, the interaction figures, RUN.md, verify.md and the data card."""
    input:
        experiments=experiment_outputs(list(config["experiments"])),
        claims=[layout.figure_file(FIGURES, "claims", ext) for ext in ("html", "png")],
        interaction=[layout.interaction_figure(FIGURES, kind, "png") for kind in ("heatmap", "dendrogram")],
        data_card=layout.figure_file(FIGURES, "data_card", "html"),
    output:
        page=layout.figure_file(FIGURES, "index", "html"),
        run=report(layout.figure_file(FIGURES, "run_record", "html"), caption="../report/run_record.rst",
                   category="Run", labels={"file": "RUN.md and verify.md"}),
    params:
        figures=output_dir,
        experiments=" ".join(config["experiments"]),
    log:
        f"{LOGS}/report/index.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom page --figures {params.figures:q} --experiments {params.experiments} --out {output.page} "
        "--run-out {output.run} "
        "2>&1 | tee {log}"
