"""Merge the weights of saved SentenceTransformer folders with mergekit's operators, tensor by tensor.

    python -m boom.merge --recipe '<json>' --base results/models/base-…/model \
        --inputs results/models/train-…/model … --out results/models/merge-…/model

The arithmetic is mergekit's (`merge_state_dicts`, the in-memory API that
SentenceTransformer.merge wraps); what this module adds is the streaming around it. Instead of
loading every input model whole (SentenceTransformer.merge holds all of them in memory), each
weight file is read a group of tensors at a time through safetensors' memory map, merged, and
written straight into the output file, so peak memory follows M times the largest group of
tensors (mergekit's kernels take a few times that while they work), not M whole models (and a large tensor a block of rows at a time where the operator is element-wise).
The rest of the first input's folder (modules.json, pooling, Normalize, prompts,
tokenizer) is copied unchanged, so the result loads with SentenceTransformer(path).

Before anything is written the inputs are checked against each other: the same modules, module
configurations, tokenizer, weight files, tensor names and shapes; the first difference is named.

Inputs and base: `inputs` are the models being merged. Methods that work on task vectors
(mergekit base policy `required` or `optional`) also get the shared base model of the inputs;
the two-model interpolations (slerp, nearswap, arcee_fusion) take the first input as their base,
as SentenceTransformer.merge does. A per-input parameter (e.g. `weight`) is a list with one value
per input, in input order.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import shutil
import struct
import time
from pathlib import Path

import torch

from boom import failpoints
from boom import layout, merge_methods, models
from boom.errors import BoomError
from boom.io import replacing_dir, write_json
from boom.provenance import record
from boom.stage import json_arg

log = logging.getLogger("boom.merge")

# Config files whose differences do not matter: model cards, training metadata, and prompts (the
# first input's are kept, as SentenceTransformer.merge does).
_IGNORED_FILES = {"README.md", "config_sentence_transformers.json", "data_config.json", ".gitattributes"}
# Keys of HF config files that record where or how a file was written, not what the model is.
_IGNORED_KEYS = {"transformers_version", "torch_dtype", "dtype", "architectures", "name_or_path", "_name_or_path",
                 # inference-time lengths and the tokenizer's runtime truncation/padding state
                 "max_seq_length", "model_max_length", "truncation", "padding"}
# Tensors read per input at a time (a larger tensor alone, or in blocks of rows where that is exact).
GROUP_BYTES = 32 * 2**20

_ST_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
              torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
              torch.uint8: "U8", torch.bool: "BOOL"}
_TORCH_DTYPES = {v: k for k, v in _ST_DTYPES.items()}


class MergeInputError(BoomError, ValueError):
    """The models given to a merge do not fit together or the method; the message names the culprit."""


def check_method(method: str, parameters: dict, n_inputs: int) -> None:
    """Raise MergeInputError if the method, its parameters or the number of inputs do not fit."""
    error = merge_methods.method_error(method, parameters, n_inputs)
    if error:
        raise MergeInputError(error)


def check_distinct(inputs: list[Path]) -> None:
    """A merge stage merges two or more distinct models: one model (with or without the base) is
    that model rescaled, and would be reported as a merge it is not. (merge_folders itself takes
    what the method takes: the identity tests merge one model.)"""
    folders = [Path(i).resolve() for i in inputs]
    for i, folder in enumerate(folders):
        if folder in folders[:i]:
            raise MergeInputError(f"model folder {inputs[i]} is given twice to the merge: merge distinct models")
    if len(folders) < 2:
        raise MergeInputError(f"the merge was given one model ({inputs[0]}): a merge needs two or more models")


# --- reading saved folders --------------------------------------------------------------------


def _weight_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.safetensors"))


def _config_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and p.suffix != ".safetensors" and p.name not in _IGNORED_FILES)


def _comparable(folder: Path, rel: str):
    """What must agree between two inputs in one config file (JSON minus bookkeeping keys; other
    files, such as vocab.txt, byte for byte)."""
    path = folder / rel
    if path.suffix != ".json":
        return path.read_bytes()
    data = json.loads(path.read_text())
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in _IGNORED_KEYS}
    return data


def _header(path: Path) -> dict[str, tuple[torch.dtype, list[int]]]:
    """Tensor name -> (dtype, shape), from a safetensors file's header only."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            return {k: (f.get_slice(k).get_dtype(), f.get_slice(k).get_shape()) for k in f.keys()}
    except Exception as exc:  # noqa: BLE001 - any unreadable header means a damaged file
        raise MergeInputError(f"weight file {path} cannot be read ({exc}); it is truncated or corrupt: "
                              "delete its model folder and rerun snakemake to rebuild it") from exc


