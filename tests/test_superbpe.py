"""SuperBPE: the trainer against the Python reference, the stage-1 and filter
invariants, the stage-2 splitters and exports against HF tokenizers, and the
`base=` workflow."""

from __future__ import annotations

import json
import warnings

import bytepair as bp
import pytest
import tokenizers
from conftest import shared_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import superbpe as ref
from tokenizers import Regex
from tokenizers import pre_tokenizers as P

NOVELS = shared_path("corpora", "english", "eltec_eng_novels.txt")

# Spaces, digit runs, punctuation runs, ": ", newlines and a few non-ASCII
# characters: everything the stage-2 patterns and the filters treat specially.
ALPHABET = "aab  c\n\t'!.,:12345é東🤖\u3000-"
texts_strategy = st.lists(st.text(alphabet=ALPHABET, max_size=40), max_size=20)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bp.EarlyStopWarning)
        return fn(*args, **kwargs)


@pytest.fixture(scope="module")
def novels_sample() -> list[str]:
    with open(NOVELS, encoding="utf-8") as f:
        text = f.read(3_000_000)
    return text.splitlines(keepends=True)


@pytest.mark.parametrize("stage2", ["recommended", "digits-only"])
@given(
    texts=texts_strategy,
    transition=st.integers(0, 40),
    extra=st.integers(0, 80),
    max_words=st.sampled_from([None, 1, 2, 4]),
    forbid=st.booleans(),
    min_frequency=st.integers(0, 2),
)
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_merges_equal_the_reference(
    stage2, texts, transition, extra, max_words, forbid, min_frequency
):
    vocab_size = 257 + transition + extra
    forbidden = (": ",) if forbid else ()
    tok = _quiet(
        bp.train_superbpe,
        iter(texts),
        vocab_size,
        transition,
        stage2_pattern=stage2,
        max_words_per_token=max_words,
        forbidden_substrings=forbidden,
        min_frequency=min_frequency,
        progress=False,
    )
    tokens, merges = ref.train_superbpe(
        texts,
        vocab_size,
        transition,
        stage2=stage2,
        max_words_per_token=max_words,
        forbidden_substrings=forbidden,
        min_frequency=min_frequency,
    )
    assert tok.merges == [(tokens[a], tokens[b]) for a, b in merges]


@given(text=st.text(alphabet=ALPHABET + "x\r\u00a0٣Ⅷ²/", max_size=60))
def test_stage2_splitters_equal_hf(text):
    recommended = P.Split(Regex(ref.STAGE2), behavior="isolated")
    digits = P.Sequence(
        [
            P.Digits(individual_digits=False),
            P.Split(Regex(r"(?=(\d{3})+(?!\d))"), behavior="isolated"),
        ]
    )
    assert bp.pretokenize(text, "superbpe") == [p for p, _ in recommended.pre_tokenize_str(text)]
    assert bp.pretokenize(text, "superbpe-digits") == [p for p, _ in digits.pre_tokenize_str(text)]


def test_stage1_is_plain_bpe_and_filters_hold(novels_sample):
    t = 1500
    sb = bp.train_superbpe(iter(novels_sample), 4000, t, progress=False)
    report = bp.last_train_report
    plain = bp.train(iter(novels_sample), 256 + t + 1, pattern="superbpe-stage1", progress=False)
    assert sb.merges[:t] == plain.merges[:t]
    assert report.stage1_merges == t and report.stage2_merges == len(sb.merges) - t
    crossing = 0
    for left, right in sb.merges[t:]:
        token = left + right
        assert len([w for w in token.split(b" ") if w]) <= 4, token
        assert b": " not in token, token
        # newlines are hard boundaries: nothing follows a newline but newlines
        assert token.rstrip(b"\r\n").count(b"\n") == 0, token
        crossing += b" " in token.strip(b" ")
    # the point of stage 2: many new tokens join words (with this small
    # transition stage 2 still finishes many words too; a stage 2 that could
    # not cross spaces would give none)
    assert crossing > 0.25 * (len(sb.merges) - t)


