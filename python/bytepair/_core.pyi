"""Type stubs for the Rust extension ``bytepair._core`` (kept by hand; every
call is keyword-only, and ``tests/test_seam.py`` checks these names and
parameters against the built module)."""

from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

SpecialArg = Literal["all"] | list[str]
FileArg = str | tuple[str, int, int]

class BytepairError(ValueError): ...
class FormatError(BytepairError): ...
class InvalidUtf8Error(BytepairError): ...
class DisallowedSpecialError(BytepairError): ...
class CheckpointMismatchError(BytepairError): ...

class Tokenizer:
    def encode(
        self, *, text: str, allowed_special: SpecialArg, add_special_tokens: bool
    ) -> list[int]: ...
    def encode_ordinary(self, *, text: str) -> list[int]: ...
    def encode_bytes(self, *, data: bytes) -> list[int]: ...
    def encode_batch(
        self,
        *,
        texts: list[str],
        allowed_special: SpecialArg,
        add_special_tokens: bool,
        num_threads: int | None,
    ) -> list[list[int]]: ...
    def tally_batch(
        self, *, texts: list[str], num_threads: int | None
    ) -> list[tuple[int, int]]: ...
    def encode_checked(
        self, *, text: str, allowed: SpecialArg, disallowed: SpecialArg
    ) -> list[int]: ...
    def encode_checked_batch(
        self,
        *,
        texts: list[str],
        allowed: SpecialArg,
        disallowed: SpecialArg,
        num_threads: int | None,
    ) -> list[list[int]]: ...
    def encode_checked_numpy(
        self, *, text: str, allowed: SpecialArg, disallowed: SpecialArg
    ) -> npt.NDArray[np.uint32]: ...
    def encode_flat(
        self,
        *,
        texts: list[str],
        allowed: SpecialArg,
        disallowed: SpecialArg,
        num_threads: int | None,
    ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]: ...
    def prune(
        self, *, keep: list[int], corpus: Counts | None, min_count: int, target_size: int | None
    ) -> tuple[Tokenizer, list[int]]: ...
    def encode_piece(self, *, piece: bytes) -> list[int]: ...
    def encode_files(
        self, *, paths: list[str], out: str, dtype: str, eot: int | None, progress: bool
    ) -> tuple[int, list[int]]: ...
    def check_dtype(self, *, dtype: str) -> None: ...
    def decode_bytes(self, *, ids: list[int]) -> bytes: ...
    def decode_bytes_skipping_specials(self, *, ids: list[int]) -> bytes: ...
    def decode_bytes_batch(
        self, *, batch: list[list[int]], num_threads: int | None
    ) -> list[bytes]: ...
    def decode_tokens_bytes(self, *, ids: list[int]) -> list[bytes]: ...
    def token_bytes(self, *, id: int) -> bytes: ...
    def token_id(self, *, token: bytes) -> int | None: ...
    def is_special(self, *, id: int) -> bool: ...
    def sorted_token_bytes(self) -> list[bytes]: ...
    def mergeable_ranks(self) -> dict[bytes, int]: ...
    def merges(self) -> list[tuple[int, int]]: ...
    def special_tokens(self) -> list[tuple[str, int]]: ...
    def added_tokens(self) -> list[tuple[str, int, bool, bool, bool, bool, bool]]: ...
    def add_tokens(
        self, *, tokens: list[tuple[str, bool, bool, bool, bool, bool]]
    ) -> tuple[Tokenizer, int]: ...
    def is_special_token(self, *, id: int) -> bool: ...
    @property
    def vocab_size(self) -> int: ...
    @property
    def num_mergeable(self) -> int: ...
    @property
    def max_mergeable_id(self) -> int: ...
    @property
    def pattern(self) -> str | None: ...
    @property
    def pattern_regex(self) -> str | None: ...
    @property
    def normalization_options(self) -> tuple[str | None, bool]: ...
    @property
    def curriculum(self) -> tuple[str | None, int] | None: ...
    @property
    def template(self) -> tuple[list[int], list[int]]: ...
    def to_tiktoken_text(self) -> str: ...
    def to_native_json(self) -> str: ...
    def to_hf_json(self) -> str: ...

class Counts:
    @staticmethod
    def from_items(
        *,
        items: list[tuple[bytes, int]],
        pattern: str | None,
        normalization: str | None,
        total_bytes: int,
        line_boundaries: bool,
    ) -> Counts: ...
    @staticmethod
    def from_bytes(*, data: bytes, source: str) -> Counts: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def sum_bytes(*, blobs: list[bytes], min_count: int, dropped: tuple[int, int]) -> Counts: ...
    @staticmethod
    def sum(*, parts: list[Counts]) -> Counts: ...
    def partition(self, *, parts: int) -> list[Counts]: ...
    def __len__(self) -> int: ...
    def get(self, *, word: bytes) -> int: ...
    def most_common(self, *, n: int | None) -> list[tuple[bytes, int]]: ...
    @property
    def pattern(self) -> str | None: ...
    @property
    def normalization(self) -> str | None: ...
    @property
    def normalization_options(self) -> tuple[str | None, bool]: ...
    @property
    def total_bytes(self) -> int: ...
    @property
    def line_boundaries(self) -> bool: ...
    @property
    def pruned(self) -> dict[str, int]: ...

