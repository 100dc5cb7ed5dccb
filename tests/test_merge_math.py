"""The mathematics of merging, on small random models: each operator of boom.merge against a short
reference computation written here from its definition (with mergekit's defaults), the identities
every merge must keep, and agreement with SentenceTransformer.merge, the in-memory reference."""

import math

import pytest
import torch
from safetensors.torch import load_file
from sentence_transformers import SentenceTransformer

from boom import merge, merge_methods, models

ATOL = 1e-5


def _weights(model_dir):
    return load_file(str(model_dir / "model.safetensors"))


@pytest.fixture(scope="module")
def family(tiny_base, tmp_path_factory):
    """The tiny base and three 'fine-tunes' of it: base + a shared direction + each its own noise
    (std 0.01 each), so that task vectors partly agree, as real fine-tunes of one base do."""
    root = tmp_path_factory.mktemp("family")
    model = models.load(tiny_base)
    body = model[0].auto_model
    base_state = {k: v.clone() for k, v in body.state_dict().items()}
    shared = torch.Generator().manual_seed(100)
    common = {k: torch.randn(v.shape, generator=shared) * 0.01 for k, v in base_state.items()}
    tunes = []
    for seed in (1, 2, 3):
        g = torch.Generator().manual_seed(seed)
        body.load_state_dict({k: v + common[k] + torch.randn(v.shape, generator=g) * 0.01
                              for k, v in base_state.items()})
        out = root / f"tune{seed}" / "model"
        models.save_atomically(model, out)
        tunes.append(out)
    return {"base": tiny_base, "tunes": tunes,
            "W": {"base": _weights(tiny_base), "tunes": [_weights(t) for t in tunes]}}


def _merge(tmp_path, method, parameters, inputs, base, name="merged", **kwargs):
    out = tmp_path / name / "model"
    merge.merge_folders(method, parameters, inputs, base, out, **kwargs)
    return out


def _assert_matches(merged_dir, expected, atol=ATOL):
    got = _weights(merged_dir)
    assert got.keys() == expected.keys()
    for name, value in expected.items():
        torch.testing.assert_close(got[name], value.to(got[name].dtype), rtol=0, atol=atol, msg=name)


def _only(W, name):
    """The base's and fine-tunes' weights restricted to one tensor."""
    return {"base": {name: W["base"][name]}, "tunes": [{name: t[name]} for t in W["tunes"]]}


def _per_tensor(fn, *states):
    """Apply `fn` to the float64 copies of one tensor of each state dict, for every tensor name."""
    return {name: fn(*(s[name].double() for s in states)) for name in states[0]}


# --- reference computations, one tensor at a time ----------------------------------------------


def ref_linear(xs, weights=None, normalize=True):
    weights = weights or [1.0] * len(xs)
    total = sum(w * x for w, x in zip(weights, xs))
    return total / sum(weights) if normalize else total


def ref_slerp(t, a, b, dot_threshold=0.9995, eps=1e-8):
    """Spherical interpolation of the whole (flattened) tensor from a to b, with linear
    interpolation for nearly collinear tensors; the magnitudes are interpolated by the same
    coefficients, as in mergekit."""
    na, nb = a.norm(), b.norm()
    na, nb = (na if na > eps else 1.0), (nb if nb > eps else 1.0)
    dot = float(((a / na) * (b / nb)).sum().clamp(-1, 1))
    if abs(dot) > dot_threshold:
        return (1 - t) * a + t * b
    theta = math.acos(dot)
    return (math.sin((1 - t) * theta) * a + math.sin(t * theta) * b) / math.sin(theta)


def ref_multislerp(xs, weights, base=None, eps=1e-8):
    """mergekit's multislerp: the task vectors (inputs minus base, if any) projected on the unit
    sphere, their weighted mean direction m, the weighted sum v of their components orthogonal
    to m, the point cos|v| m + sin|v| v/|v|, rescaled to the weighted mean of the norms."""
    if len(xs) == 1:
        return xs[0]
    w = torch.tensor(weights, dtype=torch.float64)
    w = w / w.sum()
    vs = [x - base if base is not None else x for x in xs]
    norms = [v.norm() for v in vs]
    units = [v / (n + eps) for v, n in zip(vs, norms)]
    m = sum(wi * u for wi, u in zip(w, units))
    m = m / m.norm()
    v = sum(wi * (u - (u * m).sum() * m) for wi, u in zip(w, units))
    vn = v.norm() + eps
    result = (torch.cos(vn) * m + torch.sin(vn) / vn * v) * sum(wi * n for wi, n in zip(w, norms))
    return result + base if base is not None else result