def test_encoding_equals_hf_on_the_export(tmp_path, novels_sample):
    sb = bp.train_superbpe(iter(novels_sample[:4000]), 3000, 1200, progress=False)
    sb.to_huggingface(tmp_path)
    doc = json.loads((tmp_path / "tokenizer.json").read_text())
    assert doc["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] == ref.STAGE2
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    with open(NOVELS, encoding="utf-8") as f:
        f.seek(40_000_000)
        held_out = f.read(400_000)
    docs = [held_out[i : i + 4000] for i in range(0, len(held_out), 4000)]
    docs.append(held_out)  # one document of 400 KB, whole paragraphs as pieces
    for d in docs:
        assert sb.encode(d) == hf.encode(d, add_special_tokens=False).ids
        assert sb.decode(sb.encode(d)) == d
    # round trip through HF's loader too
    back = bp.Tokenizer.from_huggingface(tmp_path / "tokenizer.json")
    assert back.merges == sb.merges and back.pattern == "superbpe"


@given(text=st.text(alphabet=ALPHABET + "xyz ", max_size=200))
@settings(deadline=None, max_examples=60)
def test_random_text_equals_hf(text, superbpe_pair):
    ours, hf = superbpe_pair
    assert ours.encode(text) == hf.encode(text, add_special_tokens=False).ids


@pytest.fixture(scope="module")
def superbpe_pair(tmp_path_factory, novels_sample):
    sb = bp.train_superbpe(
        iter(novels_sample[:3000]), 2000, 900, stage2_pattern="digits-only", progress=False
    )
    d = tmp_path_factory.mktemp("sb")
    sb.to_huggingface(d)
    return sb, tokenizers.Tokenizer.from_file(str(d / "tokenizer.json"))


def test_digits_only_exports_the_paper_pipeline(superbpe_pair, tmp_path):
    sb, hf = superbpe_pair
    doc = json.loads(sb.to_huggingface_json())
    steps = [p["type"] for p in doc["pre_tokenizer"]["pretokenizers"]]
    assert steps == ["Digits", "Split", "ByteLevel"]
    text = "In 1234567 years, 89 people paid $1,000,000.\nThen 42."
    assert sb.encode(text) == hf.encode(text, add_special_tokens=False).ids
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc))
    assert bp.Tokenizer.from_huggingface(path).pattern == "superbpe-digits"


def test_native_file_records_the_curriculum(tmp_path, superbpe_pair):
    sb, _ = superbpe_pair
    path = tmp_path / "sb.json"
    sb.save(path)
    saved = json.loads(path.read_text())
    assert saved["superbpe"] == {"stage1_pattern": {"name": "superbpe-stage1"}, "transition": 900}
    assert saved["pattern"] == {"name": "superbpe-digits"}
    back = bp.Tokenizer.load(path)
    text = "a b c 12345, d: e"
    assert back.encode(text) == sb.encode(text) and back.merges == sb.merges


def test_tiktoken_rank_file_round_trip(tmp_path, superbpe_pair):
    sb, _ = superbpe_pair
    path = tmp_path / "sb.tiktoken"
    sb.to_tiktoken(path)
    ranks = bp.load.load_tiktoken_bpe(str(path))
    assert len(ranks) == sb.vocab_size - len(sb.special_tokens)
    assert all(sb.token_bytes(i) == t for t, i in ranks.items())


def test_base_extension_equals_the_curriculum(novels_sample):
    t = 800
    texts = novels_sample[:3000]
    whole = bp.train_superbpe(iter(texts), 2200, t, progress=False)
    base = bp.train(iter(texts), 256 + t + 1, pattern="superbpe-stage1", progress=False)
    ext = bp.train_superbpe(iter(texts), 2200, base=base, progress=False)
    assert ext.merges == whole.merges
    # the base's ids are kept, its special token included; new ids come after
    for i in range(base.vocab_size):
        assert ext.token_bytes(i) == base.token_bytes(i)
    assert ext.special_tokens == base.special_tokens


def test_extending_gpt2_keeps_its_ids(tmp_path, novels_sample):
    gpt2 = bp.Tokenizer.from_huggingface(shared_path("vocab", "gpt2", "tokenizer.json"))
    ext = bp.train_superbpe(
        iter(novels_sample[:2000]), gpt2.vocab_size + 300, base=gpt2, progress=False
    )
    assert ext.vocab_size == gpt2.vocab_size + 300
    text = "The Milky Way, of the best kind."
    for i in gpt2.encode(text):
        assert ext.token_bytes(i) == gpt2.token_bytes(i)
    assert ext.special_tokens == gpt2.special_tokens
    ext.to_huggingface(tmp_path)
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    sample = "".join(novels_sample[2000:2100])
    assert ext.encode(sample) == hf.encode(sample, add_special_tokens=False).ids
    assert len(ext.encode(sample)) < len(gpt2.encode(sample))


