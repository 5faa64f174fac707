"""Token premium reports (bp.fairness): the published FLORES-200 counts, direct
counting as the oracle, the parallel-corpus readers and their errors."""

from __future__ import annotations

import csv
import re
import unicodedata
import warnings
from pathlib import Path

import bytepair as bp
import pytest
from bytepair.fairness import NormalizationWarning, gini, read_parallel, token_premium
from conftest import ROOT, run_readme_block, shared_path
from hypothesis import given
from hypothesis import strategies as st

PUBLISHED = ROOT / "tests" / "data" / "petrov2023_flores200_counts.csv"


def _flores() -> Path:
    return shared_path("corpora", "multilingual", "flores200")


def _write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _small_flores(tmp_path: Path, langs: list[str], n: int) -> Path:
    """A FLORES-200 layout with the first ``n`` lines of each real file."""
    root = tmp_path / "flores"
    for split in ("dev", "devtest"):
        (root / split).mkdir(parents=True)
        for lang in langs:
            src = _flores() / split / f"{lang}.{split}"
            lines = src.read_text(encoding="utf-8").split("\n")[:n]
            _write_lines(root / split / f"{lang}.{split}", lines)
    return root


# ---- the paper's figures ------------------------------------------------------------


def test_petrov_method_reproduces_every_published_flores_count():
    published = {}
    with open(PUBLISHED, encoding="utf-8") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        for r in rows:
            published[r["language"]] = {name: int(r[name]) for name in ("gpt2", "cl100k_base")}
    assert len(published) == 204
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NormalizationWarning)  # the paper counted raw text
        report = token_premium(["gpt2", "cl100k_base"], _flores(), method="petrov")
    assert set(report.languages) == set(published)
    wrong = [
        (r["tokenizer"], r["language"], r["tokens"], published[r["language"]][r["tokenizer"]])
        for r in report.rows
        if r["tokens"] != published[r["language"]][r["tokenizer"]]
    ]
    assert wrong == []
    assert report.row("cl100k_base", "eng_Latn")["tokens"] == 52_835
    assert report.row("gpt2", "eng_Latn")["tokens"] == 52_567


def test_petrov_string_is_the_papers_join():
    flores = _flores()
    text = read_parallel(flores)["fra_Latn"]
    dev = (flores / "dev" / "fra_Latn.dev").read_text(encoding="utf-8")
    devtest = (flores / "devtest" / "fra_Latn.devtest").read_text(encoding="utf-8")
    assert text.petrov_string() == " ".join(dev.split("\n") + devtest.split("\n"))
    assert len(text.sentences()) == 997 + 1012


# ---- against direct counting --------------------------------------------------------


@pytest.mark.parametrize("method", ["sentences", "petrov"])
def test_premium_equals_direct_counting(tmp_path, method):
    langs = ["eng_Latn", "hin_Deva", "mya_Mymr", "zho_Hans", "arb_Arab", "tam_Taml"]
    root = _small_flores(tmp_path, langs, 40)
    hf = shared_path("vocab", "o200k-hf", "tokenizer.json")
    trained = bp.train(str(read_parallel(root)["eng_Latn"].source.split(" + ")[0]), 600)
    tokenizers = {"cl100k": "cl100k_base", "o200k-hf": str(hf), "trained": trained}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NormalizationWarning)
        report = token_premium(tokenizers, root, method=method, split="dev+devtest")
    texts = read_parallel(root)
    for name, spec in tokenizers.items():
        tok = bp.load_tokenizer(spec)
        pieces = {
            lang: t.sentences() if method == "sentences" else [t.petrov_string()]
            for lang, t in texts.items()
        }
        tokens = {lang: sum(len(tok.encode_ordinary(s)) for s in ps) for lang, ps in pieces.items()}
        for lang in langs:
            row = report.row(name, lang)
            assert row["tokens"] == tokens[lang], (name, lang)
            assert row["premium"] == pytest.approx(tokens[lang] / tokens["eng_Latn"])
            assert row["bytes"] == sum(len(s.encode()) for s in pieces[lang])
            assert row["characters"] == sum(len(s) for s in pieces[lang])
            assert row["bytes_per_token"] == pytest.approx(row["bytes"] / tokens[lang])
        summary = next(s for s in report.summary if s["tokenizer"] == name)
        assert summary["gini"] == pytest.approx(gini([tokens[lang] for lang in langs]))
        worst = max(langs, key=lambda lang: tokens[lang])
        assert summary["max_language"] == worst
        assert summary["worst"][0][0] == worst
        assert summary["max_min"] == pytest.approx(max(tokens.values()) / min(tokens.values()))
    assert report.premium("cl100k", "eng_Latn") == 1.0


