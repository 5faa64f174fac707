"""Reading and writing rank files (tiktoken's ``tiktoken.load`` functions).

Unlike tiktoken's, these readers check every line and name the one that is
wrong, and read GPT-2's ``vocab.bpe`` with or without its ``#version`` header.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from . import _core
from .byte_level import bytes_to_unicode


def tiktoken_cache_path(url: str) -> Path:
    """Where tiktoken caches the file at ``url`` (its cache directory rules)."""
    import tempfile

    cache = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    cache_dir = Path(cache) if cache else Path(tempfile.gettempdir()) / "data-gym-cache"
    return cache_dir / hashlib.sha1(url.encode()).hexdigest()


def _read(path_or_url: str | os.PathLike, expected_hash: str | None) -> bytes:
    s = os.fspath(path_or_url)
    if s.startswith(("http://", "https://", "az://", "gs://")):
        # Offline: only tiktoken's cache can answer for a URL.
        path = tiktoken_cache_path(s)
        if not path.is_file():
            raise OSError(f"{s} is not a local file and not in tiktoken's cache ({path})")
        data = path.read_bytes()
    else:
        data = Path(s).read_bytes()
    if expected_hash is not None:
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected_hash:
            raise ValueError(
                f"Hash mismatch for data from {s} (expected {expected_hash}, got {actual})"
            )
    return data


def load_tiktoken_bpe(
    tiktoken_bpe_file: str | os.PathLike, expected_hash: str | None = None
) -> dict[bytes, int]:
    """``{token bytes: rank}`` from a ``.tiktoken`` file."""
    data = _read(tiktoken_bpe_file, expected_hash)
    return _core.Tokenizer.read_tiktoken_ranks(data, os.fspath(tiktoken_bpe_file))


def dump_tiktoken_bpe(bpe_ranks: dict[bytes, int], tiktoken_bpe_file: str | os.PathLike) -> None:
    """Write ``{token bytes: rank}`` as a ``.tiktoken`` file, sorted by rank."""
    import base64

    lines = [
        base64.b64encode(token).decode("ascii") + " " + str(rank) + "\n"
        for token, rank in sorted(bpe_ranks.items(), key=lambda x: x[1])
    ]
    Path(tiktoken_bpe_file).write_text("".join(lines), encoding="ascii")


def data_gym_to_mergeable_bpe_ranks(
    vocab_bpe_file: str | os.PathLike,
    encoder_json_file: str | os.PathLike,
    vocab_bpe_hash: str | None = None,
    encoder_json_hash: str | None = None,
    clobber_one_byte_tokens: bool = False,
) -> dict[bytes, int]:
    """Ranks from GPT-2's ``vocab.bpe`` + ``encoder.json``: the 256 bytes, then
    one token per merge in order. The result must agree with ``encoder.json``."""
    decode = {c: b for b, c in bytes_to_unicode().items()}

    def to_bytes(s: str, where: str) -> bytes:
        try:
            return bytes(decode[c] for c in s)
        except KeyError:
            raise ValueError(f"{where}: {s!r} is not in the byte-level alphabet") from None

    # The 256 single bytes come first, in the byte-level alphabet's order.
    ranks = {bytes([b]): i for i, b in enumerate(bytes_to_unicode())}
    text = _read(vocab_bpe_file, vocab_bpe_hash).decode("utf-8")
    lines = text.split("\n")
    start = 1 if lines and lines[0].startswith("#version") else 0
    for n, line in enumerate(lines[start:], start + 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2:
            raise ValueError(f"{vocab_bpe_file}: line {n}: expected two symbols, got {line!r}")
        token = to_bytes(parts[0], f"line {n}") + to_bytes(parts[1], f"line {n}")
        if token in ranks:
            raise ValueError(f"{vocab_bpe_file}: line {n}: the merge result {token!r} repeats")
        ranks[token] = len(ranks)
    encoder = json.loads(_read(encoder_json_file, encoder_json_hash))
    from_json = {}
    for s, i in encoder.items():
        if s in ("<|endoftext|>", "<|startoftext|>"):
            continue
        from_json[to_bytes(s, f"encoder.json {s!r}")] = i
    if clobber_one_byte_tokens:
        for b in range(256):
            from_json[bytes([b])] = ranks[bytes([b])]
    if from_json != ranks:
        raise ValueError(
            f"{encoder_json_file} does not agree with the ranks from {vocab_bpe_file} "
            "(ids are not 256 + merge index)"
        )
    return ranks
