# The reviewer's check: a sample of the committed results (the base model and the cheapest trained
# and merged models of results/summary.csv that score differently from the base) evaluated again, their models rebuilt from their
# recipes where this checkout lacks them, and every score compared with the committed one.

from pathlib import Path

from boom.verify import sample as _verify_sample

VERIFY_SAMPLE = _verify_sample(Path(layout.summary_file(RESULTS)), Path(layout.costs_file(RESULTS)))
VERIFY_MODELS = [pick["model"] for pick in VERIFY_SAMPLE]
VERIFY_TASKS = [task for suite in DEFAULT_SUITES for task in SUITES.get(suite, [])]


rule verify:
    """Recompute a sample of the committed results and report any score that differs."""
    input:
        expand(layout.eval_file(RESULTS, "{model}", "{task}", "verify"), model=VERIFY_MODELS, task=VERIFY_TASKS),
    output:
        md=layout.figure_file(FIGURES, "verify", "md"),
        csv=layout.figure_file(FIGURES, "verify", "csv"),
        provenance=layout.figure_file(FIGURES, "verify", "provenance.json"),
    params:
        models=" ".join(VERIFY_MODELS),
        why=json.dumps({pick["model"]: pick["why"] for pick in VERIFY_SAMPLE}),
        committed=layout.eval_dir(RESULTS),
        recomputed=results_folder_of_inputs,
        prefix=output_prefix,
    log:
        f"{LOGS}/report/verify.log",
    conda:
        "../envs/boom.yaml"
    shell:
        "python -m boom verify --models {params.models} --committed {params.committed} "
        "--recomputed {params.recomputed} --why {params.why:q} --out-prefix {params.prefix} 2>&1 | tee {log}"
