"""Type stubs for the Rust extension ``bytepair._core`` (kept by hand)."""

from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

SpecialArg = Literal["all"] | list[str]

class BytepairError(ValueError): ...
class FormatError(BytepairError): ...
class InvalidUtf8Error(BytepairError): ...
class DisallowedSpecialError(BytepairError): ...

class Tokenizer:
    def encode(self, text: str, allowed_special: SpecialArg) -> list[int]: ...
    def encode_ordinary(self, text: str) -> list[int]: ...
    def encode_bytes(self, data: bytes) -> list[int]: ...
    def encode_batch(
        self,
        texts: list[str],
        allowed_special: SpecialArg,
        num_threads: int | None = None,
    ) -> list[list[int]]: ...
    def encode_checked(
        self, text: str, allowed: SpecialArg, disallowed: SpecialArg
    ) -> list[int]: ...
    def encode_checked_batch(
        self,
        texts: list[str],
        allowed: SpecialArg,
        disallowed: SpecialArg,
        num_threads: int | None = None,
    ) -> list[list[int]]: ...
    def encode_checked_numpy(
        self, text: str, allowed: SpecialArg, disallowed: SpecialArg
    ) -> npt.NDArray[np.uint32]: ...
    def encode_flat(
        self,
        texts: list[str],
        allowed: SpecialArg,
        disallowed: SpecialArg,
        num_threads: int | None = None,
    ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]: ...
    def encode_piece(self, piece: bytes) -> list[int]: ...
    @property
    def template(self) -> tuple[list[int], list[int]]: ...
    def decode_tokens_bytes(self, ids: list[int]) -> list[bytes]: ...
    def sorted_token_bytes(self) -> list[bytes]: ...
    def mergeable_ranks(self) -> dict[bytes, int]: ...
    def is_special(self, id: int) -> bool: ...
    @property
    def merge_rule(self) -> Literal["ranked", "listed"]: ...
    @property
    def max_mergeable_id(self) -> int: ...
    def to_tiktoken_text(self) -> str: ...
    @staticmethod
    def from_ranks(
        ranks: dict[bytes, int] | list[tuple[bytes, int]],
        pattern: str | None,
        special_tokens: list[tuple[str, int]],
    ) -> Tokenizer: ...
    @staticmethod
    def from_tiktoken_bytes(
        data: bytes, pattern: str | None, special_tokens: list[tuple[str, int]], source: str = ...
    ) -> Tokenizer: ...
    @staticmethod
    def from_bundled(
        name: str, pattern: str, special_tokens: list[tuple[str, int]]
    ) -> Tokenizer | None: ...
    @staticmethod
    def read_tiktoken_ranks(data: bytes, source: str = ...) -> dict[bytes, int]: ...
    @staticmethod
    def from_hf_json(text: str, source: str = "tokenizer.json") -> Tokenizer: ...
    def encode_files(
        self,
        paths: list[str],
        out: str,
        dtype: str,
        eot: int | None = None,
        progress: bool = True,
    ) -> tuple[int, list[int]]: ...
    def decode_bytes(self, ids: list[int]) -> bytes: ...
    def token_bytes(self, id: int) -> bytes: ...
    def token_id(self, token: bytes) -> int | None: ...
    @property
    def vocab_size(self) -> int: ...
    @property
    def num_mergeable(self) -> int: ...
    def merges(self) -> list[tuple[int, int]]: ...
    def special_tokens(self) -> list[tuple[str, int]]: ...
    @property
    def pattern(self) -> str | None: ...
    @property
    def curriculum(self) -> tuple[str | None, int] | None: ...
    def to_native_json(self) -> str: ...
    def to_hf_json(self) -> str: ...
    @staticmethod
    def from_native_json(text: str, source: str = "<string>") -> Tokenizer: ...