def ref_karcher(xs, max_iter=10, tol=1e-5):
    """The Karcher (Riemannian) mean of the directions on the unit sphere, by mergekit's fixed-point
    iteration from the normalised Euclidean mean, scaled to the mean of the norms."""
    if len(xs) == 1:
        return xs[0]
    alpha = 1.0 / len(xs)
    norms = [x.norm() for x in xs]
    units = [x / n for x, n in zip(xs, norms) if n > tol]
    mean = sum(units) / len(units)
    mean = mean / mean.norm()
    for _ in range(max_iter):
        tangent = torch.zeros_like(mean)
        for u in units:
            dot = (mean * u).sum().clamp(-1, 1)
            theta = torch.arccos(dot)
            if theta >= tol:  # log map of u at the mean
                tangent += (theta / torch.sin(theta)) * (u - dot * mean) / len(units)
        step = tangent.norm()
        if step < tol:
            break
        mean = torch.cos(step) * mean + torch.sin(step) * tangent / step  # exp map
        mean = mean / mean.norm()
    return sum(alpha * n for n in norms) * mean


def task_vector(x, base):
    """x - base as the merge computes it, in the weights' own precision (float32): trimming ranks
    entries by magnitude, and a float64 difference could order two entries at the cut the other way."""
    return (x.float() - base.float()).double()


def ref_trim(delta, density):
    """Keep the top `density` fraction of entries by magnitude (at least one), zero the rest."""
    if density >= 1:
        return delta
    k = max(1, int(density * delta.numel()))
    keep = torch.zeros(delta.numel(), dtype=torch.bool)
    # Equal magnitudes at the cut (float32 has them among a million entries) are broken the way
    # torch.argsort breaks them, as the merge does; topk would pick another of the equals.
    keep[torch.argsort(delta.abs().flatten().float(), descending=True)[:k]] = True
    return delta * keep.reshape(delta.shape)


def ref_task_vectors(base, xs, weights, density=1.0, elect=False, normalize=False, lam=1.0):
    """The generalized task arithmetic: weighted (optionally trimmed) task vectors; with `elect`,
    TIES's sign election (the sign of the sum) keeps only the entries that agree with it; with
    `normalize`, the sum is divided by the total weight of the entries kept (disjoint mean)."""
    densities = density if isinstance(density, list) else [density] * len(xs)
    deltas = torch.stack([w * ref_trim(task_vector(x, base), d) for w, d, x in zip(weights, densities, xs)])
    w = torch.tensor(weights, dtype=base.dtype).reshape(-1, *[1] * base.dim())
    if elect:
        sign = torch.where(deltas.sum(0) >= 0, 1.0, -1.0)
        keep = (deltas.sign() == sign).to(base.dtype)
    else:
        keep = torch.ones_like(deltas)
    mixed = (deltas * keep).sum(0)
    if normalize:
        divisor = (w * keep).sum(0)
        mixed = mixed / torch.where(divisor == 0, torch.ones_like(divisor), divisor)
    return base + lam * mixed


def ref_sce(base, xs, select_topk=1.0):
    """SCE: optionally keep the entries of highest variance across the task vectors, elect signs
    as TIES does, weight each task vector by its mean square, and average the agreeing entries."""
    tvs = torch.stack([task_vector(x, base) for x in xs])
    if select_topk < 1:
        var = tvs.float().var(0, unbiased=False)  # ranked in float32, as the merge ranks them
        k = int(torch.count_nonzero(var) * select_topk)
        keep = torch.zeros(var.numel(), dtype=tvs.dtype)
        keep[var.flatten().topk(k).indices] = 1
        tvs = tvs * keep.reshape(var.shape)
    sign = torch.where(tvs.sum(0) >= 0, 1.0, -1.0)
    agree = (tvs.sign() == sign).to(tvs.dtype)
    w = tvs.square().flatten(1).mean(1)
    w = (w / w.sum()).reshape(-1, *[1] * base.dim())
    return base + (tvs * w * agree).sum(0) / (w * agree).sum(0).clamp(min=1e-6)


def ref_model_stock(base, xs):
    """Model Stock: interpolate between the base and the average of the k fine-tunes with
    t = k cos / (1 + (k-1) cos), cos the mean pairwise cosine of the task vectors (whole tensor)."""
    k = len(xs)
    offsets = [(x - base).flatten() for x in xs]
    cosines = [(torch.dot(a, b) / (a.norm() * b.norm()).clamp(min=1e-6)).clamp(-1, 1)
               for i, a in enumerate(offsets) for b in offsets[i + 1:]]
    cos = torch.stack(cosines).mean()
    t = k * cos / (1 + (k - 1) * cos)
    return t * sum(xs) / k + (1 - t) * base