def load_native_json(*, text: str, source: str) -> Tokenizer: ...
def load_hf_json(*, text: str, source: str) -> Tokenizer: ...
def load_tiktoken(
    *, data: bytes, pattern: str | None, special_tokens: list[tuple[str, int]], source: str
) -> Tokenizer: ...
def load_bundled(
    *, rank_file: str, pattern: str, special_tokens: list[tuple[str, int]]
) -> Tokenizer | None: ...

class Checkpoint:
    @property
    def kind(self) -> str: ...
    @property
    def settings(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def every(self) -> int: ...
    @property
    def stages(self) -> list[tuple[int, bool]]: ...
    @property
    def inputs(self) -> list[Counts]: ...

def read_checkpoint(*, path: str) -> Checkpoint: ...
def rank_files() -> list[tuple[str, str, bool]]: ...
def tokenizer_from_ranks(
    *,
    ranks: dict[bytes, int] | list[tuple[bytes, int]],
    pattern: str | None,
    special_tokens: list[tuple[str, int]],
) -> Tokenizer: ...
def read_tiktoken_ranks(*, data: bytes, source: str) -> dict[bytes, int]: ...
def train(
    *,
    vocab_size: int,
    special_tokens: list[str],
    min_frequency: int,
    max_token_length: int | None,
    unit: str,
    specials_first: bool,
    pad_to: int | None,
    forced_tokens: list[str],
    pattern: str | None,
    normalization: str | None,
    lowercase: bool,
    max_distinct: int | None,
    num_threads: int | None,
    progress: bool,
    files: list[FileArg] | None = None,
    texts: Iterable[str] | None = None,
    counts: list[Counts] | None = None,
    checkpoint: str | None = None,
    checkpoint_header: str | None = None,
    resume: Checkpoint | None = None,
) -> tuple[Tokenizer, dict[str, Any]]: ...
def train_extend(
    *,
    base: Tokenizer,
    vocab_size: int,
    special_tokens: list[str],
    min_frequency: int,
    max_token_length: int | None,
    max_distinct: int | None,
    num_threads: int | None,
    progress: bool,
    files: list[FileArg] | None = None,
    texts: Iterable[str] | None = None,
    counts: list[Counts] | None = None,
) -> tuple[Tokenizer, dict[str, Any]]: ...
def train_superbpe(
    *,
    vocab_size: int,
    transition: int | float,
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
    files: list[FileArg] | None = None,
    texts: Iterable[str] | None = None,
    counts: list[Counts] | None = None,
    checkpoint: str | None = None,
    checkpoint_header: str | None = None,
    resume: Checkpoint | None = None,
) -> tuple[Tokenizer, dict[str, Any]]: ...
def train_bytes(
    *,
    vocab_size: int,
    window: int,
    split_on_nul: bool,
    max_token_length: int | None,
    allowed_lengths: list[int] | None,
    min_frequency: int,
    special_tokens: list[str],
    num_threads: int | None,
    progress: bool,
    files: list[str] | None = None,
    documents: Iterable[bytes] | None = None,
    checkpoint: str | None = None,
    checkpoint_header: str | None = None,
    resume: Checkpoint | None = None,
) -> tuple[Tokenizer, dict[str, Any]]: ...
def train_parity(
    *,
    vocab_size: int,
    special_tokens: list[str],
    min_frequency: int,
    max_token_length: int | None,
    unit: str,
    specials_first: bool,
    pad_to: int | None,
    pattern: str | None,
    normalization: str | None,
    lowercase: bool,
    balance: str,
    window: int,
    alpha: float,
    global_merges: int,
    ratios: list[float] | None,
    train: list[Counts],
    dev: list[Counts],
    progress: bool,
) -> tuple[Tokenizer, dict[str, Any]]: ...
def count(
    *,
    pattern: str | None,
    normalization: str | None,
    lowercase: bool,
    line_boundaries: bool,
    max_distinct: int | None,
    num_threads: int | None,
    progress: bool,
    files: list[FileArg] | None = None,
    texts: Iterable[str] | None = None,
) -> Counts: ...
def count_parts(
    *,
    pattern: str | None,
    normalization: str | None,
    lowercase: bool,
    line_boundaries: bool,
    parts: int,
    num_threads: int | None,
    files: list[FileArg] | None = None,
    texts: Iterable[str] | None = None,
) -> list[bytes]: ...
def sum_count_bytes(*, blobs: list[bytes], min_count: int) -> tuple[bytes, int, int]: ...
def dynamic_merge(
    *,
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

class MixtureReplay:
    @property
    def num_steps(self) -> int: ...
    @property
    def num_pairs(self) -> int: ...
    @property
    def num_categories(self) -> int: ...
    def pairs(self) -> list[tuple[int, int]]: ...
    def merge_pairs(self) -> list[int]: ...
    def missing_everywhere(self) -> list[int]: ...
    def totals(self) -> list[tuple[int, int]]: ...
    def category(self, *, index: int) -> dict[str, Any]: ...
    def separate(
        self,
        *,
        weights: list[float],
        step_slack: list[float],
        pair_slack: list[tuple[int, float]],
        per_step: int,
        max_rows: int | None,
        tol: float,
        skip: list[int],
    ) -> tuple[list[int], list[int], list[float]]: ...

def mixture_replay(
    *,
    tokenizer: Tokenizer,
    counts: list[Counts],
    num_merges: int | None,
    num_threads: int | None,
) -> MixtureReplay: ...
def pretokenize(*, text: str, pattern: str | None) -> list[str]: ...
def pattern_regex(*, name: str) -> tuple[str, str] | None: ...
def normalization_name(*, normalization: str | None, lowercase: bool) -> str | None: ...
