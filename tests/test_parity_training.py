"""Parity-aware training and language-balanced sampling:
``bytepair.train({language: corpus}, parity=..., weights=...)``."""

from __future__ import annotations

import json
import re

import bytepair as bp
import pytest
from bytepair.fairness import gini
from conftest import shared_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import parity_bpe
from reference.bpe_train import BYTE_ORDER

# Alphabets that overlap a little, so languages share some pairs.
ALPHABETS = ["aab b c\n", "xxy y a\n", "éé東 a\u3000", "ab🤖 1"]


def language_texts(alphabet: str):
    return st.lists(st.text(alphabet=alphabet, min_size=1, max_size=20), min_size=1, max_size=8)


def counts_of(texts: list[str]) -> bp.Counts:
    return bp.count(iter(texts), progress=False)


def as_dict(c: bp.Counts) -> dict[bytes, int]:
    return dict(c.most_common())


def merge_bytes(tokens: list[bytes], merges: list[tuple[int, int]]) -> list[tuple[bytes, bytes]]:
    return [(tokens[a], tokens[b]) for a, b in merges]


@st.composite
def multilingual(draw):
    n = draw(st.integers(1, 4))
    train = [draw(language_texts(ALPHABETS[i])) for i in range(n)]
    dev = [draw(language_texts(ALPHABETS[i])) for i in range(n)]
    return train, dev


def _usable(texts: list[str]) -> bool:
    return len(counts_of(texts)) > 0


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(
    corpus=multilingual(),
    extra=st.integers(1, 60),
    target=st.sampled_from(["dev", "ratio"]),
    balance=st.sampled_from(["max-min", "window"]),
    window=st.integers(1, 6),
    alpha=st.sampled_from([1.0, 1.5, 2.0]),
    global_merges=st.integers(0, 4),
    min_frequency=st.integers(0, 3),
    max_token_length=st.sampled_from([None, 2, 3, 5]),
    ratio_seed=st.lists(st.sampled_from([0.5, 1.0, 1.5, 2.0]), min_size=4, max_size=4),
)
def test_merges_equal_the_python_reference(
    corpus,
    extra,
    target,
    balance,
    window,
    alpha,
    global_merges,
    min_frequency,
    max_token_length,
    ratio_seed,
):
    train_texts, dev_texts = corpus
    if not all(map(_usable, train_texts)) or not all(map(_usable, dev_texts)):
        return
    langs = [f"l{i}" for i in range(len(train_texts))]
    train = {lang: counts_of(t) for lang, t in zip(langs, train_texts, strict=True)}
    dev = {lang: counts_of(t) for lang, t in zip(langs, dev_texts, strict=True)}
    ratios = {lang: ratio_seed[i] for i, lang in enumerate(langs)}
    tok = bp.train(
        train,
        256 + extra,
        special_tokens=(),
        parity=balance,
        parity_dev=dev if target == "dev" else None,
        parity_ratio=ratios if target == "ratio" else None,
        parity_window=window,
        parity_alpha=alpha,
        global_merges=global_merges,
        min_frequency=min_frequency,
        max_token_length=max_token_length,
        progress=False,
    )
    tokens, merges, chosen = parity_bpe.train(
        [as_dict(train[lang]) for lang in langs],
        256 + extra,
        dev_counts=[as_dict(dev[lang]) for lang in langs] if target == "dev" else None,
        ratios=[ratios[lang] for lang in langs] if target == "ratio" else None,
        window=(window, alpha) if balance == "window" else None,
        global_merges=global_merges,
        min_frequency=min_frequency,
        max_token_length=max_token_length,
    )
    assert tok.merges == merge_bytes(tokens, merges)
    report = bp.last_train_report
    assert report.chosen == tuple(None if c is None else langs[c] for c in chosen)
    if target == "dev":
        # The incremental dev totals equal encoding the dev text at the end.
        for lang, texts in zip(langs, dev_texts, strict=True):
            assert report.cost_after[lang] == sum(len(tok.encode_ordinary(t)) for t in texts)


