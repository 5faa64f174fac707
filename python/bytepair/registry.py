"""Named encodings: OpenAI's, and tiktoken plugins.

``get_encoding(name)`` returns one cached ``Encoding`` per name, as tiktoken
does. The rank files of r50k/p50k/cl100k/o200k are compiled into the
extension when the build had them (wheels do), so nothing is downloaded;
otherwise they are downloaded once from OpenAI's public URLs, checked
against the sha256 sums tiktoken publishes, and cached where tiktoken caches
them (see ``bytepair.load.read_file_cached``). Encodings from installed
``tiktoken_ext`` plugins other than OpenAI's are found too.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from . import _core
from ._tokenizer import Encoding
from .load import read_file_cached

ENDOFTEXT = "<|endoftext|>"
FIM_PREFIX = "<|fim_prefix|>"
FIM_MIDDLE = "<|fim_middle|>"
FIM_SUFFIX = "<|fim_suffix|>"
ENDOFPROMPT = "<|endofprompt|>"

#: Where OpenAI's rank files are downloaded from; ``BYTEPAIR_ENCODINGS_URL``
#: replaces it (a mirror, or a local server in tests).
DEFAULT_BASE_URL = "https://openaipublic.blob.core.windows.net/encodings/"


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
    taken = set(specials.values())
    for i in [200000, 200001, 200004, 200009, 200010, 200011, *range(200013, 201088)]:
        if i not in taken:
            specials[f"<|reserved_{i}|>"] = i
    return specials


# name -> (rank file, pattern name, special tokens, explicit n_vocab)
_OPENAI: dict[str, tuple[str, str, dict[str, int], int | None]] = {
    "gpt2": ("r50k_base", "gpt2", {ENDOFTEXT: 50256}, 50257),
    "r50k_base": ("r50k_base", "gpt2", {ENDOFTEXT: 50256}, 50257),
    "p50k_base": ("p50k_base", "gpt2", {ENDOFTEXT: 50256}, 50281),
    "p50k_edit": (
        "p50k_base",
        "gpt2",
        {ENDOFTEXT: 50256, FIM_PREFIX: 50281, FIM_MIDDLE: 50282, FIM_SUFFIX: 50283},
        None,
    ),
    "cl100k_base": (
        "cl100k_base",
        "gpt4",
        {
            ENDOFTEXT: 100257,
            FIM_PREFIX: 100258,
            FIM_MIDDLE: 100259,
            FIM_SUFFIX: 100260,
            ENDOFPROMPT: 100276,
        },
        None,
    ),
    "o200k_base": ("o200k_base", "o200k", {ENDOFTEXT: 199999, ENDOFPROMPT: 200018}, None),
    "o200k_harmony": ("o200k_base", "o200k", _harmony_specials(), None),
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
    """The named encoding, built once and cached."""
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


def rank_file_url(rank_file: str) -> str:
    """Where a rank file is downloaded from (``BYTEPAIR_ENCODINGS_URL`` or OpenAI's)."""
    base = os.environ.get("BYTEPAIR_ENCODINGS_URL") or DEFAULT_BASE_URL
    return base.rstrip("/") + f"/{rank_file}.tiktoken"


def rank_file_bytes(rank_file: str) -> bytes:
    """A rank file that this build did not bundle: from tiktoken's cache, or
    downloaded and checked against tiktoken's sha256."""
    hashes = {name: sha for name, sha, _ in _core.rank_files()}
    url = rank_file_url(rank_file)
    try:
        return read_file_cached(url, hashes[rank_file])
    except OSError as e:
        raise OSError(
            f"{rank_file} is not bundled in this build of bytepair and could not be "
            f"downloaded from {url} ({e}). Connect to the network once (it is cached "
            "where tiktoken caches), set BYTEPAIR_ENCODINGS_URL to a mirror, or "
            "rebuild with BYTEPAIR_TIKTOKEN_DIR pointing at the .tiktoken files."
        ) from e


def pattern_regex(name: str) -> str:
    """The regex text of a named pattern, as tiktoken writes it."""
    forms = _core.pattern_regex(name=name)
    if forms is None:
        raise ValueError(f"{name!r} is not a pattern name")
    return forms[0]


def _load_openai(name: str, *, bundled: bool = True) -> Encoding:
    rank_file, pattern, specials, explicit = _OPENAI[name]
    items = list(specials.items())
    core = None
    if bundled:
        core = _core.load_bundled(rank_file=rank_file, pattern=pattern, special_tokens=items)
    if core is None:
        core = _core.load_tiktoken(
            data=rank_file_bytes(rank_file),
            pattern=pattern,
            special_tokens=items,
            source=rank_file_url(rank_file),
        )
    return Encoding._from_core(
        name,
        pattern_regex(pattern),
        core,
        dict(specials),
        explicit,
        pickle_as=(get_encoding, (name,)),
    )
