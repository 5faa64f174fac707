"""Data-mixture inference (bytepair.mixture) against a pure-Python replay
and the whole LP solved at once (tests/reference/mixture.py), and end to
end: a tokenizer trained on a known mixture, ours or HF's, gives its
mixture back."""

from __future__ import annotations

import json
import random

import bytepair as bp
import pytest
from conftest import run_readme_block, shared_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import mixture as ref

np = pytest.importorskip("numpy")
pytest.importorskip("highspy")

# A small alphabet so merges collide, rebuild tokens and go missing.
_text = st.lists(st.sampled_from(["a", "b", "ab", "ba", "c", " ", "  a", "bb"]), max_size=40).map(
    "".join
)


def _counts_by_step(rep: bp.mixture.Replay, name: str, tok: bp.Tokenizer) -> list[dict]:
    """The Rust replay as {pair bytes: count} before each step and after the last."""
    arr = rep.arrays(name)
    as_bytes = [(tok.token_bytes(a), tok.token_bytes(b)) for a, b in rep.pairs]
    now = dict.fromkeys(range(rep.num_pairs), 0)
    for p, c in zip(arr["initial_pairs"], arr["initial_counts"], strict=True):
        now[int(p)] += int(c)
    out = []
    starts = arr["step_starts"]
    for t in range(rep.num_merges + 1):
        out.append({as_bytes[p]: c for p, c in now.items() if c})
        if t < rep.num_merges:
            for k in range(int(starts[t]), int(starts[t + 1])):
                now[int(arr["delta_pairs"][k])] += int(arr["deltas"][k])
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    training=st.lists(_text, min_size=1, max_size=6),
    categories=st.lists(
        st.lists(_text, max_size=5).filter(lambda v: "ab" in "".join(v)), min_size=1, max_size=3
    ),
    merges=st.integers(1, 12),
)
def test_replay_deltas_equal_a_full_recount(training, categories, merges):
    tok = bp.train(iter(training + ["abcabc"]), vocab_size=256 + merges, progress=False)
    names = {f"c{i}": texts for i, texts in enumerate(categories)}
    rep = bp.mixture.replay({k: iter(v) for k, v in names.items()}, tok)
    assert rep.num_merges == len(tok.merges)
    for name, texts in names.items():
        counts = bp.count(iter(texts), pattern=tok.pattern, progress=False)
        want = ref.replay(counts.most_common(), tok.merges)
        got = _counts_by_step(rep, name, tok)
        assert got == [{p: c for p, c in w.items() if c} for w in want]
        merge_counts = rep.arrays(name)["merge_counts"].tolist()
        assert merge_counts == [want[t][m] for t, m in enumerate(tok.merges)]
        assert rep.pair_totals[name] == sum(want[0].values())
    # A merge no category holds is listed as such.
    held = [
        any(_counts_by_step(rep, n, tok)[t].get(m, 0) for n in names)
        for t, m in enumerate(tok.merges)
    ]
    assert rep.missing_everywhere == [t for t, h in enumerate(held) if not h]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    training=st.lists(_text, min_size=1, max_size=6),
    categories=st.lists(
        st.lists(_text, min_size=1, max_size=4).filter(lambda v: "ab" in "".join(v)),
        min_size=2,
        max_size=3,
    ),
    merges=st.integers(1, 10),
    per_step=st.sampled_from([1, 3, 10]),
)
def test_lazy_rows_reach_the_whole_lps_optimum(training, categories, merges, per_step):
    tok = bp.train(iter(training + ["abcabc"]), vocab_size=256 + merges, progress=False)
    names = {f"c{i}": texts for i, texts in enumerate(categories)}
    result = bp.mixture.infer(
        tok, {k: iter(v) for k, v in names.items()}, competitors_per_step=per_step, tol=0, rel_gap=0
    )
    per_category = [
        ref.replay(bp.count(iter(v), pattern=tok.pattern, progress=False).most_common(), tok.merges)
        for v in names.values()
    ]
    objective, _ = ref.full_lp(per_category, tok.merges)
    assert result.objective == pytest.approx(objective, rel=1e-6, abs=1e-6)
    assert sum(result.weights.values()) == pytest.approx(1.0)
    assert all(w >= 0 for w in result.weights.values())


def _lines(parts, n_bytes, seed):
    """Lines from the files, shuffled, about ``n_bytes`` of them."""
    lines = []
    for part in parts:
        with open(shared_path(*part), encoding="utf-8") as f:
            lines += [ln for ln in f.read(3_000_000).splitlines(keepends=True) if ln.strip()]
    random.Random(seed).shuffle(lines)
    out, size = [], 0
    for ln in lines:
        if size >= n_bytes:
            break
        out.append(ln)
        size += len(ln.encode())
    return out


CATEGORIES = {
    "english": [("corpora", "english", "eltec_eng_novels.txt")],
    "python": [("corpora", "code", "cpython311_stdlib_py.txt")],
    "german": [("corpora", "multilingual", "eltec_deu.txt")],
}


def _mixture(truth: dict[str, float], total: int, seed: int) -> dict[str, list[str]]:
    return {k: _lines(CATEGORIES[k], int(w * total), seed) for k, w in truth.items()}