def test_the_reference_byte_order_is_ours():
    tok = bp.train(iter(["ab"]), 256, special_tokens=(), progress=False)
    assert [tok.token_bytes(i) for i in range(256)] == [bytes([b]) for b in BYTE_ORDER]


# ---- on real text -------------------------------------------------------------------


def _bible(langs: list[str], tmp_path, verses: int = 600):
    """Train on each language's verses after the first ``verses`` common ones,
    which are the dev text: written as files, like a user's."""
    root = shared_path("corpora", "multilingual", "bible_nt")
    texts = bp.fairness.read_parallel({lang: next(root.glob(f"{lang}-*.txt")) for lang in langs})
    train, dev = {}, {}
    for lang, t in texts.items():
        lines = t.sentences()
        dev[lang] = tmp_path / f"{lang}.dev"
        dev[lang].write_text("".join(s + "\n" for s in lines[:verses]), encoding="utf-8")
        train[lang] = tmp_path / f"{lang}.train"
        train[lang].write_text("".join(s + "\n" for s in lines[verses:]), encoding="utf-8")
    return train, dev


def test_one_language_equals_plain_training(tmp_path):
    train, dev = _bible(["Swahili"], tmp_path)
    plain = bp.train(train["Swahili"], 2000, progress=False)
    parity = bp.train(train, 2000, parity="max-min", parity_dev=dev, progress=False)
    assert parity.merges == plain.merges


def test_all_global_merges_equal_plain_training_on_the_mixture(tmp_path):
    train, dev = _bible(["Swahili", "Basque", "Ukranian"], tmp_path)
    plain = bp.train([str(p) for p in train.values()], 1500, progress=False)
    hybrid = bp.train(
        train, 1500, parity="max-min", parity_dev=dev, global_merges=10**6, progress=False
    )
    assert hybrid.merges == plain.merges
    assert set(bp.last_train_report.chosen) == {None}


def test_parity_evens_out_dev_costs_and_exports(tmp_path):
    langs = ["Swahili", "Gujarati", "Ukranian", "Cherokee", "Basque"]
    train, dev = _bible(langs, tmp_path)
    plain = bp.train(train, 3000, weights="equal-bytes", pattern="o200k", progress=False)
    fair = bp.train(
        train,
        3000,
        weights="equal-bytes",
        pattern="o200k",
        parity="max-min",
        parity_dev=dev,
        progress=False,
    )
    report = bp.last_train_report
    assert report.measure == "dev_tokens"
    assert sum(report.merges_per_language.values()) == report.merges == len(fair.merges)

    def dev_tokens(tok):
        return [len(tok.encode_ordinary(dev[lang].read_text(encoding="utf-8"))) for lang in langs]

    assert dev_tokens(fair) == [report.cost_after[lang] for lang in langs]
    assert gini(dev_tokens(fair)) < gini(dev_tokens(plain)) / 3
    # An ordinary tokenizer: HF loads its export and gives the same ids.
    from tokenizers import Tokenizer as HFTokenizer

    hf = HFTokenizer.from_str(fair.to_huggingface_json())
    text = dev["Gujarati"].read_text(encoding="utf-8")[:3000]
    assert hf.encode(text, add_special_tokens=False).ids == fair.encode_ordinary(text)
    fair.save(tmp_path / "fair.json")
    assert bp.Tokenizer.load(tmp_path / "fair.json").encode_ordinary(text) == fair.encode_ordinary(
        text
    )


# ---- balanced sampling -----------------------------------------------------------------


def _lines(n: int, word: str) -> list[str]:
    return [f"{word} {i}\n" for i in range(n)]


