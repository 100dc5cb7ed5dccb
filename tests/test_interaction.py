"""The pairwise interaction analysis (boom/interaction.py): equal budgets in the `loss` method,
the `gradient` method's cosine matrix, replicates and the clusters' stability (adjusted Rand index).
Small synthetic training files on the tiny random encoder: seconds."""

import json

import pandas as pd
import pytest

from boom import interaction
from boom.errors import BoomError

HYPER = {"batch_size": 4, "learning_rate": 1e-3, "temperature": 0.05, "max_seq_length": 16}
WORDS = {"cooking": ("bread", "oven", "salt", "soup"), "football": ("goal", "team", "ball", "match"),
         "weather": ("rain", "cloud", "wind", "storm")}


def _write(path, rows, in_batch=True):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (path.parent / f"{path.name}.card.json").write_text(json.dumps({"in_batch_negatives": in_batch}))
    return path


def _rows(topic, n):
    w = WORDS[topic]
    return [{"query": f"{w[i % 4]} {topic} question {i}", "positive": f"the {w[(i + 1) % 4]} answer {i}",
             "negatives": [f"an unrelated {w[(i + 2) % 4]} text {i + 7}"]} for i in range(n)]


@pytest.fixture
def files(tmp_path):
    """Three 24-example training files, one of them classification-like (own negatives only)."""
    return {topic: _write(tmp_path / f"{topic}.jsonl", _rows(topic, 24), in_batch=topic != "weather")
            for topic in WORDS}


def test_the_loss_method_takes_as_many_steps_and_examples_alone_as_together(tiny_base, files, monkeypatch):
    import torch

    runs, adam_steps = [], []
    real_run, real_step = interaction.Probe.run, torch.optim.AdamW.step

    def run(self, batches, heldout, in_batch, seed=None):
        runs.append({"sets": sorted(heldout), "batches": list(batches), "seed": seed})
        return real_run(self, batches, heldout, in_batch, seed)

    def step(self, *args, **kwargs):
        adam_steps.append(1)
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(interaction.Probe, "run", run)
    monkeypatch.setattr(torch.optim.AdamW, "step", step)
    budget = {"method": "loss", "replicates": 1, "train_examples": 8, "heldout_examples": 8, "clusters": 2, "seed": 0}
    result = interaction.analyse(tiny_base, files, budget, HYPER, threads=1)

    steps = result["steps"][0]
    assert set(steps["alone"]) == set(files) and len(steps["together"]) == 3
    assert set(steps["alone"].values()) == set(steps["together"].values()) == {4}  # 2·S, S = 8 / 4
    assert len(adam_steps) == sum(steps["alone"].values()) + sum(steps["together"].values())
    assert len({r["seed"] for r in runs}) == 1  # alone and together from the same seed
    for r in runs:
        examples = [(name, row["query"]) for name, batch in r["batches"] for row in batch]
        assert len(examples) == 16 and len(set(examples)) == 16  # 2·train_examples, all distinct
        if len(r["sets"]) == 2:  # together: S batches of each
            assert sorted(name for name, _ in r["batches"]) == sorted(r["sets"] * 2)
        heldout = {row["query"] for n in r["sets"] for row in result_heldout(files[n], budget)}
        assert not heldout & {q for _, q in examples}  # never trained on the held-out examples
    delta = result["delta"]
    assert list(delta.index) == sorted(files) and (delta.to_numpy().diagonal() == 0).all()
    assert (delta.to_numpy() != 0).sum() == 6  # every directed pair measured
    assert result["stability"]["triangle_ari"] is not None  # the directed method's triangles
    assert sorted(sum(result["clusters"], [])) == sorted(files) and len(result["clusters"]) == 2


def result_heldout(path, budget):
    from boom.io import read_jsonl

    return interaction.split_examples(read_jsonl(path), 2 * budget["train_examples"], budget["heldout_examples"],
                                      budget["seed"])[1]


