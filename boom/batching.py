"""Batch orders for sentence-transformers' trainer: the schedules' stages (boom.schedules) and
per-dataset batching."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from itertools import accumulate

import torch
from torch.utils.data import RandomSampler
from sentence_transformers.base.sampler import (
    DefaultBatchSampler,
    MultiDatasetDefaultBatchSampler,
    NoDuplicatesBatchSampler,
)


class StagedBatchSampler(MultiDatasetDefaultBatchSampler):
    """Yields the batches of each stage in turn; within a stage, the batches of its datasets are
    shuffled together (seeded, like sentence-transformers' PROPORTIONAL sampler). A dataset in
    two stages is iterated afresh in each."""

    def __init__(self, dataset, batch_samplers, generator: torch.Generator | None = None, seed: int = 0,
                 *, stage_indices: list[list[int]], devices: int = 1):
        super().__init__(dataset, batch_samplers, generator, seed)
        self.stage_indices = stage_indices
        self.devices = devices

    def __iter__(self) -> Iterator[list[int]]:
        """Under DDP (`devices` > 1) batches come in runs of `devices` from one dataset: the
        trainer deals batch k to device k mod `devices`, so every device of a step trains on the
        same dataset with the same loss (a loss that gathers negatives across devices would
        otherwise wait forever for a device running another). A dataset's last batches that do
        not fill a run are dropped."""
        generator = self.generator or torch.Generator()
        generator.manual_seed(self.seed + self.epoch)
        offsets = [0] + list(accumulate(len(d) for d in self.dataset.datasets))
        for stage in self.stage_indices:
            iterators = {i: iter(self.batch_samplers[i]) for i in stage}
            order = [i for i in stage for _ in range(self._runs(i))]
            for pos in torch.randperm(len(order), generator=generator).tolist():
                i = order[pos]
                for _ in range(self.devices):
                    batch = next(iterators[i], None)
                    if batch is not None:
                        yield [idx + offsets[i] for idx in batch]

    def _runs(self, i: int) -> int:
        return len(self.batch_samplers[i]) // self.devices

    def __len__(self) -> int:
        return sum(self._runs(i) * self.devices for stage in self.stage_indices for i in stage)


def staged(stage_names: list[list[str]], dataset_order: list[str], devices: int = 1):
    """A multi_dataset_batch_sampler factory for the trainer; `dataset_order` is the order of
    the train_dataset dict (the ConcatDataset's order)."""
    index = {name: i for i, name in enumerate(dataset_order)}
    return functools.partial(StagedBatchSampler, stage_indices=[[index[n] for n in s] for s in stage_names],
                             devices=devices)


def per_dataset_batch_sampler(own_negative_sets: set[str]):
    """Per-dataset batching for the trainer: datasets trained with in-batch negatives never hold
    the same text twice in a batch (it would be a false negative); classification and clustering
    sets, whose positives are shared label names, are batched plainly (a duplicate-free batch of a
    binary set would hold two examples)."""
    def make(dataset, **kwargs):
        name = dataset[0].get("dataset_name") if len(dataset) else None
        if name in own_negative_sets:  # as sentence-transformers' default BATCH_SAMPLER
            return DefaultBatchSampler(RandomSampler(dataset, generator=kwargs["generator"]), **kwargs)
        return NoDuplicatesBatchSampler(dataset, **kwargs)

    return make