# --- each operator against its reference --------------------------------------------------------


def _reference(method, parameters, n, W):
    """The expected merged state dict of the first n fine-tunes (and the base, where used)."""
    base, tunes = W["base"], W["tunes"][:n]
    p = parameters
    weights = p.get("weight", [1.0] * n)
    if method == "linear":
        return _per_tensor(lambda *xs: ref_linear(xs, weights), *tunes)
    if method == "slerp":
        return _per_tensor(lambda a, b: ref_slerp(p.get("t", 0.5), a, b), *tunes)
    if method == "multislerp":
        return _per_tensor(lambda b, *xs: ref_multislerp(xs, weights, base=b), base, *tunes)
    if method == "karcher":
        return _per_tensor(lambda *xs: ref_karcher(xs), *tunes)
    if method == "task_arithmetic":
        return _per_tensor(lambda b, *xs: ref_task_vectors(b, xs, weights), base, *tunes)
    if method == "ties":
        return _per_tensor(lambda b, *xs: ref_task_vectors(b, xs, weights, p.get("density", 1.0), elect=True,
                                                            normalize=True), base, *tunes)
    if method == "dare_ties":  # density 1: no drop; mergekit's dare_ties does not normalise
        assert p.get("density", 1.0) == 1.0
        return _per_tensor(lambda b, *xs: ref_task_vectors(b, xs, weights, elect=True), base, *tunes)
    if method == "sce":
        return _per_tensor(lambda b, *xs: ref_sce(b, xs, p.get("select_topk", 1.0)), base, *tunes)
    if method == "model_stock":
        return _per_tensor(lambda b, *xs: ref_model_stock(b, xs), base, *tunes)
    raise AssertionError(method)


CASES = [  # (method, parameters, number of fine-tunes)
    ("linear", {}, 3),
    ("linear", {"weight": [0.5, 0.3, 0.2]}, 3),
    ("slerp", {}, 2),
    ("slerp", {"t": 0.3}, 2),
    ("multislerp", {}, 3),
    ("multislerp", {"weight": [0.2, 0.3, 0.5]}, 3),
    ("karcher", {}, 3),
    ("task_arithmetic", {"weight": [0.7, 0.3, 0.5]}, 3),
    ("ties", {"density": [0.3, 0.5, 0.7], "weight": [1.0, 0.5, 0.8]}, 3),
    ("dare_ties", {"density": 1.0}, 3),
    ("sce", {}, 3),
    ("sce", {"select_topk": 0.5}, 3),
    ("model_stock", {}, 3),
]


def _id(case):
    method, parameters, _ = case
    return method + "".join(f"-{k}" for k in parameters)


# One case per deterministic operator, with its parameters where it has any.
ONE_EACH = [c for c in CASES if _id(c) in {"linear-weight", "slerp-t", "multislerp-weight", "karcher",
                                             "task_arithmetic-weight", "ties-density-weight", "sce",
                                             "model_stock"}]


@pytest.fixture(scope="module")
def merged(family, tmp_path_factory):
    """merged(case) -> the folder boom.merge writes for a case, merged once per module (the
    comparisons with the references, SentenceTransformer.merge and tiny groups share it)."""
    root, done = tmp_path_factory.mktemp("merged"), {}

    def get(case):
        key = repr(case)
        if key not in done:
            method, parameters, n = case
            done[key] = _merge(root, method, parameters, family["tunes"][:n], family["base"], f"case{len(done)}")
        return done[key]

    return get


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_each_operator_agrees_with_its_reference_computation(family, merged, case):
    _assert_matches(merged(case), _reference(*case, family["W"]))


def test_the_operators_give_different_models_here(family):
    """Guard against vacuous comparisons: on these inputs no two cases' references agree (nor any
    with the base), so each reference test tells its operator from the others."""
    name = "encoder.layer.0.attention.self.query.weight"
    W = _only(family["W"], name)
    results = {_id(c): _reference(*c, W)[name] for c in CASES}
    results["base"] = W["base"][name].double()
    ids = list(results)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            assert (results[a] - results[b]).abs().max() > 1e-3, (a, b)


# --- identities ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["linear", "karcher", "multislerp", "task_arithmetic", "ties"])
def test_merging_one_model_returns_it(family, tmp_path, method):
    out = _merge(tmp_path, method, {}, family["tunes"][:1], family["base"])
    _assert_matches(out, family["W"]["tunes"][0], atol=1e-6)


def test_linear_merge_of_identical_models_returns_it(family, tmp_path):
    tune = family["tunes"][1]
    for parameters in ({}, {"weight": [0.2, 0.3, 0.5]}):
        out = _merge(tmp_path, "linear", parameters, [tune, tune, tune], None)
        _assert_matches(out, family["W"]["tunes"][1], atol=1e-6)


