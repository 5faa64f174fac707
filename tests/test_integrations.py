"""transformers and datasets, the real libraries: a ready fast tokenizer, and
encoding a `datasets.Dataset` built from local files with `map`."""

from __future__ import annotations

import json

import bytepair as bp
import numpy as np
import pytest
from conftest import shared_path

transformers = pytest.importorskip("transformers")
datasets = pytest.importorskip("datasets")


@pytest.fixture(scope="module")
def tok():
    texts = shared_path("corpora", "english", "tinyshakespeare.txt").read_text().splitlines()
    return bp.train(iter(texts), 2000, special_tokens=["<|endoftext|>", "<pad>"], progress=False)


def test_to_transformers_gives_ids_padding_and_truncation(tok):
    fast = tok.to_transformers()
    assert isinstance(fast, transformers.PreTrainedTokenizerFast)
    assert fast.eos_token == "<|endoftext|>" and fast.pad_token == "<pad>"
    texts = ["First Citizen: Before we proceed", "Speak, speak.", "x" * 50]
    assert fast(texts, add_special_tokens=False)["input_ids"] == [tok.encode(t) for t in texts]
    batch = fast(texts, padding=True, truncation=True, max_length=8)
    lengths = [min(len(tok.encode(t)), 8) for t in texts]
    pad = tok.special_tokens["<pad>"]
    for ids, mask, n, t in zip(
        batch["input_ids"], batch["attention_mask"], lengths, texts, strict=True
    ):
        assert len(ids) == max(lengths)
        assert ids[:n] == tok.encode(t)[:n] and all(i == pad for i in ids[n:])
        assert mask == [1] * n + [0] * (len(ids) - n)
    left = tok.to_transformers(padding_side="left")(texts, padding=True)["input_ids"]
    assert left[1][-len(tok.encode(texts[1])) :] == tok.encode(texts[1])


def test_saved_directory_loads_with_auto_tokenizer(tmp_path, tok):
    tok.to_transformers().save_pretrained(tmp_path)
    auto = transformers.AutoTokenizer.from_pretrained(str(tmp_path))
    text = "Before we proceed any further, hear me speak."
    assert auto(text, add_special_tokens=False)["input_ids"] == tok.encode(text)


def test_dataset_map_encodes_local_files(tmp_path, tok):
    lines = shared_path("corpora", "english", "tinyshakespeare.txt").read_text().splitlines()
    (tmp_path / "a.txt").write_text("\n".join(lines[:3000]))
    (tmp_path / "b.txt").write_text("\n".join(lines[3000:6000]))
    ds = datasets.load_dataset(
        "text",
        data_files=[str(tmp_path / "a.txt"), str(tmp_path / "b.txt")],
        split="train",
        cache_dir=str(tmp_path / "cache"),
    )
    encoded = ds.map(tok.hf_map_fn(), batched=True, batch_size=500)
    for row in encoded.select(range(0, len(encoded), 97)):
        assert row["input_ids"] == tok.encode(row["text"])
    # training straight from the dataset (the "text" column) gives the same merges
    from_ds = bp.train(ds, 600, special_tokens=["<|endoftext|>", "<pad>"], progress=False)
    from_iter = bp.train(
        iter(ds["text"]), 600, special_tokens=["<|endoftext|>", "<pad>"], progress=False
    )
    assert from_ds.merges == from_iter.merges


def test_cli_encode_writes_tokens_and_a_sidecar(tmp_path, tok):
    import subprocess
    import sys

    tok.save(tmp_path / "tok.json")
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("To be, or not to be: that is the question.\n" * 30)
    b.write_text("Whether 'tis nobler in the mind to suffer\n" * 20)
    out = tmp_path / "tokens.bin"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "bytepair",
            "encode",
            "-t",
            str(tmp_path / "tok.json"),
            str(a),
            str(b),
            "-o",
            str(out),
            "--append-eot",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    side = json.loads((tmp_path / "tokens.bin.json").read_text())
    assert side["dtype"] == "uint16" and side["eot_token"] == "<|endoftext|>"
    ids = np.fromfile(out, dtype=np.uint16).tolist()
    eot = tok.special_tokens["<|endoftext|>"]
    expected = (
        tok.encode_ordinary(a.read_text()) + [eot] + tok.encode_ordinary(b.read_text()) + [eot]
    )
    assert ids == expected and side["tokens"] == len(expected)
    docs = side["documents"]
    assert docs[0]["start"] == 0 and docs[1]["start"] == docs[0]["end"] == expected.index(eot) + 1
    r = subprocess.run(
        [sys.executable, "-m", "bytepair", "inspect", str(tmp_path / "tok.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0 and "vocab size     2,000" in r.stdout and "|" in r.stdout