_TEXT = st.text(
    st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\n\r",  # the line separators of universal-newline reading
    ),
    max_size=30,
)


@given(
    st.lists(
        st.lists(_TEXT, min_size=3, max_size=3).filter(lambda ls: any(s.strip() for s in ls)),
        min_size=2,
        max_size=4,
    ),
    st.sampled_from(["sentences", "petrov"]),
)
def test_tally_equals_encode_ordinary_on_random_parallel_text(tmp_path_factory, corpus, method):
    tmp = tmp_path_factory.mktemp("parallel")
    paths = {f"l{i}": _write_lines(tmp / f"l{i}.txt", lines) for i, lines in enumerate(corpus)}
    tok = bp.get_encoding("o200k_base")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NormalizationWarning)
        report = token_premium([tok], paths, reference="l0", method=method)
    for lang, lines in zip(paths, corpus, strict=True):
        joined = " ".join(lines + [""])
        pieces = lines if method == "sentences" else [joined]
        assert report.row("o200k_base", lang)["tokens"] == sum(
            len(tok.encode_ordinary(s)) for s in pieces
        )


def _is_fallback_reference(tok: bp.Tokenizer, i: int, sentencepiece: bool) -> bool:
    piece = tok.token_bytes(i)
    if sentencepiece:
        return re.fullmatch(rb"<0x[0-9A-F]{2}>", piece) is not None
    try:
        piece.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@pytest.mark.parametrize("vocab", ["openllama-3b-zh-en", "cl100k-hf"])
def test_fallback_share_counts_byte_pieces(vocab):
    path = shared_path("vocab", vocab, "tokenizer.json")
    tok = bp.load_tokenizer(str(path))
    bible = shared_path("corpora", "multilingual", "bible_nt")
    chosen = {
        lang: bible / f"{lang}-NT.txt" for lang in ("Gujarati", "Cherokee", "Swahili", "Coptic")
    }
    report = token_premium({vocab: tok}, chosen, reference="Swahili")
    texts = read_parallel(chosen)
    shares = []
    for lang, t in texts.items():
        ids = [i for s in t.sentences() for i in tok.encode_ordinary(s)]
        fallback = sum(_is_fallback_reference(tok, i, vocab.startswith("openllama")) for i in ids)
        row = report.row(vocab, lang)
        assert row["tokens"] == len(ids)
        assert row["fallback_share"] == pytest.approx(fallback / len(ids))
        shares.append(row["fallback_share"])
    # Cherokee and Coptic are barely in either vocabulary: most pieces are bytes.
    assert report.row(vocab, "Cherokee")["fallback_share"] > 0.5
    assert report.row(vocab, "Swahili")["fallback_share"] < 0.01


# ---- the Gini coefficient ------------------------------------------------------------


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), max_size=40))
def test_gini_equals_mean_absolute_difference(xs):
    n = len(xs)
    total = sum(xs)
    expected = (
        0.0 if n == 0 or total == 0 else sum(abs(a - b) for a in xs for b in xs) / (2 * n * total)
    )
    assert gini(xs) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_gini_extremes():
    assert gini([5, 5, 5, 5]) == 0.0
    assert gini([0, 0, 0, 8]) == pytest.approx(3 / 4)  # (n - 1) / n when one holds all


# ---- the corpus layouts -------------------------------------------------------------


def test_udhr_with_nfc_and_a_reference_by_iso_code():
    udhr = shared_path("corpora", "multilingual", "udhr_all.txt")
    with pytest.warns(NormalizationWarning, match="not NFC-normalized"):
        raw = token_premium(["o200k_base"], udhr)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NormalizationWarning)
        nfc = token_premium(["o200k_base"], udhr, normalize="NFC")
    assert nfc.reference == "eng"  # eng_Latn resolved to UDHR's code
    assert len(nfc.languages) > 400
    texts = read_parallel(udhr)
    tok = bp.get_encoding("o200k_base")
    changed = [
        lang for lang, t in texts.items() if not unicodedata.is_normalized("NFC", t.parts[0])
    ]
    assert changed, "UDHR has non-NFC translations"
    for lang in changed[:5]:
        normalized = unicodedata.normalize("NFC", texts[lang].parts[0])
        expect = sum(len(tok.encode_ordinary(s)) for s in normalized.split("\n") if s)
        assert nfc.row("o200k_base", lang)["tokens"] == expect
        assert nfc.row("o200k_base", lang)["characters"] == len(normalized.replace("\n", ""))
    same = [lang for lang in texts if lang not in changed][:5]
    for lang in same:
        assert nfc.row("o200k_base", lang)["tokens"] == raw.row("o200k_base", lang)["tokens"]


