# The budget sweeps (boom/budget.py): the claims' experiments at other training budgets, each an
# experiment of its own (`budget/<exp>_n<cap>`, `budget/<exp>_new<cap>`) built by the same rules
# as the paper's, and one table and figure of the claims against the budget. Not part of `paper`.


rule budget_claims:
    """Every claim of the sweep's experiments checked at each cap, its trend, and the bag models'
    own scores against their ratio."""
    input:
        summaries=lambda w: [layout.summary_file(RESULTS, n) for n in sweep_levels(w.sweep)],
        costs=lambda w: [layout.costs_file(RESULTS, n) for n in sweep_levels(w.sweep)],
        per_item=lambda w: items_of(list(sweep_levels(w.sweep))),
        record=sweep_record,
    output:
        md=layout.figure_file(FIGURES, "{sweep}", "md"),
        csv=layout.figure_file(FIGURES, "{sweep}", "csv"),
        html=report(layout.figure_file(FIGURES, "{sweep}", "html"), caption="../report/budget.rst",
                    category="Budget sweep", labels={"sweep": "{sweep}", "file": "table"}),
        png=report(layout.figure_file(FIGURES, "{sweep}", "png"), caption="../report/budget.rst",
                   category="Budget sweep", labels={"sweep": "{sweep}", "file": "figure"}),
        pdf=layout.figure_file(FIGURES, "{sweep}", "pdf"),
        bags=layout.sweep_bags_file(FIGURES, "{sweep}"),
        provenance=layout.figure_file(FIGURES, "{sweep}", "provenance.json"),
    params:
        claims=CLAIMS_FILE,
        levels=lambda w: json.dumps(sweep_levels(w.sweep), sort_keys=True),
        ratios=sweep_ratios_json,
        eval_dir=layout.eval_dir(RESULTS),
        prefix=output_prefix,
    log:
        f"{LOGS}/report/{{sweep}}.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom budget --sweep {wildcards.sweep} --claims {params.claims} --summaries {input.summaries} "
        "--costs {input.costs} --eval-dir {params.eval_dir} --levels {params.levels:q} --ratios {params.ratios:q} "
        "--record {input.record} --out {params.prefix} 2>&1 | tee {log}"


rule budget:
    """The budget sweep: the claims against every training set's cap (budget.caps)."""
    input:
        [layout.figure_file(FIGURES, "budget", ext) for ext in BUDGET_EXTS],
        experiment_outputs(list(SWEEPS["budget"])),


rule budget_new_domain:
    """The new domain's data grown alone (budget.new_domain_caps): the new-domain claims' noise."""
    input:
        [layout.figure_file(FIGURES, "budget_new_domain", ext) for ext in BUDGET_EXTS],
        experiment_outputs(list(SWEEPS["budget_new_domain"])),


say_sweep_estimates()
