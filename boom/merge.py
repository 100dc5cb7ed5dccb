"""Merge the weights of trained models with mergekit, through SentenceTransformer.merge.

    python -m boom.merge --recipe '<json>' --base results/models/base-…/model \
        --inputs results/models/train-…/model … --out results/models/merge-…/model

SentenceTransformer.merge checks that the inputs are compatible (modules, vocabularies, state
keys) before merging, merges every floating-point tensor in fp32, and keeps the first input's
pooling, normalisation, prompts and tokenizer, so the result loads with SentenceTransformer(path).
Methods that work on task vectors (mergekit base policy `required` or `optional`) are given the
shared base model of the inputs; SLERP interpolates between its two inputs.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from boom import models
from boom.provenance import record, write_json

log = logging.getLogger("boom.merge")


def needs_base(method: str) -> bool:
    from mergekit.merge_methods import BasePolicy, get

    if method == "slerp":  # sentence-transformers takes the first input as SLERP's base
        return False
    return get(method).spec.contract.base in (BasePolicy.REQUIRED, BasePolicy.OPTIONAL)


def merge(method: str, parameters: dict, inputs: list[Path], base: Path | None):
    from sentence_transformers import SentenceTransformer

    loaded = [models.load(p) for p in inputs]
    base_model = models.load(base) if base is not None and needs_base(method) else None
    return SentenceTransformer.merge(loaded, method, base_model=base_model, parameters=parameters or None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", required=True, help="the merge recipe, as JSON")
    parser.add_argument("--base", required=True, type=Path, help="folder of the inputs' shared base model")
    parser.add_argument("--inputs", nargs="+", required=True, type=Path, help="folders of the models to merge")
    parser.add_argument("--out", required=True, type=Path, help="folder to write the merged model to")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    recipe = json.loads(args.recipe)
    models.set_threads(args.threads)
    start = time.perf_counter()
    merged = merge(recipe["method"], recipe["parameters"], args.inputs, args.base)
    models.save_atomically(merged, args.out)
    wall = time.perf_counter() - start
    meta_dir = args.out.parent
    write_json(meta_dir / "cost.json", {"wall_seconds": round(wall, 3), "inputs": len(args.inputs), "device": "cpu"})
    write_json(meta_dir / "provenance.json", record(recipe=recipe, model_id=meta_dir.name))
    log.info("merged %d models with %s into %s in %.1f s", len(args.inputs), recipe["method"], meta_dir.name, wall)


if __name__ == "__main__":
    main()