def test_the_training_text_itself_gives_the_mixture_back():
    # Attack samples equal to the training data: every merge was the most
    # frequent pair under the true weights, so the LP needs no slack and
    # finds them (as byte shares).
    truth = {"english": 0.5, "python": 0.3, "german": 0.2}
    parts = _mixture(truth, 1_500_000, seed=1)
    shares = {k: sum(len(x.encode()) for x in v) for k, v in parts.items()}
    total = sum(shares.values())
    truth = {k: v / total for k, v in shares.items()}
    tok = bp.train(iter([x for v in parts.values() for x in v]), vocab_size=2048, progress=False)
    result = bp.mixture.infer(tok, {k: iter(v) for k, v in parts.items()})
    assert result.objective == pytest.approx(0.0, abs=1e-6)
    assert result.score(truth)["log10_mse"] < -8, (result.weights, truth)
    assert json.loads(result.to_json())["weights"] == result.weights


def test_a_tokenizer_trained_by_hf_gives_its_mixture_back(tmp_path):
    tokenizers = pytest.importorskip("tokenizers")
    truth = {"english": 0.6, "python": 0.4}
    parts = _mixture(truth, 1_000_000, seed=2)
    hf = tokenizers.Tokenizer(tokenizers.models.BPE())
    hf.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=1500,
        initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    hf.train_from_iterator([x for v in parts.values() for x in v], trainer)
    path = tmp_path / "tokenizer.json"
    hf.save(str(path))
    shares = {k: sum(len(x.encode()) for x in v) for k, v in parts.items()}
    truth = {k: v / sum(shares.values()) for k, v in shares.items()}
    result = bp.mixture.infer(path, {k: iter(v) for k, v in parts.items()})
    assert result.score(truth)["log10_mse"] < -6, (result.weights, truth)


def test_held_out_samples_come_close():
    # Disjoint text from the same sources: not exact, but close.
    truth = {"english": 0.5, "python": 0.3, "german": 0.2}
    train_parts = _mixture(truth, 2_000_000, seed=3)
    shares = {k: sum(len(x.encode()) for x in v) for k, v in train_parts.items()}
    truth = {k: v / sum(shares.values()) for k, v in shares.items()}
    tok = bp.train(iter([x for v in train_parts.values() for x in v]), 2048, progress=False)
    held = {}
    for k in truth:
        used = set(train_parts[k])
        held[k] = iter(
            [x for x in _lines(CATEGORIES[k], 3_000_000, seed=9) if x not in used][:20000]
        )
    result = bp.mixture.infer(tok, held)
    assert result.score(truth)["log10_mse"] < -3, (result.weights, truth)


def test_bad_input_is_refused():
    tok = bp.get_encoding("gpt2").as_tokenizer()
    with pytest.raises(TypeError, match="maps a name"):
        bp.mixture.replay(["a.txt"], tok)
    with pytest.raises(ValueError, match="num_merges=.* merges"):
        bp.mixture.replay({"a": iter(["hello"])}, tok, num_merges=10**6)
    counts = bp.count(iter(["hello world"]), pattern="gpt4", progress=False)
    with pytest.raises(ValueError, match="pattern"):
        bp.mixture.replay({"a": counts}, tok)
    with pytest.raises(ValueError, match="sample_bytes"):
        bp.mixture.replay({"a": counts}, tok, sample_bytes=10)
    with pytest.raises(FileNotFoundError):
        bp.mixture.replay({"a": "/no/such/file.txt"}, tok)
    with pytest.raises(ValueError, match="no text"):
        bp.mixture.replay({"a": iter(["hello"]), "b": iter(["x"])}, tok)
    with pytest.raises(ValueError, match="different categories"):
        bp.mixture.score({"a": 1.0}, {"b": 1.0})


def test_the_readme_example(tmp_path, monkeypatch):
    scope = run_readme_block("Data-mixture inference", tmp_path, monkeypatch)
    weights = scope["result"].weights
    assert abs(weights["english"] - 0.75) < 0.01 and abs(weights["python"] - 0.25) < 0.01


@pytest.mark.parametrize("trainer", ["bytepair", "hf"])
def test_simulate_beats_guessing(trainer):
    if trainer == "hf":
        pytest.importorskip("tokenizers")
    categories = {k: str(shared_path(*v[0])) for k, v in CATEGORIES.items()}
    sim = bp.mixture.simulate(
        categories,
        n=2,
        trials=2,
        total_bytes=600_000,
        num_merges=500,
        attack_bytes=300_000,
        trainer=trainer,
        same_pool=False,
        seed=5,
    )
    for t in sim.trials:
        assert len(t["categories"]) == 2 and sum(t["truth"].values()) == pytest.approx(1.0)
        assert t["num_merges"] == 500
        # Far better than a random guess on the same truth.
        assert t["log10_mse"] < t["random_log10_mse"] - 1, t
    assert sim.mean() < -2.5


def test_the_cli_prints_and_writes_the_mixture(tmp_path):
    import subprocess
    import sys

    novels = shared_path("corpora", "english", "eltec_eng_novels.txt")
    code = shared_path("corpora", "code", "cpython311_stdlib_py.txt")
    tok = bp.train([(novels, 0, 600_000), (code, 0, 400_000)], 1024, progress=False)
    tok.save(tmp_path / "tok.json")
    out = tmp_path / "mix.json"
    r = subprocess.run(
        [sys.executable, "-m", "bytepair", "mixture", str(tmp_path / "tok.json"),
         "--category", f"english={novels}", "--category", f"python={code}",
         "--sample-bytes", "1000000", "--json", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    weights = json.loads(out.read_text())["weights"]
    assert abs(weights["english"] - 0.6) < 0.05, weights
    assert "english" in r.stdout and "rounds" in r.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "bytepair", "mixture", "gpt2", "--category", "nopath"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 1 and "NAME=PATH" in bad.stderr
