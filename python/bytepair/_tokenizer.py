"""The two Python faces of a core tokenizer.

* ``Tokenizer``: what training returns and HF files load as; HF tokenizers'
  conventions (special tokens recognised by default, a post-processor
  template, ``tokenizer.json`` in and out).
* ``Encoding``: tiktoken's ``Encoding``, with the same methods, arguments,
  results and errors.

Each converts to the other (``Tokenizer.as_tiktoken``,
``Encoding.as_tokenizer``), so they share this module. Everything runs in
the Rust core with the GIL released; this layer turns arguments into calls.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Collection, Iterable, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from . import _added, _core
from ._added import AddedToken
from ._corpus import resolve_paths
from ._files import atomic_write
from ._optional import numpy
from ._text import on_text, on_texts

if TYPE_CHECKING:
    import numpy as np

AllowedSpecial = Literal["all"] | Collection[str]
SpecialSet = Literal["all"] | AbstractSet[str] | Collection[str]


def _encode_files(core, paths, out, dtype, eot, progress) -> tuple[int, list[int]]:
    return core.encode_files(
        paths=resolve_paths(paths), out=os.fspath(out), dtype=dtype, eot=eot, progress=progress
    )


def _check_ids(ids: Iterable[int]) -> list[int]:
    ids = list(ids)
    for i in ids:
        if not isinstance(i, int) or isinstance(i, bool) or i < 0 or i >= 2**32:
            raise KeyError(f"Invalid token for decoding: {i!r}")
    return ids


class Tokenizer:
    """A byte-level BPE tokenizer.

    Ids: the 256 single bytes first (in GPT-2's byte-level character order),
    then merged tokens in the order training created them, then special tokens.
    """

    __slots__ = ("_core",)

    def __init__(self, core: _core.Tokenizer):
        self._core = core

    # ---- encoding -------------------------------------------------------------
    def encode(
        self,
        text: str,
        *,
        allowed_special: AllowedSpecial = "all",
        add_special_tokens: bool = True,
    ) -> list[int]:
        """Encode ``text``. Special tokens in the text become their ids, like HF
        tokenizers; pass ``allowed_special=()`` to encode them as plain text.

        ``add_special_tokens`` adds the ids a loaded ``tokenizer.json``'s
        post-processor template puts around a text (a BOS id, say), as HF does by
        default; tokenizers without a template are unaffected."""
        return on_text(
            self._core.encode,
            text,
            allowed_special=_allowed(allowed_special),
            add_special_tokens=bool(add_special_tokens),
        )

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode ``text`` ignoring special tokens."""
        return on_text(self._core.encode_ordinary, text)

    def encode_bytes(self, data: bytes) -> list[int]:
        """Encode raw bytes (any bytes, valid UTF-8 or not)."""
        return self._core.encode_bytes(data=bytes(data))

    def encode_batch(
        self,
        texts: Sequence[str],
        *,
        num_threads: int | None = None,
        allowed_special: AllowedSpecial = "all",
        add_special_tokens: bool = True,
    ) -> list[list[int]]:
        """Encode many texts in parallel (the GIL is released)."""
        return on_texts(
            self._core.encode_batch,
            list(texts),
            allowed_special=_allowed(allowed_special),
            add_special_tokens=bool(add_special_tokens),
            num_threads=num_threads,
        )

    def encode_files(
        self,
        paths,
        out,
        *,
        dtype: str = "uint32",
        eot: str | None = None,
        progress: bool = True,
    ) -> tuple[int, list[int]]:
        """Encode text files into one ``.bin``/``.npy`` token file (see
        ``Encoding.encode_files``); ``eot`` names a special token to append after
        each file."""
        eot_id = None
        if eot is not None:
            eot_id = self.token_to_id(eot)
            if eot_id is None:
                raise KeyError(eot)
        return _encode_files(self._core, paths, out, dtype, eot_id, progress)

    # ---- decoding -------------------------------------------------------------
    def decode_bytes(self, ids: Iterable[int], skip_special_tokens: bool = False) -> bytes:
        """The exact bytes of ``ids``. Unknown ids raise KeyError.
        ``skip_special_tokens`` leaves out the added tokens marked special."""
        if skip_special_tokens:
            return self._core.decode_bytes_skipping_specials(ids=_check_ids(ids))
        return self._core.decode_bytes(ids=_check_ids(ids))

    def decode(
        self, ids: Iterable[int], errors: str = "replace", skip_special_tokens: bool = False
    ) -> str:
        """Decode ``ids`` to text; ``errors`` as in ``bytes.decode``."""
        return self.decode_bytes(ids, skip_special_tokens).decode("utf-8", errors=errors)

    def token_bytes(self, id: int) -> bytes:
        """The bytes of one token (a special token gives its text)."""
        return self._core.token_bytes(id=id)

    def token_to_id(self, token: str | bytes) -> int | None:
        """The id of a token given as bytes or text, or None. Covers added tokens."""
        if isinstance(token, str):
            for entry in self._core.added_tokens():
                if entry[0] == token:
                    return entry[1]
            token = token.encode("utf-8")
        return self._core.token_id(token=token)

    # ---- facts ----------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        """One more than the largest id (special tokens included)."""
        return self._core.vocab_size

    n_vocab = vocab_size

    @property
    def pattern(self) -> str | None:
        """The pre-tokenization pattern: "gpt2", "gpt4", "o200k", a regex, or None."""
        return self._core.pattern

    @property
    def curriculum(self) -> dict | None:
        """For a SuperBPE tokenizer, how it was trained:
        ``{"stage1_pattern": ..., "transition": merges inherited}``; else None."""
        c = self._core.curriculum
        return None if c is None else {"stage1_pattern": c[0], "transition": c[1]}

    @property
    def special_tokens(self) -> dict[str, int]:
        """The added tokens marked special, text -> id."""
        return dict(self._core.special_tokens())

    @property
    def added_tokens(self) -> dict[int, AddedToken]:
        """Every added token, special ones included, by id (HF's
        ``get_added_tokens_decoder``)."""
        return dict(sorted(map(_added.from_core, self._core.added_tokens())))

    # ---- changing -------------------------------------------------------------
    def add_tokens(self, tokens: Iterable[str | AddedToken], special: bool = False) -> int:
        """Add tokens matched in text before BPE, as HF's ``add_tokens`` does;
        returns how many changed anything. A token whose text is already in the
        vocabulary keeps that id (HF's rule); others take the next ids. Every
        existing id stays as it is. ``special=True`` is HF's
        ``add_special_tokens``."""
        core, added = self._core.add_tokens(tokens=_added.requested(tokens, special))
        self._core = core
        return added

    def add_special_tokens(self, tokens: Iterable[str | AddedToken]) -> int:
        """``add_tokens(tokens, special=True)``."""
        return self.add_tokens(tokens, special=True)

    @property
    def merges(self) -> list[tuple[bytes, bytes]]:
        """The merge list in rank order, as byte pairs."""
        tb = self._core.token_bytes
        return [(tb(id=a), tb(id=b)) for a, b in self._core.merges()]

    def __len__(self) -> int:
        return self.vocab_size

    def __repr__(self) -> str:
        return (
            f"<bytepair.Tokenizer vocab_size={self.vocab_size} pattern={self.pattern!r} "
            f"special_tokens={len(self._core.special_tokens())}>"
        )

    # ---- files ----------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write the native JSON format (versioned; read back with ``Tokenizer.load``)."""
        atomic_write(Path(path), self._core.to_native_json())

    @classmethod
    def load(cls, path: str | os.PathLike) -> Tokenizer:
        """Read a file written by ``save``."""
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        return cls(_core.load_native_json(text=text, source=str(path)))

    @classmethod
    def from_huggingface(cls, path: str | os.PathLike) -> Tokenizer:
        """Load a byte-level BPE ``tokenizer.json`` (a file, or a directory holding one).

        Ids equal ``tokenizers.Tokenizer.from_file(path).encode(text).ids`` for the
        ByteLevel and Split+ByteLevel models that GPT-2, Llama 3, Qwen 2/3 and the
        tiktoken conversions use; a post-processor template (BOS/EOS) is applied
        when ``encode(..., add_special_tokens=True)``, the default, as in HF.
        """
        path = Path(path)
        if path.is_dir():
            path = path / "tokenizer.json"
        text = path.read_text(encoding="utf-8")
        return cls(_core.load_hf_json(text=text, source=str(path)))

    @classmethod
    def from_tiktoken(
        cls, path: str | os.PathLike, *, pattern: str, special_tokens: dict[str, int] | None = None
    ) -> Tokenizer:
        """Load a ``.tiktoken`` rank file; ``pattern`` is a name or a regex."""
        path = Path(path)
        core = _core.load_tiktoken(
            data=path.read_bytes(),
            pattern=pattern,
            special_tokens=list((special_tokens or {}).items()),
            source=str(path),
        )
        return cls(core)

    @classmethod
    def from_gpt2_files(
        cls, encoder_json: str | os.PathLike, vocab_bpe: str | os.PathLike
    ) -> Tokenizer:
        """Load GPT-2's ``encoder.json`` + ``vocab.bpe`` (HF's vocab.json + merges.txt)."""
        vocab = json.loads(Path(encoder_json).read_text(encoding="utf-8"))
        lines = Path(vocab_bpe).read_text(encoding="utf-8").split("\n")
        if lines and lines[0].startswith("#version"):
            lines = lines[1:]
        merges = [line for line in lines if line.strip()]
        specials = [
            {"id": i, "content": s, "special": True}
            for s, i in vocab.items()
            if s.startswith("<|") and s.endswith("|>")
        ]
        doc = {
            "added_tokens": specials,
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True},
            "model": {"type": "BPE", "vocab": vocab, "merges": merges},
        }
        return cls(_core.load_hf_json(text=json.dumps(doc), source=str(vocab_bpe)))

    def as_tiktoken(self, name: str = "bytepair") -> Encoding:
        """This vocabulary as a tiktoken-style ``bytepair.Encoding``."""
        regex = self._core.pattern_regex or ""
        return Encoding._from_core(name, regex, self._core, self.special_tokens)

    def prune(
        self,
        keep: Iterable[int | str | bytes] | None = None,
        corpus=None,
        min_count: int = 1,
        target_size: int | None = None,
        *,
        text_column: str | None = None,
    ):
        """A smaller vocabulary and the id map: ``(Tokenizer, id_map)``.

        Kept: the 256 bytes and the special tokens always; the tokens in
        ``keep`` (ids, or tokens as str or bytes); and with ``corpus`` (paths,
        an iterator of text, or ``Counts`` made with this tokenizer's pattern
        and normalization) the tokens its encoding uses at least ``min_count``
        times, or instead the most used ones that fit ``target_size`` final
        ids. Every kept token brings the tokens its own encoding goes
        through, so it stays reachable; merges are re-derived and ids
        renumbered densely in their old order. ``id_map`` is a numpy int64
        array, old id -> new id (-1 for dropped); ``bytepair.prune_embeddings``
        slices an embedding matrix with it. Needs numpy (``bytepair[numpy]``).
        """
        from ._prune import prune_core

        core, id_map = prune_core(self._core, keep, corpus, min_count, target_size, text_column)
        return Tokenizer(core), id_map

    def stats(self, texts: Iterable[str], baseline: Tokenizer | None = None):
        """Bytes per token, tokens per word, the share of tokens that cross a
        space, and a words-per-token histogram on ``texts`` (special tokens
        count as text), with the same for ``baseline`` and the token ratio.
        Returns a :class:`bytepair.TokenStats` (needs numpy)."""
        from ._stats import token_stats

        return token_stats(self._core, texts, None if baseline is None else baseline._core)

    def to_tiktoken(self, path: str | os.PathLike) -> Path:
        """Write the mergeable tokens as a ``.tiktoken`` rank file (rank = id).

        Special tokens are not part of that format; pass them to
        ``Encoding.from_tiktoken_file`` (or ``tiktoken.Encoding``) when loading.
        """
        p = Path(path)
        atomic_write(p, self._core.to_tiktoken_text())
        return p

    def to_huggingface_json(self) -> str:
        """The HF ``tokenizer.json`` document as a string."""
        return self._core.to_hf_json()

    def to_huggingface(self, directory: str | os.PathLike) -> Path:
        """Write ``tokenizer.json`` and ``tokenizer_config.json`` into ``directory``.

        ``tokenizers.Tokenizer.from_file(dir/"tokenizer.json")`` gives the same ids,
        and ``transformers.AutoTokenizer.from_pretrained(dir)`` loads it offline.
        """
        from ._huggingface import write_directory

        return write_directory(self._core, Path(directory))

    def to_transformers(self, padding_side: str = "right", **kwargs):
        """A ready ``transformers.PreTrainedTokenizerFast`` with the same ids.

        Special tokens named like the usual roles (``<|endoftext|>``, ``<s>``,
        ``</s>``, ``<pad>``, ``<unk>``, ``<|pad|>``, ...) become
        ``bos_token``/``eos_token``/``pad_token``/``unk_token``; with no pad
        token the EOS token pads, as for GPT-2. ``kwargs`` go to the
        constructor and override these."""
        from ._huggingface import transformers_tokenizer

        return transformers_tokenizer(self._core, padding_side, **kwargs)

    def hf_map_fn(
        self,
        text_column: str = "text",
        output_column: str = "input_ids",
        *,
        add_special_tokens: bool = True,
        num_threads: int | None = None,
    ):
        """A function for ``datasets.Dataset.map(fn, batched=True)``: encodes
        the batch's ``text_column`` in parallel (GIL released) into
        ``output_column``."""
        from ._huggingface import map_function

        return map_function(self, text_column, output_column, add_special_tokens, num_threads)

    # ---- pickling -------------------------------------------------------------
    def __reduce__(self):
        return (_from_native_json, (self._core.to_native_json(),))


