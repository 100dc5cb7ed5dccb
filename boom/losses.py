"""Task-aware contrastive losses, as the paper trains.

InfoNCE over cosine similarity with temperature T (logits = cos / T):
- retrieval-like data (retrieval, reranking, NLI, STS, pair classification): the positive against
  the example's hard negatives *and* every other candidate in the batch (in-batch negatives),
  gathered across devices under DDP: sentence-transformers' MultipleNegativesRankingLoss;
- classification and clustering data: the positive (the label's name) against the example's own
  negatives only (other labels of the same task). In-batch candidates would be false negatives,
  as many examples of one batch share a label.
"""

from __future__ import annotations

from typing import Any

import torch
from sentence_transformers.base.losses.merged_forward import embed_columns
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
from torch import Tensor, nn


class OwnNegativesInfoNCE(nn.Module):
    """InfoNCE over [positive, negative_1 .. negative_k] of each example, nothing else."""

    def __init__(self, model, scale: float = 50.0) -> None:
        super().__init__()
        self.model = model
        self.scale = scale
        self.cross_entropy = nn.CrossEntropyLoss()

    def forward(self, sentence_features, labels: Tensor) -> Tensor:
        return self.compute_loss_from_embeddings(embed_columns(self.model, sentence_features), labels)

    def compute_loss_from_embeddings(self, embeddings: list[Tensor], labels: Tensor) -> Tensor:
        if len(embeddings) < 3:
            raise ValueError("OwnNegativesInfoNCE needs (anchor, positive, negative_1, ...) columns")
        anchor = nn.functional.normalize(embeddings[0], dim=-1)
        candidates = torch.stack([nn.functional.normalize(e, dim=-1) for e in embeddings[1:]], dim=1)
        logits = torch.einsum("bd,bkd->bk", anchor, candidates) * self.scale
        target = torch.zeros(anchor.size(0), dtype=torch.long, device=anchor.device)
        return self.cross_entropy(logits, target)

    def get_config_dict(self) -> dict[str, Any]:
        return {"scale": self.scale, "in_batch_negatives": False}


def loss_for(model, in_batch_negatives: bool, temperature: float, gather_across_devices: bool = False) -> nn.Module:
    scale = 1.0 / temperature
    if in_batch_negatives:
        return MultipleNegativesRankingLoss(model, scale=scale, gather_across_devices=gather_across_devices)
    return OwnNegativesInfoNCE(model, scale=scale)


def count_examples(loss) -> None:
    """Give the trainer's loss (one module, or a dict of them by dataset) a counter of the
    examples each module is given (a forward pre-hook: the modules themselves are unchanged)."""
    modules = loss if isinstance(loss, dict) else {None: loss}
    for module in modules.values():
        if not hasattr(module, "boom_examples_seen"):
            module.boom_examples_seen = 0
            module.register_forward_pre_hook(_count)


def _count(module, args) -> None:
    features = args[0]
    if features:
        module.boom_examples_seen += len(next(iter(features[0].values())))


def examples_seen_per_dataset(loss) -> dict:
    """Examples each dataset's loss was given, on this process (the dict form: per dataset)."""
    if isinstance(loss, dict):
        return {name: m.boom_examples_seen for name, m in loss.items()}
    return {"all": loss.boom_examples_seen}
