"""bytepair: byte-pair-encoding tokenizers with a Rust core.

>>> import bytepair as bp
>>> tok = bp.train(iter(["low lower lowest"] * 10), vocab_size=260, progress=False)
>>> tok.decode(tok.encode("lowest"))
'lowest'
"""

from . import _core, distributed, dynamic, load, model, presets, registry
from ._bytes import train_bytes
from ._core import BytepairError, DisallowedSpecialError, FormatError, InvalidUtf8Error
from ._counts import Counts, count
from ._encoding import Encoding
from ._stats import TokenStats
from ._superbpe import SuperBPEReport, train_superbpe
from ._tokenizer import Tokenizer
from ._train import EarlyStopWarning, ForcedTokenWarning, TrainReport, train
from .model import encoding_for_model, encoding_name_for_model
from .registry import get_encoding, list_encoding_names

__version__ = "0.1.0"

__all__ = [
    "BytepairError",
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
    "train",
    "train_superbpe",
    "train_bytes",
    "SuperBPEReport",
]


def pretokenize(text: str, pattern: str | None = "gpt4") -> list[str]:
    """Cut ``text`` into pre-tokens with a pattern name, a regex, or None."""
    return _core.pretokenize(text, pattern)


def __getattr__(name: str):
    if name == "last_train_report":
        from . import _train

        return _train.last_train_report
    raise AttributeError(f"module 'bytepair' has no attribute {name!r}")