@pytest.mark.parametrize("t, endpoint", [(0.0, 0), (1.0, 1)])
def test_slerp_at_t0_and_t1_returns_the_endpoints(family, tmp_path, t, endpoint):
    out = _merge(tmp_path, "slerp", {"t": t}, family["tunes"][:2], family["base"])
    _assert_matches(out, family["W"]["tunes"][endpoint], atol=1e-6)


def test_task_arithmetic_with_a_zero_weight_leaves_that_model_out(family, tmp_path):
    # weight 0 on the second task vector: base + 1.0 * (tune_0 - base) = tune_0
    out = _merge(tmp_path, "task_arithmetic", {"weight": [1.0, 0.0]}, family["tunes"][:2], family["base"])
    _assert_matches(out, family["W"]["tunes"][0], atol=1e-6)


def test_task_arithmetic_with_every_weight_zero_is_refused(family, tmp_path):
    # It would only return the base model: refused as a setting without meaning, nothing written.
    with pytest.raises(merge.MergeInputError, match="zero for every model"):
        _merge(tmp_path, "task_arithmetic", {"weight": [0.0, 0.0]}, family["tunes"][:2], family["base"])
    assert not any(tmp_path.rglob("model.safetensors"))


# --- DARE: random drops, reproducible by seed ---------------------------------------------------

DARE = ("dare_ties", {"density": 0.5}, 3)


def test_dare_ties_drops_at_random_reproducibly_by_seed(family, tmp_path):
    def run(name, seed):
        out = _merge(tmp_path, *DARE[:2], family["tunes"], family["base"], name, seed=seed)
        return out, (out / "model.safetensors").read_bytes()

    first, data = run("a", seed=0)
    assert run("b", seed=0)[1] == data  # same seed: the same bytes
    assert run("c", seed=1)[1] != data  # another seed: other entries dropped
    # the drops happen: where all three task vectors lost an entry (1/8 of them) the base is kept
    name = "embeddings.word_embeddings.weight"
    base, got = family["W"]["base"][name], _weights(first)[name]
    assert 0.09 < (got == base).float().mean() < 0.16
    no_drop = _reference("dare_ties", {"density": 1.0}, 3, _only(family["W"], name))[name]
    assert (got.double() - no_drop).abs().max() > 1e-3


# --- the saved result, SentenceTransformer.merge, and streaming ----------------------------------


def test_merged_folder_loads_as_a_normalised_sentence_transformer(family, merged):
    ties = next(c for c in CASES if c[0] == "ties")
    loaded = SentenceTransformer(str(merged(ties)), device="cpu")
    assert [type(m).__name__ for m in loaded] == ["Transformer", "Pooling", "Normalize"]
    texts = ["a claim about cells", "the cat sat on the mat"]
    emb = loaded.encode(texts, convert_to_tensor=True, normalize_embeddings=False)
    torch.testing.assert_close(emb.norm(dim=1), torch.ones(2), rtol=0, atol=1e-5)
    # and it is the merged model, not a copy of an input
    first = models.load(family["tunes"][0]).encode(texts, convert_to_tensor=True)
    assert (emb - first).abs().max() > 1e-4


@pytest.fixture(scope="module")
def loaded_family(family):
    return {"base": models.load(family["base"]), "tunes": [models.load(t) for t in family["tunes"]]}


@pytest.mark.parametrize("case", ONE_EACH, ids=_id)
def test_streaming_merge_agrees_with_sentence_transformer_merge(loaded_family, merged, case):
    method, parameters, n = case
    base = loaded_family["base"] if merge_methods.get(method).uses_base else None
    expected = SentenceTransformer.merge(loaded_family["tunes"][:n], method, base_model=base, parameters=parameters)
    _assert_matches(merged(case), expected[0].auto_model.state_dict(), atol=1e-6)


STREAMED = [c for c in ONE_EACH if c[0] in ("linear", "slerp", "karcher", "model_stock")] + [DARE]


@pytest.mark.parametrize("case", STREAMED, ids=_id)
def test_tiny_groups_give_the_same_result_as_the_default(family, merged, tmp_path, case):
    """A 16 KiB budget merges one tensor at a time (and linear's embedding matrix in blocks of rows):
    the same numbers (DARE's random drops included: the tensors are drawn for in the same order
    whatever the grouping)."""
    method, parameters, n = case
    tiny = _merge(tmp_path, method, parameters, family["tunes"][:n], family["base"], group_bytes=16 * 2**10)
    _assert_matches(tiny, _weights(merged(case)), atol=1e-6)
