"""``Tokenizer.prune``: against the pure-Python reference on random corpora
(listed and ranked vocabularies), every kept token reachable, round trips, HF
loading the pruned export with the same ids, the id map, and bad input."""

from __future__ import annotations

import warnings

import bytepair as bp
import numpy as np
import pytest
import tokenizers
from conftest import run_readme_block, shared_path, tokens_by_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import prune_bpe as ref

NOVELS = shared_path("corpora", "english", "eltec_eng_novels.txt")
ALPHABET = "aabbc  d\n'é東"
texts = st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=30), min_size=1, max_size=15)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bp.EarlyStopWarning)
        return fn(*args, **kwargs)


def _usage(tok: bp.Tokenizer, counts: bp.Counts) -> list[int]:
    usage = [0] * tok.vocab_size
    for word, n in counts.most_common():
        for i in tok._core.encode_piece(piece=word):
            usage[i] += n
    return usage


def _check_against_reference(tok, pruned, id_map, ranked, keep, usage, min_count, target):
    want_map, want_merges = ref.prune(
        tokens_by_id(tok),
        tok._core.merges(),
        tok.special_tokens,
        ranked,
        keep,
        usage,
        min_count,
        target,
    )
    assert id_map.tolist() == want_map
    if not ranked:
        assert pruned._core.merges() == want_merges
    kept = [old for old, new in enumerate(want_map) if new >= 0]
    assert pruned.vocab_size == len(kept)
    for old in kept:
        new = want_map[old]
        assert pruned.token_bytes(new) == tok.token_bytes(old)
        if not tok._core.is_special(id=old):
            # every kept token is reachable: its bytes encode to it alone
            assert pruned._core.encode_piece(piece=tok.token_bytes(old)) == [new]
    assert pruned.special_tokens == {s: want_map[i] for s, i in tok.special_tokens.items()}


@given(
    train=texts,
    corpus=texts,
    size=st.integers(260, 300),
    keep=st.lists(st.integers(0, 299), max_size=4),
    min_count=st.integers(1, 4),
    target=st.one_of(st.none(), st.integers(257, 290)),
    probe=st.text(alphabet=ALPHABET + "xyz🤖", max_size=40),
)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_pruning_equals_the_reference(train, corpus, size, keep, min_count, target, probe):
    tok = _quiet(bp.train, iter(train), size, progress=False)
    keep = [k for k in keep if k < tok.vocab_size]
    counts = bp.count(iter(corpus), progress=False)
    if target is not None and target < 257:
        return
    try:
        pruned, id_map = tok.prune(
            keep=keep, corpus=counts, min_count=min_count, target_size=target
        )
    except bp.BytepairError as e:
        assert target is not None and "below the" in str(e)
        return
    usage = _usage(tok, counts)
    _check_against_reference(tok, pruned, id_map, False, keep, usage, min_count, target)
    assert pruned.decode(pruned.encode_ordinary(probe)) == probe


@given(corpus=texts, target=st.integers(260, 300))
@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=40)
def test_a_ranked_vocabulary_prunes_as_the_reference(tmp_path_factory, corpus, target):
    d = tmp_path_factory.mktemp("ranks")
    trained = _quiet(bp.train, iter(["abab cabc dd abcd " * 3, "éé 東東 aab"]), 320, progress=False)
    path = trained.to_tiktoken(d / "small.tiktoken")
    top = trained.n_vocab - 1
    tok = bp.Tokenizer.from_tiktoken(path, pattern="gpt4", special_tokens={"<|a|>": top})
    counts = bp.count(iter(corpus), progress=False)
    pruned, id_map = tok.prune(corpus=counts, target_size=target)
    usage = _usage(tok, counts)
    _check_against_reference(tok, pruned, id_map, True, [], usage, 1, target)
    assert pruned.vocab_size <= max(target, 257)


# ---- real vocabularies ---------------------------------------------------------


@pytest.fixture(scope="module")
def novels() -> list[str]:
    with open(NOVELS, encoding="utf-8") as f:
        return f.read(3_000_000).splitlines(keepends=True)


def test_cl100k_pruned_on_english_and_loaded_by_hf(novels, tmp_path):
    base = bp.load_tokenizer("cl100k_base")
    pruned, id_map = base.prune(corpus=iter(novels[:20000]), target_size=16384)
    assert pruned.vocab_size == 16384
    assert (id_map >= 0).sum() == 16384
    assert pruned.special_tokens == {s: int(id_map[i]) for s, i in base.special_tokens.items()}, (
        "specials are always kept, renumbered"
    )
    held_out = "".join(novels[-3000:])
    ids = pruned.encode_ordinary(held_out)
    assert pruned.decode(ids) == held_out
    ratio = len(base.encode_ordinary(held_out)) / len(ids)
    assert 0.9 < ratio <= 1.0, "16K of cl100k's most used tokens keep most of its compression"
    pruned.to_huggingface(tmp_path)
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    assert hf.get_vocab_size() == pruned.vocab_size
    sample = held_out[:20000] + " naïve 東京 🤖 12345"
    assert hf.encode(sample, add_special_tokens=False).ids == pruned.encode_ordinary(sample)
    # the rows an embedding keeps follow the map
    weights = np.arange(base.vocab_size * 2).reshape(base.vocab_size, 2)
    rows = bp.prune_embeddings(weights, id_map)
    old = int(np.flatnonzero(id_map == 5000)[0])
    assert rows.shape == (16384, 2) and (rows[5000] == weights[old]).all()