class Counts:
    @staticmethod
    def from_items(
        items: list[tuple[bytes, int]],
        pattern: str | None,
        normalization: str | None = None,
        total_bytes: int = 0,
        line_boundaries: bool = False,
    ) -> Counts: ...
    @staticmethod
    def from_bytes(data: bytes, source: str = "<bytes>") -> Counts: ...
    def to_bytes(self) -> bytes: ...
    def __len__(self) -> int: ...
    def get(self, word: bytes) -> int: ...
    @staticmethod
    def sum(parts: list[Counts]) -> Counts: ...
    def partition(self, parts: int) -> list[Counts]: ...
    @staticmethod
    def sum_bytes(
        blobs: list[bytes], min_count: int = 1, dropped: tuple[int, int] = (0, 0)
    ) -> Counts: ...
    @property
    def line_boundaries(self) -> bool: ...
    def most_common(self, n: int | None = None) -> list[tuple[bytes, int]]: ...
    @property
    def pattern(self) -> str | None: ...
    @property
    def normalization(self) -> str | None: ...
    @property
    def total_bytes(self) -> int: ...
    @property
    def pruned(self) -> dict[str, int]: ...

def count(
    corpus: list[str | tuple[str, int, int]] | Iterable[str],
    is_files: bool,
    pattern: str | None,
    normalization: str | None,
    num_threads: int | None,
    progress: bool,
    max_distinct: int | None = None,
    line_boundaries: bool = False,
) -> Counts: ...
def count_parts(
    corpus: list[tuple[str, int, int]] | Iterable[str],
    is_files: bool,
    pattern: str | None,
    normalization: str | None,
    num_threads: int | None,
    line_boundaries: bool,
    parts: int,
) -> list[bytes]: ...
def sum_count_bytes(blobs: list[bytes], min_count: int = 1) -> tuple[bytes, int, int]: ...
def train(
    corpus: list[str] | Iterable[str] | Counts,
    is_files: bool,
    vocab_size: int,
    pattern: str | None,
    special_tokens: list[str],
    min_frequency: int,
    max_token_length: int | None,
    num_threads: int | None,
    progress: bool,
    length_unit: str = "byte",
    normalization: str | None = None,
    specials_first: bool = False,
    pad_to: int | None = None,
    forced_tokens: list[str] = ...,
    max_distinct: int | None = None,
) -> tuple[Tokenizer, dict[str, Any]]: ...
def train_superbpe(
    corpus: list[str] | Iterable[str],
    is_files: bool,
    vocab_size: int,
    transition: int,
    stage1_pattern: str | None,
    stage2_pattern: str | None,
    special_tokens: list[str],
    min_frequency: int,
    max_token_length: int | None,
    max_words_per_token: int | None,
    forbidden_substrings: list[str],
    num_threads: int | None,
    progress: bool,
    base: Tokenizer | None = None,
) -> tuple[Tokenizer, dict[str, int | float | str]]: ...
def train_bytes(
    corpus: list[str] | Iterable[bytes],
    is_files: bool,
    vocab_size: int,
    window: int,
    split_on_nul: bool,
    max_token_length: int | None,
    allowed_lengths: list[int] | None,
    min_frequency: int,
    special_tokens: list[str],
    num_threads: int | None,
    progress: bool,
) -> tuple[Tokenizer, dict[str, int | float | str]]: ...
def train_from_word_counts(
    word_counts: list[tuple[bytes, int]],
    vocab_size: int,
    pattern: str | None,
    special_tokens: list[str],
    min_frequency: int,
    max_token_length: int | None,
    length_unit: str = "byte",
) -> Tokenizer: ...
def pretokenize(text: str, pattern: str | None) -> list[str]: ...
def pattern_regex(name: str) -> tuple[str, str] | None: ...
def dynamic_merge(
    tokenizer: Tokenizer,
    sequences: list[list[int]],
    boundary: str,
    word_ids: list[list[int]] | None,
    max_merges: int | None,
    min_frequency: int,
) -> tuple[
    list[list[int]],
    list[bytes],
    list[list[int]],
    list[int],
    list[list[int]] | None,
    list[tuple[bytes, bytes, int]],
    list[int],
]: ...
