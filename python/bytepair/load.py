"""Reading and writing rank files (tiktoken's ``tiktoken.load`` functions).

Unlike tiktoken's, these readers check every line and name the one that is
wrong, and read GPT-2's ``vocab.bpe`` with or without its ``#version`` header.
URLs are read through tiktoken's cache, with the standard library (no
``requests``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from . import _core
from .byte_level import bytes_to_unicode


def _hashlib():
    """hashlib, imported on first use: it maps OpenSSL (3.4 MB resident) into
    the process, which `import bytepair` should not pay for."""
    import hashlib

    return hashlib


def _cache_dir() -> tuple[str, bool]:
    """tiktoken's cache directory, and whether the user chose it."""
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        return os.environ["TIKTOKEN_CACHE_DIR"], True
    if "DATA_GYM_CACHE_DIR" in os.environ:
        return os.environ["DATA_GYM_CACHE_DIR"], True
    import tempfile

    return os.path.join(tempfile.gettempdir(), "data-gym-cache"), False


def tiktoken_cache_path(url: str) -> Path:
    """Where tiktoken caches the file at ``url`` (its cache directory rules)."""
    return Path(_cache_dir()[0]) / _hashlib().sha1(url.encode()).hexdigest()


def read_file(blobpath: str) -> bytes:
    """A local file, or an ``http(s)://`` URL downloaded with the standard library."""
    if "://" not in blobpath:
        return Path(blobpath).read_bytes()
    if not blobpath.startswith(("http://", "https://")):
        raise OSError(f"{blobpath}: only local files and http(s) URLs can be read")
    import urllib.request

    with urllib.request.urlopen(blobpath, timeout=60) as response:
        return response.read()


def read_file_cached(blobpath: str, expected_hash: str | None = None) -> bytes:
    """``read_file`` through tiktoken's cache, with tiktoken's rules: the cache
    is ``$TIKTOKEN_CACHE_DIR``, else ``$DATA_GYM_CACHE_DIR``, else
    ``data-gym-cache`` in the temp dir (an empty value turns caching off); a
    cached file that fails ``expected_hash`` (sha256) is fetched again, and a
    download that fails it is an error."""
    cache_dir, chosen = _cache_dir()
    if cache_dir == "":
        return _checked(read_file(blobpath), blobpath, expected_hash)
    path = Path(cache_dir) / _hashlib().sha1(blobpath.encode()).hexdigest()
    if path.is_file():
        data = path.read_bytes()
        if expected_hash is None or _hashlib().sha256(data).hexdigest() == expected_hash:
            return data
        path.unlink(missing_ok=True)
    data = _checked(read_file(blobpath), blobpath, expected_hash)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.urandom(8).hex()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        if chosen:  # a cache the user asked for must work; the default may not
            raise
    return data


def _checked(data: bytes, source: str, expected_hash: str | None) -> bytes:
    if expected_hash is not None:
        actual = _hashlib().sha256(data).hexdigest()
        if actual != expected_hash:
            raise ValueError(
                f"Hash mismatch for data from {source} (expected {expected_hash}, got {actual})"
            )
    return data


def _read(path_or_url: str | os.PathLike, expected_hash: str | None) -> bytes:
    s = os.fspath(path_or_url)
    if "://" in s:
        return read_file_cached(s, expected_hash)
    return _checked(Path(s).read_bytes(), s, expected_hash)


def load_tiktoken_bpe(
    tiktoken_bpe_file: str | os.PathLike, expected_hash: str | None = None
) -> dict[bytes, int]:
    """``{token bytes: rank}`` from a ``.tiktoken`` file."""
    data = _read(tiktoken_bpe_file, expected_hash)
    return _core.read_tiktoken_ranks(data=data, source=os.fspath(tiktoken_bpe_file))


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
