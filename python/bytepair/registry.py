"""Named encodings: OpenAI's, bundled in the package, and tiktoken plugins.

``get_encoding(name)`` returns one cached ``Encoding`` per name, as tiktoken does.
The rank files of r50k/p50k/cl100k/o200k are compiled into the extension, so
nothing is downloaded. Encodings from installed ``tiktoken_ext`` plugins other
than OpenAI's (which would download) are found too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from . import _core
from ._encoding import Encoding

# The patterns as tiktoken writes them (possessive quantifiers included).
R50K_PATTERN = (  # noqa: E501
    r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
)
CL100K_PATTERN = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""  # noqa: E501
O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)

ENDOFTEXT = "<|endoftext|>"
FIM_PREFIX = "<|fim_prefix|>"
FIM_MIDDLE = "<|fim_middle|>"
FIM_SUFFIX = "<|fim_suffix|>"
ENDOFPROMPT = "<|endofprompt|>"


def _harmony_specials() -> dict[str, int]:
    specials = {
        "<|startoftext|>": 199998,
        ENDOFTEXT: 199999,
        "<|return|>": 200002,
        "<|constrain|>": 200003,
        "<|channel|>": 200005,
        "<|start|>": 200006,
        "<|end|>": 200007,
        "<|message|>": 200008,
        "<|call|>": 200012,
        ENDOFPROMPT: 200018,
    }
    for i in [200000, 200001, 200004, 200009, 200010, 200011, *range(200013, 201088)]:
        if i not in specials.values():
            specials[f"<|reserved_{i}|>"] = i
    return specials


# name -> (rank file, pattern, special tokens, explicit n_vocab)
_OPENAI: dict[str, tuple[str, str, dict[str, int], int | None]] = {
    "gpt2": ("r50k_base", R50K_PATTERN, {ENDOFTEXT: 50256}, 50257),
    "r50k_base": ("r50k_base", R50K_PATTERN, {ENDOFTEXT: 50256}, 50257),
    "p50k_base": ("p50k_base", R50K_PATTERN, {ENDOFTEXT: 50256}, 50281),
    "p50k_edit": (
        "p50k_base",
        R50K_PATTERN,
        {ENDOFTEXT: 50256, FIM_PREFIX: 50281, FIM_MIDDLE: 50282, FIM_SUFFIX: 50283},
        None,
    ),
    "cl100k_base": (
        "cl100k_base",
        CL100K_PATTERN,
        {
            ENDOFTEXT: 100257,
            FIM_PREFIX: 100258,
            FIM_MIDDLE: 100259,
            FIM_SUFFIX: 100260,
            ENDOFPROMPT: 100276,
        },
        None,
    ),
    "o200k_base": ("o200k_base", O200K_PATTERN, {ENDOFTEXT: 199999, ENDOFPROMPT: 200018}, None),
    "o200k_harmony": ("o200k_base", O200K_PATTERN, _harmony_specials(), None),
}

ENCODINGS: dict[str, Encoding] = {}
_lock = threading.RLock()
_plugins: dict[str, Callable[[], dict]] | None = None


def _plugin_constructors() -> dict[str, Callable[[], dict]]:
    """ENCODING_CONSTRUCTORS of installed tiktoken_ext plugins (not OpenAI's)."""
    global _plugins
    if _plugins is None:
        found: dict[str, Callable[[], dict]] = {}
        try:
            import importlib
            import pkgutil

            import tiktoken_ext  # type: ignore[import-not-found]
        except ImportError:
            tiktoken_ext = None
        if tiktoken_ext is not None:
            for mod in pkgutil.iter_modules(tiktoken_ext.__path__, "tiktoken_ext."):
                if mod.name == "tiktoken_ext.openai_public":
                    continue
                m = importlib.import_module(mod.name)
                ctors = getattr(m, "ENCODING_CONSTRUCTORS", None)
                if ctors is None:
                    raise ValueError(
                        f"tiktoken plugin {mod.name} does not define ENCODING_CONSTRUCTORS"
                    )
                for name, ctor in ctors.items():
                    if name in found or name in _OPENAI:
                        raise ValueError(
                            f"Duplicate encoding name {name} in tiktoken plugin {mod.name}"
                        )
                    found[name] = ctor
        _plugins = found
    return _plugins


def list_encoding_names() -> list[str]:
    """Plugin encodings first, then OpenAI's (tiktoken's order)."""
    return [*_plugin_constructors(), *_OPENAI]


def get_encoding(encoding_name: str) -> Encoding:
    """The named encoding, built once and cached. Works offline."""
    if not isinstance(encoding_name, str):
        raise ValueError(f"Expected a string in get_encoding, got {type(encoding_name)}")
    enc = ENCODINGS.get(encoding_name)
    if enc is not None:
        return enc
    with _lock:
        if encoding_name in ENCODINGS:
            return ENCODINGS[encoding_name]
        if encoding_name in _OPENAI:
            enc = _load_openai(encoding_name)
        else:
            ctor = _plugin_constructors().get(encoding_name)
            if ctor is None:
                raise ValueError(
                    f"Unknown encoding {encoding_name}.\n"
                    f"Known encodings: {list_encoding_names()}\n"
                    "Plugins are read from the tiktoken_ext namespace package."
                )
            enc = Encoding(**ctor())
        ENCODINGS[encoding_name] = enc
        return enc


def _load_openai(name: str) -> Encoding:
    rank_file, pattern, specials, explicit = _OPENAI[name]
    core = _core.Tokenizer.from_bundled(rank_file, pattern, list(specials.items()))
    if core is None:
        core = _from_tiktoken_cache(rank_file, pattern, specials)
    return Encoding._from_core(name, pattern, core, dict(specials), explicit)


def _from_tiktoken_cache(rank_file: str, pattern: str, specials: dict[str, int]) -> _core.Tokenizer:
    """Fallback for builds without bundled files: tiktoken's cache directory."""
    from .load import tiktoken_cache_path

    url = f"https://openaipublic.blob.core.windows.net/encodings/{rank_file}.tiktoken"
    path = tiktoken_cache_path(url)
    if not path.is_file():
        raise ValueError(
            f"{rank_file} is not bundled in this build of bytepair and is not in tiktoken's "
            f"cache ({path}). Rebuild with BYTEPAIR_TIKTOKEN_DIR pointing at the .tiktoken files."
        )
    return _core.Tokenizer.from_tiktoken_bytes(
        path.read_bytes(), pattern, list(specials.items()), str(path)
    )
