"""A tokenizer for the HF stack: ``tokenizer.json`` directories that
``AutoTokenizer`` loads, a ready ``PreTrainedTokenizerFast``, and a
``datasets.Dataset.map`` function. Each works on a core tokenizer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import _core
from ._files import atomic_write
from ._optional import require
from ._text import on_texts

_ROLE_NAMES = {
    "bos_token": ("<s>", "<|begin_of_text|>", "<|start|>", "<|startoftext|>", "<bos>"),
    "eos_token": ("</s>", "<|endoftext|>", "<|end_of_text|>", "<|end|>", "<eos>"),
    "pad_token": ("<pad>", "<|pad|>", "<|padding|>"),
    "unk_token": ("<unk>", "<|unk|>"),
}


def special_roles(specials: list[str]) -> dict[str, str]:
    """``bos_token``, ``eos_token``, ... for the special tokens named like
    those roles usually are; with no pad token the EOS token pads."""
    roles = {}
    for role, names in _ROLE_NAMES.items():
        for n in names:
            if n in specials:
                roles[role] = n
                break
    if "pad_token" not in roles and "eos_token" in roles:
        roles["pad_token"] = roles["eos_token"]
    return roles


def write_directory(core: _core.Tokenizer, directory: Path) -> Path:
    """``tokenizer.json`` and ``tokenizer_config.json`` in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    atomic_write(directory / "tokenizer.json", core.to_hf_json())
    specials = [s for s, _ in core.special_tokens()]
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
    atomic_write(directory / "tokenizer_config.json", json.dumps(config, indent=2))
    return directory / "tokenizer.json"


def transformers_tokenizer(core: _core.Tokenizer, padding_side: str, **kwargs: Any):
    """A ``transformers.PreTrainedTokenizerFast`` with the same ids."""
    tokenizers = require("tokenizers", "hf", "to_transformers")
    transformers = require("transformers", "hf", "to_transformers")
    roles = special_roles([s for s, _ in core.special_tokens()])
    roles.update(kwargs)
    backend = tokenizers.Tokenizer.from_str(core.to_hf_json())
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=backend, padding_side=padding_side, **roles
    )


def map_function(
    tok,
    text_column: str,
    output_column: str,
    add_special_tokens: bool,
    num_threads: int | None,
):
    """The function ``Tokenizer.hf_map_fn`` returns (see there)."""
    try:
        import numpy as np
        import pyarrow as pa
    except ImportError:  # datasets always brings both; be safe anyway
        pa = None
    core = tok._core
    templated = add_special_tokens and any(core.template)

    def encode(batch):
        texts = list(batch[text_column])
        if pa is None or templated:
            ids = tok.encode_batch(
                texts, num_threads=num_threads, add_special_tokens=add_special_tokens
            )
            return {output_column: ids}
        # One flat array and offsets, handed to Arrow as they are: building
        # Python lists for datasets to convert back cost two thirds of the time.
        flat, offsets = on_texts(
            core.encode_flat, texts, allowed="all", disallowed=[], num_threads=num_threads
        )
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
