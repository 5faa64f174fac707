"""tiktoken encodings built from the shared rank files, offline (the oracle)."""

from __future__ import annotations

import functools

import bytepair.registry as reg
import tiktoken
import tiktoken.load
from conftest import shared_path


@functools.cache
def tiktoken_encoding(name: str) -> tiktoken.Encoding:
    rank_file, pattern, specials, explicit = reg._OPENAI[name]
    path = shared_path("vocab", "tiktoken", f"{rank_file}.tiktoken")
    return tiktoken.Encoding(
        name=name,
        pat_str=reg.pattern_regex(pattern),
        mergeable_ranks=tiktoken.load.load_tiktoken_bpe(str(path)),
        special_tokens=specials,
        explicit_n_vocab=explicit,
    )
