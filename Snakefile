# boom: the paper "Bagging-Based Model Merging for Robust General Text Embeddings" as a DAG.
#
#   snakemake --cores all paper                                   # default scale (offline, CPU)
#   snakemake --cores all paper --configfile config/smoke.yaml    # smoke scale (tests, CI)
#   snakemake --cores all slice                                   # one experiment alone
#
# The logic lives in the `boom` package; rules only name files and call `python -m boom <stage>`.

import sys

from snakemake.utils import min_version

min_version("9.0")

configfile: "config/default.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/train.smk"
include: "rules/merge.smk"
include: "rules/evaluate.smk"
include: "rules/report.smk"
include: "rules/verify.smk"
include: "rules/budget.smk"


# Light jobs (tables, figures, the claims check) run on the submitting machine under a cluster
# executor instead of waiting in the queue for a node.
localrules:
    experiment_summary,
    summary,
    experiment_costs,
    costs,
    claims,
    experiment_figures,
    report_page,
    budget_claims,


rule paper:
    """Every experiment of the paper: tables and figures in figures_dir, the tidy summary.csv."""
    input:
        layout.summary_file(RESULTS),
        layout.figure_file(FIGURES, "data_card", "csv"),
        rules.interaction_clusters.output,
        layout.figure_file(FIGURES, "claims", "md"),
        experiment_outputs(list(config["experiments"])),
        layout.figure_file(FIGURES, "index", "html"),
    default_target: True


rule interaction:
    """The pairwise interaction matrix, its heatmap and dendrogram, and the clusters."""
    input:
        rules.interaction_clusters.output,


for _experiment in config["experiments"]:
    if workflow.is_rule(_experiment):  # its target would be that rule's, not the experiment's
        sys.exit(f"boom: config key experiments.{_experiment}: '{_experiment}' is already a target of the "
                 "workflow (a rule's name); rename the experiment")

    rule:
        name: _experiment
        input:
            experiment_outputs([_experiment]),


try:  # a claim whose variant this config removed is skipped, said now rather than after the run
    for _line in claims_skipped().values():
        if not workflow.remote_exec:
            print(f"boom: {_line}", file=sys.stderr)
except BoomError as _error:
    sys.exit(f"boom: {_error}")


onstart:
    start_run()


onsuccess:
    stop_fork_server()


onerror:
    stop_fork_server()