def _allowed(allowed_special: AllowedSpecial) -> str | list[str]:
    return "all" if allowed_special == "all" else list(allowed_special)


def _from_native_json(text: str) -> Tokenizer:
    return Tokenizer(_core.load_native_json(text=text, source="<pickle>"))


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
        core = _core.tokenizer_from_ranks(
            ranks=mergeable_ranks, pattern=pat_str, special_tokens=list(special_tokens.items())
        )
        self._setup(name, pat_str, core, dict(special_tokens), explicit_n_vocab)
        self._ranks_cache = mergeable_ranks

    def _setup(
        self,
        name: str,
        pat_str: str,
        core: _core.Tokenizer,
        special_tokens: dict[str, int],
        explicit_n_vocab: int | None,
        pickle_as: tuple[Callable[..., Encoding], tuple] | None = None,
    ) -> None:
        self.name = name
        self._pat_str = pat_str
        self._special_tokens = special_tokens
        self._core = core
        self._ranks_cache: dict[bytes, int] | None = None
        self._pickle_as = pickle_as
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
        pickle_as: tuple[Callable[..., Encoding], tuple] | None = None,
    ) -> Encoding:
        """An Encoding over ``core``; ``pickle_as`` is how to rebuild it when
        unpickled (a registry rebuilds a named encoding by its name)."""
        self = cls.__new__(cls)
        self._setup(name, pat_str, core, special_tokens, explicit_n_vocab, pickle_as)
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
        path = Path(path)
        specials = dict(special_tokens or {})
        core = _core.load_tiktoken(
            data=path.read_bytes(),
            pattern=pat_str,
            special_tokens=list(specials.items()),
            source=str(path),
        )
        return cls._from_core(name or path.stem, pat_str, core, specials)

    @property
    def _mergeable_ranks(self) -> dict[bytes, int]:
        if self._ranks_cache is None:
            self._ranks_cache = self._core.mergeable_ranks()
        return self._ranks_cache

    def __repr__(self) -> str:
        return f"<Encoding {self.name!r}>"

    # ---- encoding -------------------------------------------------------------
    def _sets(self, allowed_special: SpecialSet, disallowed_special: SpecialSet):
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
        # Any string may be disallowed, special token or not (as in tiktoken).
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
        allowed, disallowed = self._sets(allowed_special, disallowed_special)
        return on_text(self._core.encode_checked, text, allowed=allowed, disallowed=disallowed)

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode ``text`` with special tokens treated as plain text."""
        return on_text(self._core.encode_ordinary, text)

    def encode_to_numpy(
        self,
        text: str,
        *,
        allowed_special: SpecialSet = set(),  # noqa: B006
        disallowed_special: SpecialSet = "all",
    ) -> np.ndarray:
        """Like ``encode``, as a uint32 numpy array."""
        numpy("encode_to_numpy")
        allowed, disallowed = self._sets(allowed_special, disallowed_special)
        return on_text(
            self._core.encode_checked_numpy, text, allowed=allowed, disallowed=disallowed
        )

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
        allowed, disallowed = self._sets(allowed_special, disallowed_special)
        return on_texts(
            self._core.encode_checked_batch,
            texts,
            allowed=allowed,
            disallowed=disallowed,
            num_threads=num_threads,
        )

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
        numpy("encode_batch_to_numpy")
        texts = list(text)
        allowed, disallowed = self._sets(allowed_special, disallowed_special)
        return on_texts(
            self._core.encode_flat,
            texts,
            allowed=allowed,
            disallowed=disallowed,
            num_threads=num_threads,
        )

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
        eot = self.eot_token if append_eot else None
        return _encode_files(self._core, paths, out, dtype, eot, progress)

    def encode_single_token(self, text_or_bytes: str | bytes) -> int:
        """The id of one token given as text or bytes (special tokens included)."""
        b = text_or_bytes.encode("utf-8") if isinstance(text_or_bytes, str) else text_or_bytes
        i = self._core.token_id(token=b)
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
        return self._core.encode_piece(piece=b)

    def _encode_bytes(self, text: bytes) -> list[int]:
        return self._core.encode_bytes(data=bytes(text))

    # ---- decoding -------------------------------------------------------------
    def decode_bytes(self, tokens: Sequence[int]) -> bytes:
        """The bytes of ``tokens``; an unknown id raises KeyError."""
        return self._core.decode_bytes(ids=tokens)

    def decode(self, tokens: Sequence[int], errors: str = "replace") -> str:
        """Decode to text; a token that splits a character gives U+FFFD."""
        return self._core.decode_bytes(ids=tokens).decode("utf-8", errors=errors)

    def decode_single_token_bytes(self, token: int) -> bytes:
        """The bytes of one token (a special token gives its text)."""
        try:
            return self._core.token_bytes(id=token)
        except KeyError:
            raise KeyError(str(token)) from None

    def decode_tokens_bytes(self, tokens: Sequence[int]) -> list[bytes]:
        """The bytes of each token."""
        return self._core.decode_tokens_bytes(ids=tokens)

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
        """``decode`` over many sequences, in parallel."""
        return [
            b.decode("utf-8", errors=errors)
            for b in self.decode_bytes_batch(batch, num_threads=num_threads)
        ]

    def decode_bytes_batch(
        self, batch: Sequence[Sequence[int]], *, num_threads: int = 8
    ) -> list[bytes]:
        """``decode_bytes`` over many sequences, in parallel (GIL released)."""
        return self._core.decode_bytes_batch(
            batch=[list(t) for t in batch], num_threads=num_threads
        )

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
        return self._core.is_special(id=token)

    @property
    def n_vocab(self) -> int:
        """One more than the largest token id (not a count of tokens)."""
        return self.max_token_value + 1

    def as_tokenizer(self) -> Tokenizer:
        """The same vocabulary as a ``bytepair.Tokenizer`` (save, export to HF)."""
        return Tokenizer(self._core)

    # ---- pickling -------------------------------------------------------------
    def __reduce__(self):
        if self._pickle_as is not None:
            return self._pickle_as
        state = (self.name, self._pat_str, self._core.to_tiktoken_text(), self._special_tokens)
        return (_rebuild, state)


def _rebuild(name: str, pat_str: str, ranks_text: str, special_tokens: dict[str, int]) -> Encoding:
    core = _core.load_tiktoken(
        data=ranks_text.encode("ascii"),
        pattern=pat_str,
        special_tokens=list(special_tokens.items()),
        source="<pickle>",
    )
    return Encoding._from_core(name, pat_str, core, special_tokens)
