"""The merge operators boom accepts: one declaration each, the one source for the config check,
the merge stage and the README's list.

These are the methods SentenceTransformer.merge documents as built into mergekit, declared with
mergekit's own contract (its `MergeMethodSpec`: whether the base model is an input, how many
inputs, which parameters at which scope; a test checks every field against mergekit's registry).
Kept static and torch-free, so that parsing the workflow imports neither torch nor mergekit.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class MergeMethod:
    """One operator. `base` is mergekit's base-model policy (required, optional, ignored); the
    input counts include the base where the method takes one. A parameter's scope is `shared`
    (one value) or `input` / `non_base` (one value per merged model)."""

    name: str
    base: str
    min_inputs: int
    max_inputs: int | None = None
    min_non_base: int | None = None
    parameters: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    @property
    def first_input_is_base(self) -> bool:
        """Two-model interpolations (slerp t=0 is the first model) take their first input as base."""
        return self.base == "required" and self.max_inputs == 2

    @property
    def uses_base(self) -> bool:
        """Whether the inputs' shared base model is passed as a separate input."""
        return self.base in ("required", "optional") and not self.first_input_is_base

    def check(self, parameters: dict, n_inputs: int) -> str | None:
        """What is wrong with merging `n_inputs` models (the base not counted) with `parameters`."""
        total = n_inputs + (1 if self.uses_base else 0)
        least = max(1, self.min_inputs - (total - n_inputs), self.min_non_base or 0)
        if n_inputs < least or (self.max_inputs is not None and total > self.max_inputs):
            wanted = f"exactly {self.max_inputs}" if self.first_input_is_base else f"at least {least}"
            return f"merge method '{self.name}' needs {wanted} models to merge, got {n_inputs}"
        for name, value in parameters.items():
            if name not in self.parameters:
                return (f"merge method '{self.name}' has no parameter '{name}' "
                        f"(its parameters: {', '.join(self.parameters) or 'none'})")
            if isinstance(value, list):
                if self.parameters[name] == "shared":
                    return f"merge parameter '{name}' of '{self.name}' is one value, not a list"
                if len(value) != n_inputs:
                    return (f"merge parameter '{name}' has {len(value)} values for {n_inputs} models to merge: "
                            "give one value per input, in input order")
        return None


def _declare(name, base, min_inputs, max_inputs=None, min_non_base=None, **parameters) -> MergeMethod:
    return MergeMethod(name, base, min_inputs, max_inputs, min_non_base, MappingProxyType(parameters))


_TV = dict(int8_mask="shared", normalize="shared", rescale="shared", weight="non_base", density="non_base",
           **{"lambda": "shared"})  # the generalized task-arithmetic family
METHODS: dict[str, MergeMethod] = {m.name: m for m in (
    _declare("arcee_fusion", "required", 2, 2),
    _declare("breadcrumbs", "required", 1, **_TV, gamma="non_base"),
    _declare("breadcrumbs_ties", "required", 1, **_TV, gamma="non_base"),
    _declare("dare_linear", "required", 1, **_TV),
    _declare("dare_ties", "required", 1, **_TV),
    _declare("della", "required", 1, **_TV, epsilon="non_base"),
    _declare("della_linear", "required", 1, **_TV, epsilon="non_base"),
    _declare("karcher", "ignored", 1, max_iter="shared", tol="shared"),
    _declare("linear", "ignored", 1, weight="input", normalize="shared"),
    _declare("model_stock", "required", 3, filter_wise="shared"),
    _declare("multislerp", "optional", 1, None, 1, weight="non_base", normalize_weights="shared", eps="shared"),
    _declare("nearswap", "required", 2, 2, t="shared"),
    _declare("nuslerp", "optional", 1, None, 2, weight="non_base", nuslerp_row_wise="shared",
             nuslerp_flatten="shared"),
    _declare("ram", "required", 1, epsilon="shared"),
    _declare("ramplus_tl", "required", 1, r="shared", alpha="shared", epsilon="shared"),
    _declare("sce", "required", 1, int8_mask="shared", select_topk="shared"),
    _declare("slerp", "required", 2, 2, t="shared"),
    _declare("task_arithmetic", "required", 1, **_TV),
    _declare("ties", "required", 1, **_TV),
)}


def get(name: str) -> MergeMethod:
    """The declaration of `name`; KeyError with the nearest known name otherwise."""
    if name not in METHODS:
        hint = difflib.get_close_matches(name, METHODS, n=1)
        raise KeyError(f"unknown merge method '{name}'" + (f"; did you mean '{hint[0]}'?" if hint else "")
                       + f" (known: {', '.join(METHODS)})")
    return METHODS[name]


def method_error(name: str, parameters: dict, n_inputs: int) -> str | None:
    """What is wrong with merging `n_inputs` models with `name` and `parameters`, or None."""
    try:
        return get(name).check(parameters, n_inputs)
    except KeyError as error:
        return error.args[0]
