"""``bytepair.train(corpus, vocab_size, base=...)``: more merges on an
existing byte-level BPE tokenizer, every one of its ids kept.

The policy lives here: which base a user may name, which training options
make sense on top of one (the base fixes the pattern and normalization), and
which special tokens are added. The core replays the base's merges on the
counted text and continues the merge loop (``train/extend.rs``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import _core, _report
from ._corpus import text_source
from ._counts import Counts
from ._options import Unset, str_list
from ._tokenizer import Tokenizer


def same_pattern(given: str | None, base: Tokenizer) -> bool:
    """Whether ``given`` (a name or regex) splits as the base's pattern."""
    core = base._core
    if given is None or core.pattern is None:
        return given is None and core.pattern is None
    named = _core.pattern_regex(name=given)
    return (named[0] if named else given) == core.pattern_regex or given == core.pattern


def specials_to_add(special_tokens: Iterable[str] | Unset) -> list[str]:
    """On a base, special tokens are the base's unless more are asked for."""
    if isinstance(special_tokens, Unset):
        return []
    return str_list("special_tokens", special_tokens)


def check_split_options(
    base: Tokenizer,
    pattern: str | None | Unset,
    normalization: str | None | Unset,
    lowercase: bool | Unset,
) -> None:
    """Text is counted the way the base encodes it; other settings are refused."""
    if not isinstance(pattern, Unset) and not same_pattern(pattern, base):
        raise ValueError(
            f"train(base=) counts text with the base's pattern ({base.pattern!r}), "
            f"not pattern={pattern!r}; leave pattern unset"
        )
    made, lowered = base._core.normalization_options
    asked = (
        made if isinstance(normalization, Unset) else normalization,
        lowered if isinstance(lowercase, Unset) else bool(lowercase),
    )
    canon = _core.normalization_name
    if canon(normalization=asked[0], lowercase=asked[1]) != canon(
        normalization=made, lowercase=lowered
    ):
        raise ValueError(
            "train(base=) normalizes text as the base does "
            f"(normalization={made!r}, lowercase={lowered}); leave them unset"
        )


def extend(
    corpus: Any,
    vocab_size: int,
    base: Tokenizer,
    *,
    special_tokens: list[str],
    min_frequency: int,
    max_token_length: int | None,
    max_distinct: int | None,
    num_threads: int | None,
    progress: bool,
    text_column: str | None,
) -> Tokenizer:
    """Train on top of ``base``; the arguments are checked by ``train``."""
    if isinstance(corpus, Counts):
        source: dict[str, Any] = {"counts": [corpus._core]}
    else:
        source = text_source(corpus, text_column)
    core, report = _core.train_extend(
        base=base._core,
        vocab_size=vocab_size,
        special_tokens=special_tokens,
        min_frequency=min_frequency,
        max_token_length=max_token_length,
        max_distinct=max_distinct,
        num_threads=num_threads,
        progress=bool(progress),
        **source,
    )
    tok = Tokenizer(core)
    _report.record(
        report, tok.vocab_size, asked=vocab_size, min_frequency=min_frequency, progress=progress
    )
    return tok
