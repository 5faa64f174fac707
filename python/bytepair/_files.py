"""Writing files safely, and naming the vocabulary a token file was made with."""

from __future__ import annotations

import os
from pathlib import Path


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write via a temporary file so an interrupted save leaves no half file."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def digest(core) -> str:
    """sha256 of a core tokenizer's native JSON: names the vocabulary a token
    file was made with."""
    try:
        text = core.to_native_json()
    except Exception:  # SentencePiece-style vocabularies have no native form yet
        text = repr(sorted(core.special_tokens())) + str(core.vocab_size)
    import hashlib  # here, not at the top: it maps OpenSSL's 3.4 MB into every process

    return hashlib.sha256(text.encode()).hexdigest()
