"""The Tokenizer: a trained or loaded byte-level BPE model."""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Literal

from . import _core

AllowedSpecial = Literal["all"] | Collection[str]


def _allowed(allowed_special: AllowedSpecial) -> str | list[str]:
    return "all" if allowed_special == "all" else list(allowed_special)


def _fix_surrogates(text: str) -> str:
    # Lone surrogates cannot be UTF-8 encoded; tiktoken turns them into U+FFFD
    # (and a surrogate pair into its character). We do the same.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _on_text(call, text: str, *args):
    """``call(text, *args)``; a text with lone surrogates is fixed and retried."""
    try:
        return call(text, *args)
    except UnicodeEncodeError:
        return call(_fix_surrogates(text), *args)


def _on_texts(call, texts: list[str], *args):
    """``call(texts, *args)``; texts with lone surrogates are fixed and retried."""
    try:
        return call(texts, *args)
    except UnicodeEncodeError:
        return call([_fix_surrogates(t) for t in texts], *args)


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
        ids = _on_text(self._core.encode, text, _allowed(allowed_special))
        return self._with_template(ids) if add_special_tokens else ids

    def _with_template(self, ids: list[int]) -> list[int]:
        prefix, suffix = self._core.template
        if prefix or suffix:
            return [*prefix, *ids, *suffix]
        return ids

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode ``text`` ignoring special tokens."""
        return _on_text(self._core.encode_ordinary, text)

    def encode_bytes(self, data: bytes) -> list[int]:
        """Encode raw bytes (any bytes, valid UTF-8 or not)."""
        return self._core.encode_bytes(bytes(data))

    def encode_batch(
        self,
        texts: Sequence[str],
        *,
        num_threads: int | None = None,
        allowed_special: AllowedSpecial = "all",
        add_special_tokens: bool = True,
    ) -> list[list[int]]:
        """Encode many texts in parallel (the GIL is released)."""
        allowed = _allowed(allowed_special)
        out = _on_texts(self._core.encode_batch, list(texts), allowed, num_threads)
        if add_special_tokens and any(self._core.template):
            out = [self._with_template(ids) for ids in out]
        return out

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
    def decode_bytes(self, ids: Iterable[int]) -> bytes:
        """The exact bytes of ``ids``. Unknown ids raise KeyError."""
        ids = list(ids)
        for i in ids:
            if not isinstance(i, int) or isinstance(i, bool) or i < 0 or i >= 2**32:
                raise KeyError(f"Invalid token for decoding: {i!r}")
        return self._core.decode_bytes(ids)

    def decode(self, ids: Iterable[int], errors: str = "replace") -> str:
        """Decode ``ids`` to text; ``errors`` as in ``bytes.decode``."""
        return self.decode_bytes(ids).decode("utf-8", errors=errors)

    def token_bytes(self, id: int) -> bytes:
        """The bytes of one token (a special token gives its text)."""
        return self._core.token_bytes(id)

    def token_to_id(self, token: str | bytes) -> int | None:
        """The id of a token given as bytes or text, or None. Covers special tokens."""
        if isinstance(token, str):
            for text, i in self._core.special_tokens():
                if text == token:
                    return i
            token = token.encode("utf-8")
        return self._core.token_id(token)

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
        return dict(self._core.special_tokens())

    @property
    def merges(self) -> list[tuple[bytes, bytes]]:
        """The merge list in rank order, as byte pairs."""
        tb = self._core.token_bytes
        return [(tb(a), tb(b)) for a, b in self._core.merges()]

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
        _atomic_write(Path(path), self._core.to_native_json())

    @classmethod
    def load(cls, path: str | os.PathLike) -> Tokenizer:
        """Read a file written by ``save``."""
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        return cls(_core.Tokenizer.from_native_json(text, str(path)))

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
        return cls(_core.Tokenizer.from_hf_json(text, str(path)))

    @classmethod
    def from_tiktoken(
        cls, path: str | os.PathLike, *, pattern: str, special_tokens: dict[str, int] | None = None
    ) -> Tokenizer:
        """Load a ``.tiktoken`` rank file; ``pattern`` is a name or a regex."""
        path = Path(path)
        core = _core.Tokenizer.from_tiktoken_bytes(
            path.read_bytes(),
            _pattern_regex(pattern),
            list((special_tokens or {}).items()),
            str(path),
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
        return cls(_core.Tokenizer.from_hf_json(json.dumps(doc), str(vocab_bpe)))

    def as_tiktoken(self, name: str = "bytepair"):
        """This vocabulary as a tiktoken-style ``bytepair.Encoding``."""
        from ._encoding import Encoding

        pattern = self.pattern
        regex = _pattern_regex(pattern) if pattern else ""
        return Encoding._from_core(name, regex, self._core, self.special_tokens)

    def stats(self, texts: Iterable[str], baseline: Tokenizer | None = None):
        """Bytes per token, tokens per word, the share of tokens that cross a
        space, and a words-per-token histogram on ``texts`` (special tokens
        count as text), with the same for ``baseline`` and the token ratio.
        Returns a :class:`bytepair.TokenStats`."""
        from ._stats import token_stats

        return token_stats(self, texts, baseline)

    def to_tiktoken(self, path: str | os.PathLike) -> Path:
        """Write the mergeable tokens as a ``.tiktoken`` rank file (rank = id).

        Special tokens are not part of that format; pass them to
        ``Encoding.from_tiktoken_file`` (or ``tiktoken.Encoding``) when loading.
        """
        p = Path(path)
        _atomic_write(p, self._core.to_tiktoken_text())
        return p

    def to_huggingface_json(self) -> str:
        """The HF ``tokenizer.json`` document as a string."""
        return self._core.to_hf_json()

    def to_huggingface(self, directory: str | os.PathLike) -> Path:
        """Write ``tokenizer.json`` and ``tokenizer_config.json`` into ``directory``.

        ``tokenizers.Tokenizer.from_file(dir/"tokenizer.json")`` gives the same ids,
        and ``transformers.AutoTokenizer.from_pretrained(dir)`` loads it offline.
        """
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        _atomic_write(d / "tokenizer.json", self.to_huggingface_json())
        specials = list(self.special_tokens)
        eos = "<|endoftext|>" if "<|endoftext|>" in specials else None
        config = {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": None,
            "eos_token": eos,
            "unk_token": None,
            "pad_token": None,
            "additional_special_tokens": [s for s in specials if s != eos],
            "model_max_length": 1_000_000_000_000_000_019_884_624_838_656,
            "clean_up_tokenization_spaces": False,
        }
        _atomic_write(d / "tokenizer_config.json", json.dumps(config, indent=2))
        return d / "tokenizer.json"

    def to_transformers(self, padding_side: str = "right", **kwargs):
        """A ready ``transformers.PreTrainedTokenizerFast`` with the same ids.

        Special tokens named like the usual roles (``<|endoftext|>``, ``<s>``,
        ``</s>``, ``<pad>``, ``<unk>``, ``<|pad|>``, ...) become
        ``bos_token``/``eos_token``/``pad_token``/``unk_token``; with no pad
        token the EOS token pads, as for GPT-2. ``kwargs`` go to the
        constructor and override these."""
        import tokenizers
        from transformers import PreTrainedTokenizerFast

        roles = _special_roles(list(self.special_tokens))
        roles.update(kwargs)
        backend = tokenizers.Tokenizer.from_str(self.to_huggingface_json())
        return PreTrainedTokenizerFast(tokenizer_object=backend, padding_side=padding_side, **roles)

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

        try:
            import numpy as np
            import pyarrow as pa
        except ImportError:  # datasets always brings pyarrow; be safe anyway
            pa = None
        templated = add_special_tokens and any(self._core.template)

        def encode(batch):
            texts = list(batch[text_column])
            if pa is None or templated:
                ids = self.encode_batch(
                    texts, num_threads=num_threads, add_special_tokens=add_special_tokens
                )
                return {output_column: ids}
            # One flat array and offsets, handed to Arrow as they are: building
            # Python lists for datasets to convert back cost two thirds of the time.
            flat, offsets = _on_texts(self._core.encode_flat, texts, "all", [], num_threads)
            kind = pa.large_list if offsets[-1] >= 2**31 else pa.list_
            offsets = pa.array(offsets.astype(np.int64 if kind is pa.large_list else np.int32))
            lists = (pa.LargeListArray if kind is pa.large_list else pa.ListArray).from_arrays(
                offsets, pa.array(flat)
            )
            # datasets replaces a batch by a returned table: keep the other columns.
            columns = {k: v for k, v in batch.items() if k != output_column}
            columns[output_column] = lists
            return pa.table(columns)

        return encode

    # ---- pickling -------------------------------------------------------------
    def __reduce__(self):
        return (_from_native_json, (self._core.to_native_json(),))


_ROLE_NAMES = {
    "bos_token": ("<s>", "<|begin_of_text|>", "<|start|>", "<|startoftext|>", "<bos>"),
    "eos_token": ("</s>", "<|endoftext|>", "<|end_of_text|>", "<|end|>", "<eos>"),
    "pad_token": ("<pad>", "<|pad|>", "<|padding|>"),
    "unk_token": ("<unk>", "<|unk|>"),
}


def _special_roles(specials: list[str]) -> dict[str, str]:
    roles = {}
    for role, names in _ROLE_NAMES.items():
        for n in names:
            if n in specials:
                roles[role] = n
                break
    if "pad_token" not in roles and "eos_token" in roles:
        roles["pad_token"] = roles["eos_token"]
    return roles


def _encode_files(core, paths, out, dtype, eot, progress) -> tuple[int, list[int]]:
    from ._corpus import resolve_paths

    files = resolve_paths(paths)
    return core.encode_files(files, os.fspath(out), dtype, eot, progress)


def _pattern_regex(pattern: str) -> str:
    named = _core.pattern_regex(pattern)
    return named[0] if named else pattern


def _from_native_json(text: str) -> Tokenizer:
    return Tokenizer(_core.Tokenizer.from_native_json(text, "<pickle>"))


def _digest(core: _core.Tokenizer) -> str:
    """sha256 of a tokenizer's native JSON: names the vocabulary a token file
    was made with."""
    import hashlib

    try:
        text = core.to_native_json()
    except Exception:  # SentencePiece-style vocabularies have no native form yet
        text = repr(sorted(core.special_tokens)) + str(core.vocab_size)
    return hashlib.sha256(text.encode()).hexdigest()


def _atomic_write(path: Path, data: str | bytes) -> None:
    """Write via a temporary file so an interrupted save leaves no half file."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
