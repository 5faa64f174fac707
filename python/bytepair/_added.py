"""Added tokens: HF's ``AddedToken`` and the checks on what ``add_tokens`` takes.

The matching and the ids are the core's (``rust/bytepair/src/added.rs``);
this module only turns arguments into the core's tuples.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class AddedToken:
    """A string matched in text before BPE, with HF's flags.

    ``single_word``: only where no word character touches it; ``lstrip`` /
    ``rstrip``: it takes the whitespace on its left / right; ``normalized``:
    looked for in the normalized text (default: not for special tokens);
    ``special``: skipped by ``decode(skip_special_tokens=True)``."""

    content: str
    single_word: bool = False
    lstrip: bool = False
    rstrip: bool = False
    normalized: bool | None = None
    special: bool = False

    def __post_init__(self):
        if not isinstance(self.content, str):
            raise TypeError(f"an added token's content is a str, not {type(self.content).__name__}")
        if not self.content:
            raise ValueError("an added token cannot be empty")
        if self.normalized is None:
            object.__setattr__(self, "normalized", not self.special)


def requested(tokens: Iterable[str | AddedToken], special: bool) -> list[tuple]:
    """The core's tuples for ``add_tokens(tokens, special=)``: a str becomes an
    ``AddedToken``; ``special=True`` marks every token special, as HF's
    ``add_special_tokens`` does."""
    if isinstance(tokens, (str, AddedToken)):
        raise TypeError("add_tokens takes a list of tokens; wrap a single one in a list")
    out = []
    for t in tokens:
        if isinstance(t, str):
            t = AddedToken(t, special=special)
        elif not isinstance(t, AddedToken):
            raise TypeError(
                f"an added token is a str or bytepair.AddedToken, not {type(t).__name__}"
            )
        out.append(
            (t.content, t.special or special, t.single_word, t.lstrip, t.rstrip, bool(t.normalized))
        )
    return out


def from_core(entry: tuple) -> tuple[int, AddedToken]:
    content, id, special, single_word, lstrip, rstrip, normalized = entry
    return id, AddedToken(content, single_word, lstrip, rstrip, normalized, special)
