"""One-call recipes for published tokenizer families
(Binary BPE, KL3M-004; see the README's domain tokenizers section)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from ._bytes import train_bytes
from ._tokenizer import Tokenizer
from ._train import train

#: Binary BPE 0.3's special tokens, appended after the merges.
BINARY_SPECIALS = ("<|start|>", "<|end|>", "<|pad|>", "<|unk|>", "<|cls|>", "<|sep|>", "<|mask|>")
#: KL3M-004's special tokens, at ids 0-12.
KL3M_SPECIALS = (
    "<|start|>",
    "<|end|>",
    "<|pad|>",
    "<|unk|>",
    "<|sep|>",
    "<|cls|>",
    "<|mask|>",
    "<|system|>",
    "</|system|>",
    "<|user|>",
    "</|user|>",
    "<|instruction|>",
    "</|instruction|>",
)


def binary(
    corpus: str | os.PathLike | Iterable[Any], vocab_size: int = 8192, **overrides: Any
) -> Tokenizer:
    """Binary BPE, as ``mjbommar/binary-tokenizer-001-{4k..64k}`` were made:
    raw bytes, 8192-byte windows, tokens of 1-16 bytes, min frequency 10, and
    the 7 special tokens after the merges. Keyword arguments override these."""
    kw: dict[str, Any] = {
        "window": 8192,
        "max_token_length": 16,
        "min_frequency": 10,
        "special_tokens": BINARY_SPECIALS,
    }
    kw.update(overrides)
    return train_bytes(corpus, vocab_size, **kw)


def _kl3m_base(cased: bool) -> dict[str, Any]:
    """What every KL3M-004 tokenizer shares: NFKC (+ lowercase when uncased),
    GPT-2 pre-tokenization, the 13 special tokens at ids 0-12."""
    return {
        "pattern": "gpt2",
        "normalization": "NFKC",
        "lowercase": not cased,
        "special_tokens": KL3M_SPECIALS,
        "specials_first": True,
    }


def kl3m_char(
    corpus: str | os.PathLike | Iterable[Any],
    vocab_size: int = 4096,
    *,
    cased: bool = True,
    max_chars: int | None = None,
    **overrides: Any,
) -> Tokenizer:
    """KL3M-004's character tokenizers (``alea-institute/kl3m-004-char-*``):
    NFKC (and lowercase when not ``cased``), GPT-2 byte-level pre-tokenization,
    the 13 KL3M special tokens at ids 0-12, min frequency 1000, tokens of at
    most ``max_chars`` (3 below 16K, 4 from 16K).

    Like the originals, trained by HF with ``max_token_length=max_chars + 1``,
    the limit counts bytes (so "é" uses 2 of them). Unlike them, the alphabet
    is the full byte-level one: no dead tokens, no dropped bytes."""
    limit = max_chars if max_chars is not None else (4 if vocab_size >= 16384 else 3)
    kw: dict[str, Any] = {
        **_kl3m_base(cased),
        "min_frequency": 1000,
        "max_token_length": limit + 1,
        "hf_compatible_max_length": True,
    }
    kw.update(overrides)
    return train(corpus, vocab_size, **kw)


def kl3m_domain_tokens() -> list[str]:
    """Domain tokens in the spirit of KL3M-004's hand-made list that are one
    GPT-2 pre-token each (so they can be forced): years 1776-2049 and the
    numbers 10-999 with their leading space, enumeration letters and roman
    numerals as words, and whitespace runs. (KL3M's list also holds Markdown,
    HTML, JSON and legal-citation pieces, which GPT-2's pattern cuts, and
    reporters-db entries downloaded at training time, which are not bundled.)"""
    out = [f" {y}" for y in range(1776, 2050)]
    out += [f" {n}" for n in range(10, 1000)]
    out += [" " * n for n in range(2, 9)] + ["\n" * n for n in range(2, 9)]
    out += [" " + r for r in ("ii", "iii", "iv", "vi", "vii", "viii", "ix", "xi", "xii")]
    return list(dict.fromkeys(out))


def domain(
    corpus: str | os.PathLike | Iterable[Any],
    vocab_size: int = 32768,
    *,
    cased: bool = True,
    forced_tokens: Iterable[str] | None = None,
    **overrides: Any,
) -> Tokenizer:
    """A KL3M-004-style domain tokenizer (legal, financial text): NFKC (and
    lowercase when not ``cased``), GPT-2 byte-level pre-tokenization, the 13
    KL3M special tokens at ids 0-12, domain tokens forced into the vocabulary
    (default :func:`kl3m_domain_tokens`), padded to a power of two.

    Unlike KL3M's added tokens, forced tokens are vocabulary entries matched
    as whole pre-tokens only: no match inside a word, no bare-space token."""
    kw: dict[str, Any] = {
        **_kl3m_base(cased),
        "forced_tokens": kl3m_domain_tokens() if forced_tokens is None else list(forced_tokens),
        "pad_to": "pow2",
    }
    kw.update(overrides)
    return train(corpus, vocab_size, **kw)