def test_weights_sample_a_prefix_of_each_language(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("".join(_lines(400, "alpha")), encoding="utf-8")
    small = _lines(100, "beta")
    corpus = {"big": str(big), "small": iter(small)}

    def trained_on(lines_by_lang, **kw):
        mixed = [line for lines in lines_by_lang for line in lines]
        return bp.train(iter(mixed), 300, progress=False, **kw).merges

    size = len("".join(small).encode())
    big_lines = big.read_text(encoding="utf-8").splitlines(keepends=True)
    prefix, taken = [], 0
    for line in big_lines:
        if taken >= size:
            break
        prefix.append(line)
        taken += len(line.encode())
    got = bp.train(corpus, 300, weights="equal-bytes", progress=False).merges
    assert got == trained_on([prefix, small])

    corpus = {"big": str(big), "small": iter(small)}
    got = bp.train(corpus, 300, weights="equal-lines", progress=False).merges
    assert got == trained_on([big_lines[:100], small])

    # Temperature 1 keeps the natural mixture: all text.
    corpus = {"big": str(big), "small": iter(small)}
    got = bp.train(corpus, 300, weights=1.0, progress=False).merges
    assert got == trained_on([big_lines, small])


def test_weights_keep_an_iterables_items_as_they_are():
    a = [f"item {i} of a" for i in range(60)]
    b = [f"item {i} of b" for i in range(25)]
    got = bp.train({"a": iter(a), "b": iter(b)}, 300, weights="equal-lines", progress=False)
    assert got.merges == bp.train(iter(a[:25] + b), 300, progress=False).merges


def test_temperature_zero_is_equal_bytes_and_shares_scale(tmp_path):
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text("".join(_lines(300, "uno")), encoding="utf-8")
    b.write_text("".join(_lines(50, "dos")), encoding="utf-8")
    corpus = {"a": str(a), "b": str(b)}
    zero = bp.train(corpus, 290, weights=0.0, parity="max-min", parity_ratio={"a": 1, "b": 1})
    zero_bytes = bp.last_train_report.language_bytes
    equal = bp.train(
        corpus, 290, weights="equal-bytes", parity="max-min", parity_ratio={"a": 1, "b": 1}
    )
    assert zero.merges == equal.merges
    assert bp.last_train_report.language_bytes == zero_bytes
    bp.train(corpus, 290, weights={"a": 3, "b": 1}, parity="max-min", parity_ratio={"a": 1, "b": 1})
    got = bp.last_train_report.language_bytes
    line = len("uno 100\n")
    assert got["b"] == b.stat().st_size  # the scarce language gives all it has
    assert abs(got["a"] - 3 * got["b"]) <= line


# ---- bad input -------------------------------------------------------------------------


def test_bad_arguments_say_what_is_wrong(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("one two three\n" * 5, encoding="utf-8")
    b = tmp_path / "b.txt"
    b.write_text("un deux trois\n" * 5, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    corpus = {"en": str(a), "fr": str(b)}
    dev = {"en": str(a), "fr": str(b)}

    def train(**kw):
        args = {"progress": False}
        args.update(kw)
        corpus_ = args.pop("corpus", corpus)
        return bp.train(corpus_, 300, **args)

    with pytest.raises(ValueError, match=r"parity must be one of 'none', 'max-min', 'window'"):
        train(parity="fair")
    with pytest.raises(ValueError, match=r"exactly one of parity_dev"):
        train(parity="max-min")
    with pytest.raises(ValueError, match=r"exactly one of parity_dev"):
        train(parity="max-min", parity_dev=dev, parity_ratio={"en": 1, "fr": 1})
    with pytest.raises(ValueError, match=r"parity_dev has text for 'de', which is not in"):
        train(parity="max-min", parity_dev={**dev, "de": str(a)})
    with pytest.raises(ValueError, match=r"parity_dev has nothing for 'fr'"):
        train(parity="max-min", parity_dev={"en": str(a)})
    with pytest.raises(ValueError, match=r"language 'fr' has no text"):
        train(corpus={"en": str(a), "fr": str(empty)}, parity="max-min", parity_dev=dev)
    with pytest.raises(ValueError, match=r"the parity dev text of 'fr' is empty"):
        train(parity="max-min", parity_dev={"en": str(a), "fr": str(empty)})
    with pytest.raises(ValueError, match=r"parity_dev is used only with parity="):
        train(parity_dev=dev)
    with pytest.raises(ValueError, match=r"need the corpus given per language"):
        bp.train(str(a), 300, parity="max-min", parity_dev=dev, progress=False)
    with pytest.raises(ValueError, match=r"need the corpus given per language"):
        bp.train(str(a), 300, weights="equal-bytes", progress=False)
    with pytest.raises(ValueError, match=r"weights must be None, 'equal-bytes'"):
        train(weights="equal")
    with pytest.raises(ValueError, match=r"missing: fr"):
        train(weights={"en": 1})
    with pytest.raises(ValueError, match=r"weights\['fr'\] must be a positive number"):
        train(weights={"en": 1, "fr": 0})
    with pytest.raises(ValueError, match=r"temperature exponent must be within \[0, 1\]"):
        train(weights=2.0)
    with pytest.raises(ValueError, match=r"parity alpha must be a finite number >= 1"):
        train(parity="window", parity_dev=dev, parity_alpha=0.5)
    with pytest.raises(ValueError, match=r"parity_ratio\['en'\] must be a positive number"):
        train(parity="max-min", parity_ratio={"en": -1, "fr": 1})
    with pytest.raises(ValueError, match=r"forced_tokens are not supported"):
        train(parity="max-min", parity_dev=dev, forced_tokens=["one"])
    with pytest.raises(ValueError, match=r"global_merges must be an int >= 0"):
        train(parity="max-min", parity_dev=dev, global_merges=-1)
    with pytest.raises(ValueError, match=r"the corpus dict has no languages"):
        train(corpus={})
    with pytest.raises(FileNotFoundError):
        train(parity="max-min", parity_dev={"en": str(a), "fr": str(tmp_path / "missing")})
    gpt2 = bp.count(str(a), pattern="gpt2", progress=False)
    with pytest.raises(ValueError, match=r"made with pattern='gpt2', not pattern='gpt4'"):
        train(corpus={"en": gpt2, "fr": str(b)}, parity="max-min", parity_dev=dev)
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9\n".encode("latin-1"))
    with pytest.raises(ValueError, match=re.escape(f"{latin1}: line 1 is not UTF-8")):
        train(corpus={"en": str(a), "fr": str(latin1)}, weights="equal-bytes")


def test_early_stop_is_reported(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("ab\n", encoding="utf-8")
    with pytest.warns(bp.EarlyStopWarning, match="no pair left"):
        tok = bp.train({"x": str(a)}, 400, parity="max-min", parity_dev={"x": str(a)})
    assert bp.last_train_report.stop == "no_pairs"
    assert len(tok.merges) == 1  # "ab"; "\n" is a pre-token of its own


def test_report_fields_are_json_ready(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("one two three four\n" * 20, encoding="utf-8")
    b = tmp_path / "b.txt"
    b.write_text("uno dos tres cuatro\n" * 20, encoding="utf-8")
    bp.train({"en": str(a), "es": str(b)}, 270, parity="max-min", parity_ratio={"en": 1, "es": 1})
    r = bp.last_train_report
    assert r.measure == "train_tokens"
    json.dumps(
        {
            "chosen": r.chosen,
            "before": r.cost_before,
            "after": r.cost_after,
            "bytes": r.language_bytes,
        }
    )
    assert all(r.cost_after[k] < r.cost_before[k] for k in ("en", "es"))


def test_superbpe_with_a_parity_aware_stage_one(tmp_path):
    langs = ["Swahili", "Gujarati", "Basque"]
    train, dev = _bible(langs, tmp_path)
    samples = {
        lang: iter(train[lang].read_text(encoding="utf-8").splitlines(keepends=True))
        for lang in langs
    }
    kw = {"weights": "equal-bytes", "parity": "max-min", "parity_dev": dev, "progress": False}
    tok = bp.train_superbpe(samples, 3000, 0.75, **kw)
    report = bp.last_train_report
    stage1 = report.stage1
    assert isinstance(stage1, bp.ParityReport)
    assert tok.curriculum["transition"] == stage1.merges == round(0.75 * (3000 - 257))
    alone = bp.train(train, 257 + stage1.merges, pattern="superbpe-stage1", **kw)
    assert tok.merges[: stage1.merges] == alone.merges
    # Stage 2 learned superwords (merges across a space) on all languages.
    assert report.stage2_merges > 0
    assert any(b" " in (left + right)[1:] for left, right in tok.merges[stage1.merges :])
    with pytest.raises(ValueError, match="takes no base"):
        bp.train_superbpe(train, 3000, base=alone, progress=False)
