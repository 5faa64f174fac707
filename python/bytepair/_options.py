"""Checks of argument types shared by the API functions, and ``UNSET``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: The pattern text is split with when none is given (cl100k's, GPT-4's):
#: ``bytepair.train``, ``count`` and ``Counts.from_dict``.
DEFAULT_PATTERN = "gpt4"

#: The special tokens a vocabulary trained from bytes gets when none are named.
DEFAULT_SPECIAL_TOKENS = ("<|endoftext|>",)


class Unset:
    """The type of ``UNSET``: an argument the caller did not pass, so that its
    documented default applies, or what the given counts were made with.
    Checked with ``isinstance``."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset()


def check_int(name: str, value: Any, low: int) -> None:
    """``value`` is an int (not a bool) of at least ``low``."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")


def str_list(name: str, values: Iterable[str]) -> list[str]:
    """``values`` as a list of str (one str is refused: it would be its characters)."""
    if isinstance(values, str):
        raise TypeError(f"{name} must be a list of str, not one str")
    out = list(values)
    for v in out:
        if not isinstance(v, str):
            raise TypeError(f"{name} must hold str, not {type(v).__name__}")
    return out


def optional_str(name: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a str or None, not {type(value).__name__}")
