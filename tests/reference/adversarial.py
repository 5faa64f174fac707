"""Adversarial inputs (issue 8, part 2), shared by tests/test_adversarial.py
and benches/worst_case.py. Each maker returns about ``n`` bytes of UTF-8
(str) or raw bytes."""

from __future__ import annotations

from collections.abc import Callable

ZWJ_FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


def _rep(unit: str, n: int, tail: str = "") -> str:
    return unit * max(1, n // len(unit.encode("utf-8", "surrogatepass"))) + tail


TEXT: dict[str, Callable[[int], str]] = {
    "a * n": lambda n: _rep("a", n),
    "one CJK char": lambda n: _rep("東", n),
    "emoji ZWJ sequences": lambda n: _rep(ZWJ_FAMILY, n),
    "combining marks": lambda n: "e" + _rep("\u0301", n),
    "spaces": lambda n: _rep(" ", n),
    "spaces then x": lambda n: _rep(" ", n, "x"),
    "tabs then x": lambda n: _rep("\t", n, "x"),
    "newlines": lambda n: _rep("\n", n),
    "CRLF then x": lambda n: _rep("\r\n", n, "x"),
    "ideographic spaces then x": lambda n: _rep("\u3000", n, "x"),
    "no-break spaces": lambda n: _rep("\u00a0", n),
    "mixed whitespace": lambda n: _rep(" \t\u00a0\n\u3000\r\n", n, "y"),
    "punctuation": lambda n: _rep("!?.,;:", n),
    "digits": lambda n: _rep("7", n),
    "digit groups": lambda n: _rep("1234567890", n),
    "lone surrogates": lambda n: _rep("\ud800", n),
    "reversed surrogates": lambda n: _rep("\udc00\ud800", n),
    "special look-alikes": lambda n: _rep("<|endoftext|<|endof|text|>", n),
    "zeros (NUL)": lambda n: _rep("\x00", n),
    "letters and marks": lambda n: _rep("a\u0301b\u0308", n),
}

BYTES: dict[str, Callable[[int], bytes]] = {
    "invalid 0xff": lambda n: b"\xff" * n,
    "truncated 3-byte": lambda n: b"\xe6\x9d" * (n // 2),
    "lead bytes": lambda n: b"\xc3" * n,
    "zero bytes": lambda n: b"\x00" * n,
    "mixed valid/invalid": lambda n: b"ab\xff \xe6\x9d\xb1 \x80" * (n // 10),
}