def check_compatible(folders: list[Path]) -> None:
    """Raise MergeInputError naming the first model and file or tensor that differs from the first
    folder's; reads configs and safetensors headers only."""
    ref = folders[0]
    for folder in folders:
        if not (folder / "modules.json").is_file():
            raise MergeInputError(f"model folder {folder} is missing or incomplete (no modules.json): "
                                  "rebuild it with snakemake")
        if not _weight_files(folder):
            raise MergeInputError(f"model folder {folder} has no .safetensors weights")
    ref_configs, ref_weights = _config_files(ref), _weight_files(ref)
    ref_headers = {rel: _header(ref / rel) for rel in ref_weights}
    for other in folders[1:]:
        configs = _config_files(other)
        if configs != ref_configs:
            diff = sorted(set(configs) ^ set(ref_configs))
            raise MergeInputError(f"model {other} does not have the same modules and files as {ref}: "
                                  f"{diff[0]} is in only one of them")
        for rel in ref_configs:
            if _comparable(other / "", rel) != _comparable(ref, rel):
                what = "tokenizer" if "vocab" in rel or "tokenizer" in rel or "token" in rel else "configuration"
                raise MergeInputError(f"model {other} has a different {what} from {ref}: {rel} differs "
                                      "(a merge needs fine-tunes of one base model)")
        if _weight_files(other) != ref_weights:
            raise MergeInputError(f"model {other} has weight files {_weight_files(other)}, "
                                  f"{ref} has {ref_weights}")
        for rel in ref_weights:
            header, ref_header = _header(other / rel), ref_headers[rel]
            for name in ref_header:
                if name not in header:
                    raise MergeInputError(f"model {other} has no tensor {name!r} ({rel}), which {ref} has")
                if header[name][1] != ref_header[name][1]:
                    raise MergeInputError(f"model {other}: tensor {name!r} has shape {header[name][1]}, "
                                          f"but {ref_header[name][1]} in {ref}")
            extra = sorted(set(header) - set(ref_header))
            if extra:
                raise MergeInputError(f"model {other} has a tensor {extra[0]!r} ({rel}) that {ref} lacks")


# --- streaming merge --------------------------------------------------------------------------


def _nbytes(dtype: torch.dtype, shape: list[int]) -> int:
    return dtype.itemsize * math.prod(shape)


def _groups(header: dict, budget: int) -> list[list[str]]:
    """Tensor names in file order, packed into groups of at most `budget` bytes (a larger tensor
    alone)."""
    groups, current, size = [], [], 0
    for name, (dtype, shape) in header.items():
        nbytes = _nbytes(dtype, shape)
        if current and size + nbytes > budget:
            groups.append(current)
            current, size = [], 0
        current.append(name)
        size += nbytes
    return groups + ([current] if current else [])


