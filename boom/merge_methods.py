"""The merge operators boom accepts: one declaration each, the one source for the config check,
the merge stage and the list in docs/methods.md.

These are the methods SentenceTransformer.merge documents as built into mergekit, declared with
mergekit's own contract (its `MergeMethodSpec`: whether the base model is an input, how many
inputs, which parameters at which scope; a test checks every field against mergekit's registry).
Kept static and torch-free, so that parsing the workflow imports neither torch nor mergekit.
"""

from __future__ import annotations

import difflib
import math
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
    negative_weights: bool = False  # task vectors may be subtracted (task arithmetic's negation)

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
            for one in value if isinstance(value, list) else [value]:
                wrong = _value_error(VALUES[name], one, self.negative_weights)
                if wrong:
                    return f"merge parameter '{name}' of '{self.name}' = {one!r}: {wrong}"
        return self._check_together(parameters, n_inputs)

    def _check_together(self, parameters: dict, n_inputs: int) -> str | None:
        """What the values mean together: weights that sum to zero divide by zero when normalised
        (mergekit then writes inf and NaN), and DELLA's density +/- epsilon must stay in [0, 1]."""
        def each(name, default=None):
            value = parameters.get(name, default)
            return value if isinstance(value, list) else [value] * n_inputs

        if "weight" in parameters:
            weights = each("weight")
            if not any(weights):
                return f"merge parameter 'weight' of '{self.name}' is zero for every model: nothing would be merged"
            normalised = parameters.get("normalize", parameters.get("normalize_weights", True))
            if normalised and abs(sum(weights)) < 1e-12:
                return (f"merge parameter 'weight' of '{self.name}' sums to zero, and the merge divides by the sum "
                        "(normalize): the weights would be infinite; make them sum to a positive number")
        if "epsilon" in parameters and self.parameters.get("epsilon") == "non_base":
            for density, epsilon in zip(each("density", 1.0), each("epsilon")):
                if density - epsilon <= 0 or density + epsilon > 1:
                    return (f"merge parameters of '{self.name}': density {density} +/- epsilon {epsilon} leaves (0, 1]; "
                            "lower epsilon below min(density, 1 - density)")
        return None


# What each parameter's value means, from mergekit's definitions: a value outside it is refused
# before any merge (a TIES density of 0 keeps nothing and gives the base model; weights summing
# to zero give a model of inf and NaN).
VALUES = {
    "weight": "weight", "density": "share", "select_topk": "share", "t": "unit", "gamma": "fraction",
    "epsilon": "nonnegative", "lambda": "positive", "eps": "positive", "tol": "positive", "r": "positive",
    "alpha": "nonnegative", "max_iter": "count",
    **{flag: "bool" for flag in ("int8_mask", "normalize", "rescale", "normalize_weights", "filter_wise",
                                 "nuslerp_row_wise", "nuslerp_flatten")},
}
_MEANING = {
    "share": ("a share in (0, 1]", lambda v: 0 < v <= 1),
    "unit": ("in [0, 1]", lambda v: 0 <= v <= 1),
    "fraction": ("a fraction in [0, 1)", lambda v: 0 <= v < 1),
    "nonnegative": ("zero or more", lambda v: v >= 0),
    "positive": ("above zero", lambda v: v > 0),
}


def _value_error(kind: str, value, negative_ok: bool) -> str | None:
    if kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if kind == "count":
        return None if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else \
            "must be a whole number of at least 1"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "must be a finite number"
    if kind == "weight":
        return None if negative_ok or value >= 0 else \
            "must be zero or more (only the task-arithmetic family subtracts a model)"
    meaning, ok = _MEANING[kind]
    return None if ok(value) else f"must be {meaning}"


def _declare(name, base, min_inputs, max_inputs=None, min_non_base=None, **parameters) -> MergeMethod:
    # Methods that add task vectors (differences from the base) may weigh one negatively.
    negative = "lambda" in parameters
    return MergeMethod(name, base, min_inputs, max_inputs, min_non_base, MappingProxyType(parameters), negative)


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
