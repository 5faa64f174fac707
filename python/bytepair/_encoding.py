"""``bytepair.Encoding``: tiktoken's ``Encoding``, same methods, results and errors.

Everything runs in the Rust core with the GIL released; this layer only turns
tiktoken's arguments into calls. Batch methods run on a Rust thread pool
instead of a Python ``ThreadPoolExecutor``; the results are the same.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Literal

from . import _core
from ._tokenizer import _on_text, _on_texts

if TYPE_CHECKING:
    import numpy as np

    from ._tokenizer import Tokenizer

SpecialSet = Literal["all"] | AbstractSet[str] | Collection[str]


class Encoding:
    """A tiktoken-compatible encoding.

    >>> import bytepair as bp
    >>> enc = bp.get_encoding("cl100k_base")
    >>> enc.encode("hello world")
    [15339, 1917]
    >>> enc.decode([15339, 1917])
    'hello world'
    """

    def __init__(
        self,
        name: str,
        *,
        pat_str: str,
        mergeable_ranks: dict[bytes, int],
        special_tokens: dict[str, int],
        explicit_n_vocab: int | None = None,
    ):
        core = _core.Tokenizer.from_ranks(mergeable_ranks, pat_str, list(special_tokens.items()))
        self._setup(name, pat_str, core, dict(special_tokens), explicit_n_vocab)
        self._ranks_cache = mergeable_ranks

    def _setup(
        self,
        name: str,
        pat_str: str,
        core: _core.Tokenizer,
        special_tokens: dict[str, int],
        explicit_n_vocab: int | None,
    ) -> None:
        self.name = name
        self._pat_str = pat_str
        self._special_tokens = special_tokens
        self._core = core
        self._ranks_cache: dict[bytes, int] | None = None
        top_rank = core.max_mergeable_id
        self.max_token_value = max(top_rank, max(special_tokens.values(), default=0))
        if explicit_n_vocab is not None:
            n_ranks = core.num_mergeable
            if n_ranks + len(special_tokens) != explicit_n_vocab:
                raise ValueError(
                    f"explicit_n_vocab={explicit_n_vocab}, but there are {n_ranks} mergeable "
                    f"tokens and {len(special_tokens)} special tokens"
                )
            if self.max_token_value != explicit_n_vocab - 1:
                raise ValueError(
                    f"explicit_n_vocab={explicit_n_vocab}, but the largest token id is "
                    f"{self.max_token_value}"
                )

    @classmethod
    def _from_core(
        cls,
        name: str,
        pat_str: str,
        core: _core.Tokenizer,
        special_tokens: dict[str, int],
        explicit_n_vocab: int | None = None,
    ) -> Encoding:
        self = cls.__new__(cls)
        self._setup(name, pat_str, core, special_tokens, explicit_n_vocab)
        return self

    @classmethod
    def from_tiktoken_file(
        cls,
        path,
        *,
        pat_str: str,
        special_tokens: dict[str, int] | None = None,
        name: str | None = None,
    ) -> Encoding:
        """Load a ``.tiktoken`` rank file (every line is checked)."""
        from pathlib import Path

        path = Path(path)
        data = path.read_bytes()
        specials = dict(special_tokens or {})
        core = _core.Tokenizer.from_tiktoken_bytes(data, pat_str, list(specials.items()), str(path))
        return cls._from_core(name or path.stem, pat_str, core, specials)

    @property
    def _mergeable_ranks(self) -> dict[bytes, int]:
        if self._ranks_cache is None:
            self._ranks_cache = self._core.mergeable_ranks()
        return self._ranks_cache

    def __repr__(self) -> str:
        return f"<Encoding {self.name!r}>"

    # ---- encoding -------------------------------------------------------------
    def _sets(self, texts, allowed_special: SpecialSet, disallowed_special: SpecialSet):
        # tiktoken's rules: "all" allowed means every special token; "all"
        # disallowed means every special token that is not allowed.
        if allowed_special == "all":
            allowed: object = "all"
            allowed_set = self.special_tokens_set
        else:
            allowed_set = allowed_special
            allowed = list(allowed_special)
        if disallowed_special == "all":
            if not allowed_set:
                return allowed, "all"
            disallowed_special = self.special_tokens_set - set(allowed_set)
        if not isinstance(disallowed_special, frozenset | set):
            disallowed_special = frozenset(disallowed_special)
        if disallowed_special and not disallowed_special <= self.special_tokens_set:
            # tiktoken checks any string it is given, special token or not.
            for t in texts:
                _check_disallowed(t, disallowed_special)
        return allowed, list(disallowed_special)

    def encode(
        self,
        text: str,
        *,
        allowed_special: SpecialSet = set(),  # noqa: B006 (tiktoken's signature)
        disallowed_special: SpecialSet = "all",
    ) -> list[int]:
        """Encode ``text``. A disallowed special token anywhere in it raises
        ValueError; allowed ones become their ids; others are plain text."""
        allowed, disallowed = self._sets((text,), allowed_special, disallowed_special)
        return _on_text(self._core.encode_checked, text, allowed, disallowed)

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode ``text`` with special tokens treated as plain text."""
        return _on_text(self._core.encode_ordinary, text)

    def encode_to_numpy(
        self,
        text: str,
        *,
        allowed_special: SpecialSet = set(),  # noqa: B006
        disallowed_special: SpecialSet = "all",
    ) -> np.ndarray:
        """Like ``encode``, as a uint32 numpy array."""
        allowed, disallowed = self._sets((text,), allowed_special, disallowed_special)
        return _on_text(self._core.encode_checked_numpy, text, allowed, disallowed)

    def encode_batch(
        self,
        text: Sequence[str],
        *,
        num_threads: int = 8,
        allowed_special: SpecialSet = set(),  # noqa: B006
        disallowed_special: SpecialSet = "all",
    ) -> list[list[int]]:
        """``encode`` over many texts in parallel (the GIL is released)."""
        texts = list(text)
        allowed, disallowed = self._sets(texts, allowed_special, disallowed_special)
        return _on_texts(self._core.encode_checked_batch, texts, allowed, disallowed, num_threads)

    def encode_ordinary_batch(
        self, text: Sequence[str], *, num_threads: int = 8
    ) -> list[list[int]]:
        """``encode_ordinary`` over many texts in parallel."""
        return self.encode_batch(text, num_threads=num_threads, disallowed_special=())

    def encode_batch_to_numpy(
        self,
        text: Sequence[str],
        *,
        num_threads: int = 8,
        allowed_special: SpecialSet = set(),  # noqa: B006
        disallowed_special: SpecialSet = "all",
    ) -> tuple[np.ndarray, np.ndarray]:
        """Encode many texts into one flat uint32 array and document offsets
        (``ids[offsets[i]:offsets[i+1]]`` is text ``i``); no Python list per token."""
        texts = list(text)
        allowed, disallowed = self._sets(texts, allowed_special, disallowed_special)
        return _on_texts(self._core.encode_flat, texts, allowed, disallowed, num_threads)

    def encode_files(
        self,
        paths,
        out,
        *,
        dtype: str = "uint32",
        append_eot: bool = False,
        progress: bool = True,
    ) -> tuple[int, list[int]]:
        """Encode text files (each one document, special tokens as plain text) into
        one token file: ``.npy`` gets a NumPy header, anything else is raw
        little-endian ``dtype``. Files are streamed in blocks and encoded on all
        cores; the output appears only when complete. Returns the number of ids
        and where each document starts (plus the end)."""
        from ._tokenizer import _encode_files

        eot = self.eot_token if append_eot else None
        return _encode_files(self._core, paths, out, dtype, eot, progress)

    def encode_single_token(self, text_or_bytes: str | bytes) -> int:
        """The id of one token given as text or bytes (special tokens included)."""
        b = text_or_bytes.encode("utf-8") if isinstance(text_or_bytes, str) else text_or_bytes
        i = self._core.token_id(b)
        if i is not None:
            return i
        try:
            s = b.decode("utf-8")
        except UnicodeDecodeError:
            raise KeyError(b) from None
        if s in self._special_tokens:
            return self._special_tokens[s]
        raise KeyError(b)

    def _encode_single_piece(self, text_or_bytes: str | bytes) -> list[int]:
        b = text_or_bytes.encode("utf-8") if isinstance(text_or_bytes, str) else text_or_bytes
        return self._core.encode_piece(b)

    def _encode_bytes(self, text: bytes) -> list[int]:
        return self._core.encode_bytes(bytes(text))

    # ---- decoding -------------------------------------------------------------
    def decode_bytes(self, tokens: Sequence[int]) -> bytes:
        """The bytes of ``tokens``; an unknown id raises KeyError."""
        return self._core.decode_bytes(tokens)

    def decode(self, tokens: Sequence[int], errors: str = "replace") -> str:
        """Decode to text; a token that splits a character gives U+FFFD."""
        return self._core.decode_bytes(tokens).decode("utf-8", errors=errors)

    def decode_single_token_bytes(self, token: int) -> bytes:
        """The bytes of one token (a special token gives its text)."""
        try:
            return self._core.token_bytes(token)
        except KeyError:
            raise KeyError(str(token)) from None

    def decode_tokens_bytes(self, tokens: Sequence[int]) -> list[bytes]:
        """The bytes of each token."""
        return self._core.decode_tokens_bytes(tokens)

    def decode_with_offsets(self, tokens: Sequence[int]) -> tuple[str, list[int]]:
        """The text and, for each token, the index of the character it starts in.

        A token that begins inside a character (with a UTF-8 continuation byte)
        is given the offset of that character.
        """
        pieces = self.decode_tokens_bytes(tokens)
        offsets = []
        chars = 0
        for piece in pieces:
            starts_inside = bool(piece) and 0x80 <= piece[0] < 0xC0
            offsets.append(max(0, chars - starts_inside))
            chars += sum(1 for b in piece if not 0x80 <= b < 0xC0)
        return b"".join(pieces).decode("utf-8", errors="strict"), offsets

    def decode_batch(
        self, batch: Sequence[Sequence[int]], *, errors: str = "replace", num_threads: int = 8
    ) -> list[str]:
        return [self.decode(t, errors=errors) for t in batch]

    def decode_bytes_batch(
        self, batch: Sequence[Sequence[int]], *, num_threads: int = 8
    ) -> list[bytes]:
        return [self.decode_bytes(t) for t in batch]

    # ---- facts ----------------------------------------------------------------
    def token_byte_values(self) -> list[bytes]:
        """Every mergeable token's bytes, sorted."""
        return self._core.sorted_token_bytes()

    @property
    def eot_token(self) -> int:
        return self._special_tokens["<|endoftext|>"]

    @functools.cached_property
    def special_tokens_set(self) -> set[str]:
        return set(self._special_tokens.keys())

    def is_special_token(self, token: int) -> bool:
        assert isinstance(token, int)
        return self._core.is_special(token)

    @property
    def n_vocab(self) -> int:
        """One more than the largest token id (not a count of tokens)."""
        return self.max_token_value + 1

    def as_tokenizer(self) -> Tokenizer:
        """The same vocabulary as a ``bytepair.Tokenizer`` (save, export to HF)."""
        from ._tokenizer import Tokenizer

        return Tokenizer(self._core)

    # ---- pickling -------------------------------------------------------------
    def __reduce__(self):
        from . import registry

        if registry.ENCODINGS.get(self.name) is self:
            return (registry.get_encoding, (self.name,))
        state = (self.name, self._pat_str, self._core.to_tiktoken_text(), self._special_tokens)
        return (_rebuild, state)


def _check_disallowed(text: str, disallowed: AbstractSet[str]) -> None:
    import re

    pattern = "|".join(re.escape(t) for t in sorted(disallowed, key=len, reverse=True))
    if m := re.search(pattern, text):
        raise _core.DisallowedSpecialError(_disallowed_message(m.group()))


def _disallowed_message(token: str) -> str:
    return (
        f"Encountered text corresponding to disallowed special token {token!r}.\n"
        "If you want this text to be encoded as a special token, pass it to "
        f"`allowed_special`, e.g. `allowed_special={{{token!r}, ...}}`.\n"
        "If you want this text to be encoded as normal text, disable the check for this "
        f"token by passing `disallowed_special=(enc.special_tokens_set - {{{token!r}}})`.\n"
        "To disable this check for all special tokens, pass `disallowed_special=()`.\n"
    )


def _rebuild(name: str, pat_str: str, ranks_text: str, special_tokens: dict[str, int]) -> Encoding:
    core = _core.Tokenizer.from_tiktoken_bytes(
        ranks_text.encode("ascii"), pat_str, list(special_tokens.items()), "<pickle>"
    )
    return Encoding._from_core(name, pat_str, core, special_tokens)
