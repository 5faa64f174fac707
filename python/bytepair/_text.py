"""Calls into the core with text that may hold lone surrogates.

A Python str with a lone surrogate cannot be UTF-8 encoded; tiktoken turns
such characters into U+FFFD (and a surrogate pair into its character), and so
do we: the call is retried on the fixed text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def fix_surrogates(text: str) -> str:
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def on_text(call: Callable[..., Any], text: str, **kwargs: Any) -> Any:
    """``call(text=text, **kwargs)``, retried with fixed surrogates."""
    try:
        return call(text=text, **kwargs)
    except UnicodeEncodeError:
        return call(text=fix_surrogates(text), **kwargs)


def on_texts(call: Callable[..., Any], texts: list[str], **kwargs: Any) -> Any:
    """``call(texts=texts, **kwargs)``, retried with fixed surrogates."""
    try:
        return call(texts=texts, **kwargs)
    except UnicodeEncodeError:
        return call(texts=[fix_surrogates(t) for t in texts], **kwargs)