def test_a_trained_tokenizer_keeps_what_is_named_and_what_builds_it(novels):
    tok = bp.train(iter(novels[:5000]), 3000, progress=False)
    token = max((tok.token_bytes(i) for i in range(256, 2999)), key=len)
    pruned, id_map = tok.prune(keep=[token, "<|endoftext|>"])
    assert pruned.encode_ordinary(token.decode("utf-8", "replace")) == [pruned.token_to_id(token)]
    assert 257 < pruned.vocab_size < 256 + len(token) + 2
    with pytest.raises(KeyError, match="not a token"):
        tok.prune(keep=["no such token at all"])
    with pytest.raises(KeyError):
        tok.prune(keep=[10**6])
    with pytest.raises(KeyError, match="id -1"):
        tok.prune(keep=[-1])


def test_a_superbpe_tokenizer_keeps_its_curriculum(novels):
    sb = _quiet(bp.train_superbpe, iter(novels[:3000]), 2000, 900, progress=False)
    pruned, id_map = sb.prune(corpus=iter(novels[3000:4000]), target_size=1200)
    text = "".join(novels[4000:4100])
    assert pruned.decode(pruned.encode(text)) == text
    kept_stage1 = sum(
        1
        for a, b in sb._core.merges()[:900]
        if id_map[a] >= 0
        and id_map[b] >= 0
        and id_map[sb.token_to_id(sb.token_bytes(a) + sb.token_bytes(b))] >= 0
    )
    assert pruned.curriculum["transition"] == kept_stage1


# ---- bad input ---------------------------------------------------------------


def test_bad_prune_arguments_are_named():
    tok = bp.load_tokenizer("cl100k_base")
    with pytest.raises(ValueError, match="say what to keep"):
        tok.prune()
    with pytest.raises(ValueError, match="pass corpus="):
        tok.prune(target_size=1000)
    with pytest.raises(bp.BytepairError, match="below the"):
        tok.prune(corpus=iter(["hello"]), target_size=100)
    with pytest.raises(bp.BytepairError, match="pattern"):
        tok.prune(corpus=bp.count(iter(["a b"]), pattern="gpt2", progress=False))
    spm = bp.load_tokenizer(shared_path("vocab", "openllama-3b-zh-en", "tokenizer.json"))
    with pytest.raises(bp.BytepairError, match="byte-level"):
        spm.prune(keep=[5])
    with pytest.raises(ValueError, match="rows"):
        bp.prune_embeddings(np.zeros((3, 2)), np.array([0, 1]))


def test_cli_prune_writes_the_tokenizer_and_the_id_map(tmp_path):
    from test_cli import run

    corpus = tmp_path / "c.txt"
    with open(NOVELS, encoding="utf-8") as f:
        corpus.write_text(f.read(1_000_000), encoding="utf-8")
    out, id_map = tmp_path / "small.json", tmp_path / "map.npy"
    args = ["prune", "-t", "cl100k_base", "--corpus", str(corpus), "--target-size", "8192"]
    r = run(*args, "-o", str(out), "--id-map", str(id_map))
    assert r.returncode == 0, r.stderr
    assert "100,277 -> 8,192 ids" in r.stdout
    small = bp.Tokenizer.load(out)
    want, want_map = bp.load_tokenizer("cl100k_base").prune(
        corpus=iter([corpus.read_text(encoding="utf-8")]), target_size=8192
    )
    assert small.merges == want.merges
    assert (np.load(id_map) == want_map).all()
    r = run(*args, "--min-count", "3", "-o", str(tmp_path / "x.json"))
    assert r.returncode == 1 and "not both" in r.stderr
    r = run(*args, "-o", str(out))
    assert r.returncode == 1 and "exists" in r.stderr


def test_the_readme_example_runs(tmp_path, monkeypatch):
    scope = run_readme_block("Pruning a tokenizer", tmp_path, monkeypatch)
    base, small, held_out = scope["base"], scope["small"], scope["held_out"]
    assert (len(base.encode_ordinary(held_out)), len(small.encode_ordinary(held_out))) == (
        223_100,
        248_891,
    )
    transformers = pytest.importorskip("transformers")
    auto = transformers.AutoTokenizer.from_pretrained(str(tmp_path / "o200k-16k"))
    sample = held_out[:5000]
    assert auto.encode(sample, add_special_tokens=False) == small.encode_ordinary(sample)