def test_bible_directory_aligns_on_common_verses():
    bible = shared_path("corpora", "multilingual", "bible_nt")
    texts = read_parallel(bible)
    assert "Armenian" in texts and "Zulu" in texts  # -PART / -NT suffixes dropped
    counts = {lang: len(t.sentences()) for lang, t in texts.items()}
    assert len(set(counts.values())) == 1
    ids = {}
    for p in bible.glob("*.txt"):
        lang = re.sub(r"-(NT|PART)$", "", p.stem)
        ids[lang] = {}
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                verse, _, text = line.partition("\t")
                ids[lang][verse] = text
    common = set.intersection(*(set(v) for v in ids.values()))
    assert counts["Zulu"] == len(common)
    # Verse k of every language is the same verse.
    first_common = [v for v in ids["Basque"] if v in common]
    for lang in ("Basque", "Gujarati", "Syriac"):
        assert texts[lang].sentences()[:50] == [ids[lang][v] for v in first_common[:50]]


def test_report_exports(tmp_path):
    pytest.importorskip("pandas")
    root = _small_flores(tmp_path, ["eng_Latn", "deu_Latn", "kor_Hang"], 20)
    report = token_premium(["cl100k_base", "o200k_base"], root)
    out = report.to_csv(tmp_path / "p.csv")
    with open(out, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(report) == 6
    for r, want in zip(rows, report.rows, strict=True):
        assert int(r["tokens"]) == want["tokens"]
        assert float(r["premium"]) == pytest.approx(want["premium"])
    frame = report.to_pandas()
    assert list(frame["tokens"]) == [r["tokens"] for r in report.rows]
    table = report.format_table()
    assert "| cl100k_base |" in table and "kor_Hang" in table
    png = report.plot(tmp_path / "p.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.filterwarnings("ignore::bytepair.fairness.NormalizationWarning")
def test_cli_premium_writes_the_report(tmp_path):
    from test_cli import run

    root = _small_flores(tmp_path, ["eng_Latn", "hin_Deva", "jpn_Jpan"], 30)
    proc = run(
        "premium",
        "-t",
        "cl100k_base",
        "-t",
        "o200k_base",
        "--parallel",
        str(root),
        "--csv",
        str(tmp_path / "out.csv"),
        "--plot",
        str(tmp_path / "out.png"),
    )
    assert proc.returncode == 0, proc.stderr
    api = token_premium(["cl100k_base", "o200k_base"], root)
    with open(tmp_path / "out.csv", encoding="utf-8") as f:
        cli_rows = list(csv.DictReader(f))
    assert [int(r["tokens"]) for r in cli_rows] == [r["tokens"] for r in api.rows]
    assert (tmp_path / "out.png").read_bytes()[:4] == b"\x89PNG"
    assert "Gini" in proc.stdout and "hin_Deva" in proc.stdout
    # hin_Deva is not NFC in FLORES: one line on stderr, in the command's own terms.
    assert "bytepair: warning: 1 of 3 languages are not NFC-normalized (hin_Deva)" in proc.stderr
    assert "--normalize NFC" in proc.stderr and "Traceback" not in proc.stderr

    bad = run("premium", "-t", "cl100k_base", "--parallel", str(tmp_path / "nope"))
    assert bad.returncode != 0
    assert "no such parallel corpus" in bad.stderr and "Traceback" not in bad.stderr


# ---- bad input -----------------------------------------------------------------------


def test_misaligned_files_name_the_file_and_the_counts(tmp_path):
    a = _write_lines(tmp_path / "a.txt", ["one", "two", "three"])
    b = _write_lines(tmp_path / "b.txt", ["un", "deux", "trois"])
    c = _write_lines(tmp_path / "c.txt", ["eins", "zwei"])
    with pytest.raises(ValueError, match=r"misaligned.*c\.txt has 2 lines.*has 3"):
        token_premium(["gpt2"], {"en": a, "fr": b, "de": c}, reference="en")


def test_misaligned_flores_split_is_refused(tmp_path):
    root = _small_flores(tmp_path, ["eng_Latn", "fra_Latn"], 10)
    _write_lines(root / "devtest" / "fra_Latn.devtest", ["only one"])
    with pytest.raises(ValueError, match=r"fra_Latn\.devtest has 1 lines"):
        token_premium(["gpt2"], root)


def test_a_language_with_no_text_is_an_error(tmp_path):
    a = _write_lines(tmp_path / "a.txt", ["one", "two"])
    b = _write_lines(tmp_path / "b.txt", ["", "  "])
    with pytest.raises(ValueError, match=r"language 'fr' has no text"):
        token_premium(["gpt2"], {"en": a, "fr": b}, reference="en")


def test_non_nfc_text_warns_and_normalize_counts_composed_text(tmp_path):
    decomposed = unicodedata.normalize("NFD", "café crème brûlée")
    a = _write_lines(tmp_path / "a.txt", ["coffee with cream"])
    b = _write_lines(tmp_path / "b.txt", [decomposed])
    with pytest.warns(NormalizationWarning, match=r"1 of 2 languages.*\bfr\b") as caught:
        raw = token_premium(["cl100k_base"], {"en": a, "fr": b}, reference="en")
    assert Path(caught[0].filename).name == Path(__file__).name  # points at the caller
    nfc = token_premium(["cl100k_base"], {"en": a, "fr": b}, reference="en", normalize="NFC")
    tok = bp.get_encoding("cl100k_base")
    assert raw.row("cl100k_base", "fr")["tokens"] == len(tok.encode_ordinary(decomposed))
    composed = unicodedata.normalize("NFC", decomposed)
    assert nfc.row("cl100k_base", "fr")["tokens"] == len(tok.encode_ordinary(composed))
    assert nfc.row("cl100k_base", "fr")["characters"] == len(composed)


def test_bad_arguments_say_what_is_wrong(tmp_path):
    a = _write_lines(tmp_path / "a.txt", ["one"])
    b = _write_lines(tmp_path / "b.txt", ["un"])
    pair = {"en": a, "fr": b}
    with pytest.raises(ValueError, match=r"reference language 'eng_Latn' is not in the corpus"):
        token_premium(["gpt2"], pair)
    with pytest.raises(ValueError, match=r"method must be one of sentences, petrov"):
        token_premium(["gpt2"], pair, reference="en", method="words")
    with pytest.raises(ValueError, match=r"split must be one of"):
        token_premium(["gpt2"], _flores(), split="test")
    with pytest.raises(ValueError, match=r"normalize must be None or one of"):
        token_premium(["gpt2"], pair, reference="en", normalize="nfc")
    with pytest.raises(ValueError, match=r"at least one tokenizer"):
        token_premium([], pair, reference="en")
    with pytest.raises(ValueError, match=r"share a name"):
        token_premium(["gpt2", "gpt2"], pair, reference="en")
    with pytest.raises(FileNotFoundError):
        token_premium(["gpt2"], {"en": a, "fr": tmp_path / "missing.txt"}, reference="en")
    with pytest.raises(FileNotFoundError):
        token_premium(["gpt2"], tmp_path / "missing")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1\.txt: not UTF-8"):
        token_premium(["gpt2"], {"en": a, "fr": latin1}, reference="en")
    with pytest.raises(ValueError, match=r"UDHR collection"):
        token_premium(["gpt2"], a)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match=r"neither a FLORES-200 directory"):
        token_premium(["gpt2"], empty)
    with pytest.raises(OSError):
        token_premium([str(tmp_path / "no-such-tokenizer.json")], pair, reference="en")


@pytest.mark.filterwarnings("ignore::bytepair.fairness.NormalizationWarning")
def test_the_readme_fairness_example_runs(tmp_path, monkeypatch):
    shared_path("corpora", "multilingual", "flores200")
    scope = run_readme_block("Fairness across languages", tmp_path, monkeypatch)
    assert round(scope["report"].premium("cl100k_base", "hin_Deva"), 2) == 4.79
    gini = {s["tokenizer"]: s["gini"] for s in scope["both"].summary}
    assert gini["parity"] < 0.02 < 0.05 < gini["equal bytes"]
    assert (tmp_path / "premium.csv").exists()