def _write_header(fh, header: dict, metadata: dict | None) -> None:
    """Write a safetensors header for the tensors of `header` (in its order); the tensors' bytes
    follow in the same order."""
    entries, offset = {}, 0
    for name, (dtype, shape) in header.items():
        nbytes = _nbytes(dtype, shape)
        entries[name] = {"dtype": _ST_DTYPES[dtype], "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    if metadata:
        entries["__metadata__"] = metadata
    raw = json.dumps(entries, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # the data starts 8-byte aligned
    fh.write(struct.pack("<Q", len(raw)))
    fh.write(raw)


# Operators that combine each element on its own (given their parameters), so a large tensor can
# be merged a block of rows at a time with the same result: linear, and the task-arithmetic
# family without sparsification (density 1: no top-k or random drops over the whole tensor).
_ELEMENTWISE = {"linear", "task_arithmetic", "ties", "dare_linear", "dare_ties"}


def _elementwise(method: str, parameters: dict) -> bool:
    density = parameters.get("density", 1.0)
    densities = density.values() if isinstance(density, dict) else [density]
    return method in _ELEMENTWISE and all(d == 1 for d in densities)


def _merged_blocks(sources: list[Path], names: list[str], header: dict, method: str, parameters: dict,
                   base_index: int | None, group_bytes: int):
    """The merged tensors of one group, in order, as (name, tensor) blocks: whole tensors, or
    blocks of rows of a large tensor when the operator is element-wise."""
    from mergekit.merge_methods import merge_state_dicts
    from safetensors import safe_open

    def merged(slices: dict) -> dict:
        # Where every input holds the same values (e.g. a pooler a mean-pooled model never trains),
        # every operator returns them; mergekit's multislerp would divide by a zero sum instead.
        same = [n for n in slices[0] if all(torch.equal(s[n], slices[0][n]) for s in slices[1:])]
        out = {n: slices[0][n] for n in same}
        rest = {i: {n: t for n, t in s.items() if n not in out} for i, s in enumerate(slices)}
        if rest[0]:
            out.update(merge_state_dicts(rest, method, parameters=parameters, base=base_index, dtype=torch.float32))
        return out

    # Files are opened per group and closed after it: their memory maps are released, so the
    # resident file pages stay about one group per input.
    handles = [safe_open(str(p), framework="pt") for p in sources]
    try:
        dtype, shape = header[names[0]]
        if len(names) == 1 and len(shape) > 0 and _nbytes(dtype, shape) > group_bytes and _elementwise(method, parameters):
            step = max(1, group_bytes // max(1, _nbytes(dtype, shape[1:])))
            for start in range(0, shape[0], step):
                slices = [{names[0]: h.get_slice(names[0])[start:start + step]} for h in handles]
                yield names[0], merged(slices)[names[0]]
        else:
            slices = [{n: h.get_tensor(n) for n in names} for h in handles]
            result = merged(slices)
            del slices
            for name in names:
                yield name, result.pop(name)
    finally:
        del handles


def _merge_file(sources: list[Path], out: Path, method: str, parameters: dict, base_index: int | None,
                group_bytes: int) -> None:
    from safetensors import safe_open

    with safe_open(str(sources[0]), framework="pt") as f:
        metadata = f.metadata()
    header = {k: (_TORCH_DTYPES[d], s) for k, (d, s) in _header(sources[0]).items()}
    with open(out, "wb") as fh:
        _write_header(fh, header, metadata)
        for names in _groups(header, group_bytes):
            for name, tensor in _merged_blocks(sources, names, header, method, parameters, base_index, group_bytes):
                problem = models.non_finite(name, tensor)
                if problem:
                    raise MergeInputError(f"merge {method} {parameters}: the merged {problem}; nothing was written. "
                                          "Check the merge parameters (weights that cancel, a density or lambda "
                                          "out of range) and that no input holds non-finite weights")
                fh.write(tensor.to(header[name][0]).contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())


def _per_input(parameters: dict, n_inputs: int, ids: list[int]) -> dict:
    """Lists of one value per boom input -> mappings keyed by the mergekit input ids, so that a
    separate base model never shifts them."""
    return {k: dict(zip(ids, v)) if isinstance(v, list) and len(v) == n_inputs else v for k, v in parameters.items()}


@torch.no_grad()
def merge_folders(method: str, parameters: dict, inputs: list[Path], base: Path | None, out: Path,
                  seed: int = 0, group_bytes: int = GROUP_BYTES, with_base: bool = True) -> None:
    """Merge saved SentenceTransformer folders into `out` (written beside it, then renamed into
    place). `base` is the inputs' shared base model, used by task-vector methods; `with_base`
    False leaves it out where the method's base is optional (mergekit then merges the weights)."""
    check_method(method, parameters, len(inputs))
    spec = merge_methods.get(method)
    if not with_base and spec.base != "optional":
        raise MergeInputError(f"merge method '{method}' has no optional base model: with_base applies to multislerp "
                              "and nuslerp")
    sources = list(inputs)
    base_index = None
    if spec.uses_base and with_base:
        if base is None:
            raise MergeInputError(f"merge method '{method}' works on task vectors and needs the inputs' base model")
        sources.append(base)
        base_index = len(inputs)
    elif spec.first_input_is_base:
        base_index = 0
    check_compatible(sources)
    params = _per_input(dict(parameters), len(inputs), list(range(len(inputs))))
    if "weight" in spec.parameters:  # SentenceTransformer.merge's defaults
        params.setdefault("weight", 1.0)
    if method == "slerp":
        params.setdefault("t", 0.5)
    with replacing_dir(out) as tmp:
        shutil.copytree(sources[0], tmp, ignore=shutil.ignore_patterns("*.safetensors", "README.md"))
        try:
            with torch.random.fork_rng(devices=[]):  # DARE / DELLA drop weights at random: seeded, caller's RNG kept
                torch.manual_seed(seed)
                for rel in _weight_files(sources[0]):
                    _merge_file([s / rel for s in sources], tmp / rel, method, params, base_index, group_bytes)
        except MergeInputError:
            shutil.rmtree(tmp, ignore_errors=True)  # a refused merge leaves nothing behind
            raise
        failpoints.reach("merge-written")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", required=True, type=json_arg("--recipe"), help="the merge recipe, as JSON")
    parser.add_argument("--base", required=True, type=Path, help="folder of the inputs' shared base model")
    parser.add_argument("--inputs", nargs="+", required=True, type=Path, help="folders of the models to merge")
    parser.add_argument("--out", required=True, type=Path, help="folder to write the merged model to")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    recipe = args.recipe
    check_distinct(args.inputs)
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    merge_folders(recipe["method"], recipe["parameters"], args.inputs, args.base, args.out,
                  with_base=recipe.get("with_base", True))
    wall = time.perf_counter() - start
    meta_dir = args.out.parent
    write_json(Path(layout.model_meta_file(args.out, "cost")),
               {"wall_seconds": round(wall, 3), "inputs": len(args.inputs), "device": "cpu"})
    write_json(Path(layout.model_meta_file(args.out, "provenance")), record(recipe=recipe, model_id=meta_dir.name))
    log.info("merged %d models with %s into %s in %.1f s", len(args.inputs), recipe["method"], meta_dir.name, wall)


if __name__ == "__main__":
    main()
