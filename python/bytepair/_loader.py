"""A tokenizer from whatever a user names: an encoding name, a native or HF
``tokenizer.json`` (or its directory), or a tokenizer object."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ._tokenizer import Encoding, Tokenizer
from .registry import get_encoding, list_encoding_names

#: What names a tokenizer: see ``load_tokenizer``.
TokenizerSpec = str | os.PathLike | Tokenizer | Encoding | tuple

#: GPT-2's own file names, then HF's for the same two files.
_GPT2_FILES = (("encoder.json", "vocab.bpe"), ("vocab.json", "merges.txt"))


def load_tokenizer(spec: TokenizerSpec) -> Tokenizer:
    """A tokenizer from a registered encoding name (``o200k_base``), a native
    ``.json`` file, an HF ``tokenizer.json``, a directory holding one, GPT-2
    files (a directory with ``vocab.json`` + ``merges.txt`` or ``encoder.json``
    + ``vocab.bpe``, or the two paths as a tuple), or a ``Tokenizer`` /
    ``Encoding`` (returned as a ``Tokenizer``)."""
    if isinstance(spec, Tokenizer):
        return spec
    if isinstance(spec, Encoding):
        return spec.as_tokenizer()
    if isinstance(spec, tuple):
        if len(spec) != 2:
            raise ValueError("GPT-2 files are two paths: (vocab.json, merges.txt)")
        return Tokenizer.from_gpt2_files(*spec)
    if isinstance(spec, str) and spec in list_encoding_names():
        return get_encoding(spec).as_tokenizer()
    if not isinstance(spec, (str, os.PathLike)):
        raise TypeError(
            "a tokenizer is a Tokenizer, an Encoding, an encoding name or a path, "
            f"not {type(spec).__name__}"
        )
    path = Path(spec)
    if path.is_dir() and not (path / "tokenizer.json").exists():
        for vocab, merges in _GPT2_FILES:
            if (path / vocab).exists() and (path / merges).exists():
                return Tokenizer.from_gpt2_files(path / vocab, path / merges)
    if path.is_dir():
        path = path / "tokenizer.json"
    if not path.exists():
        raise FileNotFoundError(
            2,
            "no such tokenizer (a path, or one of " + ", ".join(list_encoding_names()) + ")",
            str(spec),
        )
    try:
        with open(path, encoding="utf-8") as f:
            head = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not a tokenizer JSON file ({e})") from None
    if isinstance(head, dict) and head.get("format") == "bytepair":
        return Tokenizer.load(path)
    return Tokenizer.from_huggingface(path)
