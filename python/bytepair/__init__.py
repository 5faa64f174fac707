"""bytepair: byte-pair-encoding tokenizers with a Rust core.

>>> import bytepair as bp
>>> tok = bp.train(iter(["low lower lowest"] * 10), vocab_size=260, progress=False)
>>> tok.decode(tok.encode("lowest"))
'lowest'

Nothing here needs a third-party package: numpy (``bytepair[numpy]``), Ray
(``bytepair[ray]``), matplotlib (``bytepair[plot]``) and the HF stack
(``bytepair[hf]``) are imported where they are used.
"""

from . import (
    _core,
    _report,
    distributed,
    dynamic,
    fairness,
    load,
    mixture,
    model,
    presets,
    registry,
)
from ._added import AddedToken
from ._bytes import train_bytes
from ._core import (
    BytepairError,
    CheckpointMismatchError,
    DisallowedSpecialError,
    FormatError,
    InvalidUtf8Error,
)
from ._corpus import sample_corpus
from ._counts import Counts, count
from ._loader import load_tokenizer
from ._options import DEFAULT_PATTERN, UNSET
from ._prune import prune_embeddings
from ._report import (
    EarlyStopWarning,
    ForcedTokenWarning,
    ParityReport,
    SuperBPEReport,
    TrainReport,
)
from ._stats import TokenStats
from ._superbpe import train_superbpe
from ._tokenizer import Encoding, Tokenizer
from ._train import train
from .model import encoding_for_model, encoding_name_for_model
from .registry import get_encoding, list_encoding_names

__version__ = "0.1.0"

__all__ = [
    "AddedToken",
    "BytepairError",
    "CheckpointMismatchError",
    "Counts",
    "count",
    "DisallowedSpecialError",
    "Encoding",
    "encoding_for_model",
    "encoding_name_for_model",
    "get_encoding",
    "list_encoding_names",
    "distributed",
    "dynamic",
    "fairness",
    "mixture",
    "load_tokenizer",
    "prune_embeddings",
    "load",
    "model",
    "presets",
    "registry",
    "EarlyStopWarning",
    "FormatError",
    "ForcedTokenWarning",
    "InvalidUtf8Error",
    "Tokenizer",
    "TokenStats",
    "TrainReport",
    "pretokenize",
    "sample_corpus",
    "train",
    "train_superbpe",
    "train_bytes",
    "SuperBPEReport",
    "ParityReport",
    "UNSET",
]


def pretokenize(text: str, pattern: str | None = DEFAULT_PATTERN) -> list[str]:
    """Cut ``text`` into pre-tokens with a pattern name, a regex, or None."""
    return _core.pretokenize(text=text, pattern=pattern)


def __getattr__(name: str):
    if name == "last_train_report":
        return _report.last_train_report
    raise AttributeError(f"module 'bytepair' has no attribute {name!r}")