def test_the_gradient_method_is_symmetric_and_minus_one_for_identical_data(tiny_base, files, tmp_path):
    files["cooking_copy"] = _write(tmp_path / "cooking_copy.jsonl", _rows("cooking", 24))
    out, prefix = tmp_path / "out", tmp_path / "fig" / "interaction"
    budget = {"method": "gradient", "replicates": 2, "train_examples": 8, "heldout_examples": 4,
              "clusters": 2, "seed": 0, "datasets": None}
    interaction.main(["--base", str(tiny_base), "--data", *(f"{k}={v}" for k, v in files.items()),
                      "--budget", json.dumps(budget), "--hyper", json.dumps(HYPER), "--threads", "1",
                      "--out-dir", str(out), "--figures-prefix", str(prefix)])

    delta = pd.read_csv(out / "delta.csv", index_col=0)
    assert (delta.to_numpy() == delta.to_numpy().T).all() and (delta.to_numpy().diagonal() == 0).all()
    assert delta.loc["cooking", "cooking_copy"] == pytest.approx(-1.0, abs=1e-5)
    assert ((delta.to_numpy() >= -1 - 1e-6) & (delta.to_numpy() <= 1 + 1e-6)).all()
    replicates = [pd.read_csv(out / f"matrix.r{k}.csv", index_col=0) for k in range(2)]
    assert not (replicates[0].to_numpy() == replicates[1].to_numpy()).all()  # their own draws
    mean = pd.read_csv(out / "matrix.csv", index_col=0)
    assert mean.to_numpy() == pytest.approx(((replicates[0] + replicates[1]) / 2).to_numpy(), abs=1e-5)

    record = json.loads((out / "clusters.json").read_text())
    assert any({"cooking", "cooking_copy"} <= set(c) for c in record["clusters"])  # the closest pair
    assert record["method"] == "gradient" and record["runs"] == 2 * len(files)
    stab = record["stability"]
    assert len(stab["vs_reported"]) == 2 and stab["triangle_ari"] is None
    assert stab["verdict"] in ("stable", interaction.UNSTABLE)
    table = pd.read_csv(out / "stability.csv")
    assert list(table["comparison"]) == ["replicates", "vs_reported", "vs_reported"]
    assert table["ari"].iloc[0] == pytest.approx(stab["replicate_ari_mean"], abs=1e-6)
    for kind in ("heatmap", "dendrogram"):
        assert (tmp_path / "fig" / f"interaction_{kind}.png").stat().st_size > 0


def test_the_adjusted_rand_index_of_constructed_clusterings():
    assert interaction.ari([["a", "b"], ["c", "d"]], [["c", "d"], ["b", "a"]]) == 1.0  # order-free
    # contingency all ones: (0 - 2·2/6) / ((2 + 2)/2 - 2·2/6) = -0.5
    assert interaction.ari([["a", "b"], ["c", "d"]], [["a", "c"], ["b", "d"]]) == pytest.approx(-0.5)
    with pytest.raises(ValueError, match="same datasets"):
        interaction.ari([["a", "b"]], [["a", "c"]])


def test_identical_replicates_are_stable():
    c = [["a", "b"], ["c", "d", "e"], ["f"]]
    stab = interaction.stability([c, [list(reversed(g)) for g in reversed(c)], c], c)
    assert stab["replicate_ari_mean"] == stab["replicate_ari_min"] == 1.0
    assert stab["vs_reported"] == [1.0, 1.0, 1.0] and len(stab["pairwise"]) == 3
    assert stab["verdict"] == "stable"
    assert "stable" in interaction.stability_line(stab) and "1.00" in interaction.stability_line(stab)


def test_disagreeing_replicates_are_called_unstable_in_the_record_and_the_figure(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a = [["a", "b", "c"], ["d", "e", "f"]]
    b = [["a", "d"], ["b", "e"], ["c", "f"]]
    stab = interaction.stability([a, b], a)
    assert stab["replicate_ari_mean"] < interaction.STABLE_ARI
    assert stab["verdict"] == "unstable: the clusters are not reproducible at this budget"
    assert stab["vs_reported"][0] == 1.0 and stab["vs_reported"][1] < 0.5

    names = list("abcdef")
    score = pd.DataFrame([[0.0 if i == j else abs(i - j) / 5 for j in range(6)] for i in range(6)],
                         index=names, columns=names)
    _, tree = interaction.cluster(score, 2)
    titles = []
    real_savefig = plt.Figure.savefig

    def savefig(fig, *args, **kwargs):
        titles.append(fig.axes[0].get_title())
        return real_savefig(fig, *args, **kwargs)

    monkeypatch.setattr(plt.Figure, "savefig", savefig)
    interaction.write_figures(score, score, tree, tmp_path / "interaction", stab=stab, method="gradient")
    assert any("not reproducible at this budget" in t for t in titles)
    assert (tmp_path / "interaction_dendrogram.pdf").stat().st_size > 0
    rows = interaction.stability_rows(stab)
    assert list(rows["comparison"]) == ["replicates", "vs_reported", "vs_reported"]


def test_one_replicate_gives_no_verdict():
    c = [["a", "b"], ["c"]]
    stab = interaction.stability([c], c)
    assert stab["replicate_ari_mean"] is None and stab["verdict"].startswith("not measured")


def test_the_triangles_of_a_directed_matrix():
    names = ["a", "b", "c"]
    delta = pd.DataFrame([[0, 1, 2], [3, 0, 4], [5, 6, 0]], index=names, columns=names, dtype=float)
    upper, lower = interaction.triangles(delta)
    assert upper.loc["b", "a"] == upper.loc["a", "b"] == 1 and upper.loc["c", "b"] == 4
    assert lower.loc["a", "b"] == 3 and lower.loc["a", "c"] == 5 and lower.loc["b", "c"] == 6


def test_an_unknown_method_is_refused(tiny_base, files):
    with pytest.raises(BoomError, match="interaction.method 'hessian'"):
        interaction.analyse(tiny_base, files, {"method": "hessian", "train_examples": 4, "heldout_examples": 4,
                                               "clusters": 2, "seed": 0}, HYPER, threads=1)