def test_bad_arguments_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="transition"):
        bp.train_superbpe(iter(["a b"]), 300, 100, progress=False)
    with pytest.raises(ValueError, match="within"):
        bp.train_superbpe(iter(["a b"]), 300, 1.5, progress=False)
    with pytest.raises(TypeError, match="transition"):
        bp.train_superbpe(iter(["a b"]), 300, progress=False)
    with pytest.raises(ValueError, match="max_words_per_token"):
        bp.train_superbpe(iter(["a b"]), 300, 10, max_words_per_token=0, progress=False)
    with pytest.raises(OSError):
        bp.train_superbpe(str(tmp_path / "missing.txt"), 300, 10, progress=False)


def test_unreplayable_base_merges_are_named(tmp_path):
    # "ab c" is listed before "a b" makes "ab": no in-order replay exists.
    gpt2 = json.loads(shared_path("vocab", "gpt2", "tokenizer.json").read_text())
    vocab = {k: v for k, v in gpt2["model"]["vocab"].items() if v < 256}
    vocab["ab"] = 256
    vocab["abc"] = 257
    doc = dict(gpt2, added_tokens=[], post_processor=None)
    doc["model"] = dict(gpt2["model"], vocab=vocab, merges=["ab c", "a b"])
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(doc))
    base = bp.Tokenizer.from_huggingface(path)
    with pytest.raises(ValueError, match=r"inherited merge 0 .*cannot be replayed"):
        bp.train_superbpe(iter(["abc abc abc"]), 300, base=base, progress=False)


def test_stats_against_a_baseline(superbpe_pair, novels_sample):
    sb, _ = superbpe_pair
    plain = bp.train(iter(novels_sample[:3000]), 2000, pattern="superbpe-stage1", progress=False)
    texts = novels_sample[5000:5400]
    s = sb.stats(texts, baseline=plain)
    assert s.tokens == sum(len(sb.encode(t)) for t in texts)
    assert s.bytes == sum(len(t.encode()) for t in texts)
    assert s.bytes_per_token == pytest.approx(s.bytes / s.tokens)
    assert sum(s.words_per_token.values()) == s.tokens
    assert s.baseline.tokens == sum(len(plain.encode(t)) for t in texts)
    assert s.vs_baseline == pytest.approx(s.tokens / s.baseline.tokens)
    # plain BPE with a whitespace-aware pattern never crosses a word boundary
    assert s.baseline.crossing_share == 0.0 and s.crossing_share > 0.05
    assert max(s.words_per_token) <= 4 and max(s.baseline.words_per_token) == 1


def test_extending_cl100k_fills_its_unused_ids(tmp_path, novels_sample):
    enc = bp.get_encoding("cl100k_base")
    base = bp.Tokenizer.from_tiktoken(
        shared_path("vocab", "tiktoken", "cl100k_base.tiktoken"),
        pattern="gpt4",
        special_tokens=enc._special_tokens,
    )
    ext = bp.train_superbpe(
        iter(novels_sample[:3000]), base.vocab_size + 200, base=base, progress=False
    )
    assert ext.vocab_size == base.vocab_size + 200
    # 100256 and 100261..100275 are unused in cl100k_base: the first new tokens
    for i in [100256, *range(100261, 100276)]:
        assert base.token_to_id(ext.token_bytes(i)) is None
    assert ext.special_tokens == base.special_tokens
    text = "".join(novels_sample[4000:4050])
    ext.to_huggingface(tmp_path)
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    assert ext.encode(text) == hf.encode(text, add_special_tokens=False).ids
    assert len(ext.encode(text)) < len(enc.encode(text))


def test_sentencepiece_bases_are_refused():
    spm = bp.Tokenizer.from_huggingface(
        shared_path("vocab", "openllama-3b-zh-en", "tokenizer.json")
    )
    with pytest.raises(ValueError, match="byte-level"):
        bp.train_superbpe(iter(["a b c"]), spm.vocab_size + 10, base=spm, progress=False)


def test_transformers_loads_the_export(tmp_path, superbpe_pair, novels_sample):
    transformers = pytest.importorskip("transformers")
    sb, _ = superbpe_pair
    sb.to_huggingface(tmp_path)
    auto = transformers.AutoTokenizer.from_pretrained(str(tmp_path))
    text = "".join(novels_sample[6000:6020])
    assert auto(text, add_special_tokens=False)["input_ids"] == sb.encode(text)
