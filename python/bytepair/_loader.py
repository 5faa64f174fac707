"""A tokenizer from whatever a user names: an encoding name, a native or HF
``tokenizer.json`` (or its directory), or a tokenizer object."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ._tokenizer import Encoding, Tokenizer
from .registry import get_encoding, list_encoding_names


def load_tokenizer(spec: str | os.PathLike | Tokenizer | Encoding) -> Tokenizer:
    """A tokenizer from a registered encoding name (``o200k_base``), a native
    ``.json`` file, an HF ``tokenizer.json``, a directory holding one, or a
    ``Tokenizer`` / ``Encoding`` (returned as a ``Tokenizer``)."""
    if isinstance(spec, Tokenizer):
        return spec
    if isinstance(spec, Encoding):
        return spec.as_tokenizer()
    if isinstance(spec, str) and spec in list_encoding_names():
        return get_encoding(spec).as_tokenizer()
    path = Path(spec)
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
