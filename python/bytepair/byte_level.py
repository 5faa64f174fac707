"""GPT-2's byte-level alphabet: each byte as a printable character.

Bytes that print as themselves (``!`` to ``~``, ``¡`` to ``¬``, ``®`` to ``ÿ``)
keep their code point; the other 68 get U+0100 onwards in byte order, so a space
is ``Ġ`` and a newline ``Ċ``.
"""

from __future__ import annotations

import functools


@functools.cache
def bytes_to_unicode() -> dict[int, str]:
    """``{byte: character}`` for all 256 bytes."""
    keep = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAC + 1), *range(0xAE, 0xFF + 1)]
    table = {b: chr(b) for b in keep}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(0x100 + extra)
            extra += 1
    return table
