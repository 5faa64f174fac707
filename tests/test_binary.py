"""Binary byte tokenizers: HF tokenizers (the Latin-1 configuration) as the
oracle for the merge list, exact byte round trips, exports, bad input."""

from __future__ import annotations

import json
import os
import random

import bytepair as bp
import pytest
import tokenizers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tokenizers import models, trainers

# A few byte values make repeated pairs; 0x00 and high bytes must be there.
SMALL = st.sampled_from([0x00, 0x01, 0x41, 0x80, 0xC3, 0xFF])
docs_strategy = st.lists(
    st.one_of(st.binary(max_size=120), st.lists(SMALL, max_size=150).map(bytes)),
    min_size=1,
    max_size=6,
)


def hf_train_bytes(docs, vocab_size, window, max_token_length=None, min_frequency=0):
    """Binary BPE as people train it with HF: windows as Latin-1 text, no
    pre-tokenizer, every byte in the initial alphabet."""
    tok = tokenizers.Tokenizer(models.BPE())
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=[chr(i) for i in range(256)],
        max_token_length=max_token_length,
        min_frequency=min_frequency,
        show_progress=False,
    )
    windows = [d[i : i + window].decode("latin-1") for d in docs for i in range(0, len(d), window)]
    tok.train_from_iterator(windows, trainer)
    merges = json.loads(tok.to_str())["model"]["merges"]
    merges = [m if isinstance(m, list) else m.split(" ", 1) for m in merges]
    return [(a.encode("latin-1"), b.encode("latin-1")) for a, b in merges]


def hf_order(merges):
    """HF's file keeps a pair learned twice at its later rank."""
    last = {m: i for i, m in enumerate(merges)}
    return [m for i, m in enumerate(merges) if last[m] == i]


@given(
    docs=docs_strategy,
    window=st.sampled_from([3, 16, 64, 8192]),
    extra=st.integers(1, 120),
    hf_max=st.sampled_from([None, 2, 3, 5, 16]),
    min_frequency=st.integers(0, 3),
)
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_merges_equal_hf_latin1(docs, window, extra, hf_max, min_frequency):
    ours = bp.train_bytes(
        iter(docs),
        256 + extra,
        window=window,
        max_token_length=None if hf_max is None else max(2, hf_max - 1),
        min_frequency=min_frequency,
        progress=False,
    )
    theirs = hf_train_bytes(docs, 256 + extra, window, hf_max, min_frequency)
    assert hf_order(ours.merges) == theirs


@pytest.fixture(scope="module")
def trained():
    rng = random.Random(7)
    # Structured "binary": repeated records with NUL padding and high bytes.
    records = [
        bytes(rng.choice([0, 0, 0x48, 0x89, 0xE5, 0xFF, 0xC3]) for _ in range(12))
        for _ in range(40)
    ]
    docs = [b"".join(rng.choice(records) for _ in range(300)) for _ in range(8)]
    plain = bp.train_bytes(iter(docs), 600, window=256, progress=False)
    nul = bp.train_bytes(iter(docs), 600, window=256, split_on_nul=True, progress=False)
    return docs, plain, nul


@given(data=st.binary(max_size=3000))
@settings(deadline=None)
def test_bytes_round_trip_exactly(trained, data):
    _, plain, nul = trained
    for tok in (plain, nul):
        ids = tok.encode_bytes(data)
        assert tok.decode_bytes(ids) == data
        assert all(0 <= i < tok.vocab_size for i in ids)


def test_every_byte_is_a_token_and_ids_are_byte_values(trained):
    _, plain, _ = trained
    for b in range(256):
        assert plain.token_bytes(b) == bytes([b])
        assert plain.encode_bytes(bytes([b])) == [b]


def test_nul_runs_stay_apart(trained):
    docs, _, nul = trained
    for a, b in nul.merges:
        t = a + b
        assert t.count(0) in (0, len(t)), t
    ids = nul.encode_bytes(docs[0])
    pieces = [nul.token_bytes(i) for i in ids]
    assert all(p.count(0) in (0, len(p)) for p in pieces)


def test_allowed_lengths_and_max_length(trained):
    docs, _, _ = trained
    tok = bp.train_bytes(
        iter(docs), 500, window=256, allowed_token_lengths={1, 2, 4, 8}, progress=False
    )
    assert {len(tok.token_bytes(i)) for i in range(tok.vocab_size)} <= {1, 2, 4, 8}
    tok = bp.train_bytes(iter(docs), 500, window=256, max_token_length=3, progress=False)
    assert max(len(tok.token_bytes(i)) for i in range(tok.vocab_size)) <= 3


def test_files_stream_in_windows_like_documents(tmp_path):
    # 5 MB crosses the reader's 4 MB block: windows must not shift at the seam.
    rng = random.Random(3)
    words = [bytes(rng.randrange(256) for _ in range(rng.randint(2, 6))) for _ in range(50)]
    data = b"".join(rng.choice(words) for _ in range(1_300_000))[: 5 << 20]
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    from_file = bp.train_bytes(str(path), 400, window=1000, progress=False)
    from_memory = bp.train_bytes(iter([data]), 400, window=1000, progress=False)
    assert from_file.merges == from_memory.merges
    # a directory is read recursively, a glob too
    sub = tmp_path / "d" / "e"
    sub.mkdir(parents=True)
    (sub / "x.bin").write_bytes(data[:100_000])
    a = bp.train_bytes(str(tmp_path / "d"), 300, window=1000, progress=False)
    b = bp.train_bytes(str(tmp_path / "d" / "**" / "*.bin"), 300, window=1000, progress=False)
    assert a.merges == b.merges


def test_exports_load_in_hf_and_as_rank_files(tmp_path, trained):
    docs, plain, _ = trained
    plain.to_huggingface(tmp_path)
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    text = "plain ASCII and UTF-8 text: é 東"
    assert hf.encode(text).ids == plain.encode_bytes(text.encode())
    # Any bytes: map them to the byte-level alphabet and skip the pre-tokenizer.
    from bytepair.byte_level import bytes_to_unicode

    table = bytes_to_unicode()
    hf.pre_tokenizer = None
    data = docs[1][:5000]
    assert hf.encode("".join(table[b] for b in data)).ids == plain.encode_bytes(data)
    path = tmp_path / "bin.tiktoken"
    plain.to_tiktoken(path)
    ranks = bp.load.load_tiktoken_bpe(str(path))
    assert all(plain.token_bytes(i) == t for t, i in ranks.items())
    assert len(ranks) == plain.vocab_size


def test_bad_input_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="window"):
        bp.train_bytes(iter([b"abc"]), 300, window=0, progress=False)
    with pytest.raises(ValueError, match="contain 1"):
        bp.train_bytes(iter([b"abc"]), 300, allowed_token_lengths={2, 4}, progress=False)
    with pytest.raises(FileNotFoundError):
        bp.train_bytes(str(tmp_path / "missing.bin"), 300, progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no files"):
        bp.train_bytes(str(tmp_path / "empty"), 300, progress=False)
    with pytest.raises(TypeError, match="not bytes"):
        bp.train_bytes(iter(["text"]), 300, progress=False)
    with pytest.raises(TypeError, match="one bytes object"):
        bp.train_bytes(b"abc", 300, progress=False)
    with pytest.raises(ValueError, match="vocab_size"):
        bp.train_bytes(iter([b"abc"]), 100, progress=False)
    if os.geteuid() != 0:  # root reads any file
        locked = tmp_path / "locked.bin"
        locked.write_bytes(b"x")
        locked.chmod(0)
        with pytest.raises(PermissionError):
            bp.train_bytes(str(locked), 300, progress=False)
