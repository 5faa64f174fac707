"""The command line, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _command() -> list[str]:
    """The installed console script, as a user runs it (next to this Python)."""
    import shutil
    from pathlib import Path

    script = Path(sys.executable).with_name("bytepair")
    if script.exists():
        return [str(script)]
    found = shutil.which("bytepair")
    return [found] if found else [sys.executable, "-m", "bytepair"]


def run(*args, cwd=None):
    return subprocess.run(
        [*_command(), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_train_on_the_builtin_sample():
    r = run("train", "-q")
    assert r.returncode == 0, r.stderr
    assert "built-in sample corpus" in r.stdout
    assert "vocab size     512" in r.stdout
    assert "bytes/token" in r.stdout


def test_train_writes_native_and_hf(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat\n" * 50, encoding="utf-8")
    r = run("train", str(corpus), "--vocab-size", "270", "-q", "-o", str(tmp_path / "t.json"))
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "t.json").read_text())["format"] == "bytepair"
    r = run("train", str(corpus), "--vocab-size", "270", "-q", "-o", str(tmp_path / "hf"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "hf" / "tokenizer.json").exists()
    assert (tmp_path / "hf" / "tokenizer_config.json").exists()


def test_errors_are_one_line():
    r = run("train", "/no/such/file.txt", "-q")
    assert r.returncode == 1
    assert r.stderr.startswith("bytepair: error:")
    assert "Traceback" not in r.stderr
    r = run("train", "--pattern", "(", "-q")
    assert r.returncode == 1 and "Traceback" not in r.stderr


def test_train_superbpe_and_tiktoken_export(tmp_path):
    import bytepair as bp

    out = tmp_path / "sb.json"
    # no corpus: the sample shipped in the package
    args = ("train", "--vocab-size", "600", "--superbpe", "--transition", "20")
    r = run(*args, "-q", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "20 subword +" in r.stdout
    tok = bp.Tokenizer.load(out)
    assert tok.curriculum == {"stage1_pattern": "superbpe-stage1", "transition": 20}
    assert any(b" " in (a + b).strip(b" ") for a, b in tok.merges[20:])  # superwords
    r = run(*args, "-q", "--format", "tiktoken", "-o", str(tmp_path / "sb.tiktoken"))
    assert r.returncode == 0, r.stderr
    ranks = bp.load.load_tiktoken_bpe(str(tmp_path / "sb.tiktoken"))
    assert len(ranks) == tok.vocab_size - 1


def test_eval_compares_tokenizers_by_file_kind(tmp_path):
    import shutil

    import bytepair as bp

    ls = shutil.which("ls")
    text = tmp_path / "t.txt"
    text.write_text("The licensee shall, within 30 days, notify the licensor.\n" * 200)
    blob = tmp_path / "blob.bin"
    blob.write_bytes(bytes(range(256)) * 50)
    tok = bp.train_bytes(iter([blob.read_bytes()]), 400, progress=False)
    tok.save(tmp_path / "bin.json")
    paths = [str(text), str(blob)] + ([ls] if ls else [])
    r = run("eval", "-t", "o200k_base", "-t", str(tmp_path / "bin.json"), *paths)
    assert r.returncode == 0, r.stderr
    rows = {line.split("|")[2].strip(): line for line in r.stdout.splitlines() if "|" in line}
    enc = bp.get_encoding("o200k_base")
    content = text.read_text()
    expected = f"{len(content.encode()) / len(enc.encode_ordinary(content)):.3f} ("
    assert expected in rows["text"]
    expected_blob = f"{blob.stat().st_size / len(tok.encode_bytes(blob.read_bytes())):.3f}"
    assert expected_blob in rows["other binary"]
    if ls:
        assert "ELF executable" in rows
    r = run("eval", "-t", "no_such_encoding", str(text))
    assert r.returncode == 1 and r.stderr.startswith("bytepair: error:")


def test_eval_reports_renyi_utilisation_and_plots(tmp_path):
    import math
    from collections import Counter

    import bytepair as bp
    import pytest

    pytest.importorskip("matplotlib")
    text = tmp_path / "t.txt"
    text.write_text("the cat sat on the mat; the dog sat on the log.\n" * 40)
    png = tmp_path / "eval.png"
    r = run("eval", "-t", "cl100k_base", str(text), "--plot", str(png))
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    enc = bp.get_encoding("cl100k_base")
    ids = enc.encode_ordinary(text.read_text())
    counts = Counter(ids)
    regular = enc.n_vocab - len(enc.special_tokens_set)
    p = [c / len(ids) for c in counts.values()]
    renyi = math.log(sum(x**2.5 for x in p)) / (1 - 2.5) / math.log(regular)
    row = next(line for line in r.stdout.splitlines() if line.startswith("| cl100k_base |"))
    assert f"| {renyi:.3f} |" in row
    assert f"| {len(counts):,} (" in row


def test_progress_shows_on_a_terminal_not_when_piped(tmp_path):
    import os
    import select

    import pytest

    pty = pytest.importorskip("pty")
    from conftest import shared_path

    corpus = str(shared_path("corpora", "english", "eltec_eng_novels.txt"))
    args = ["train", corpus, "--vocab-size", "1000", "-o", str(tmp_path / "t.json")]
    master, slave = pty.openpty()
    p = subprocess.Popen([*_command(), *args], stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    assert p.wait(timeout=120) == 0
    text = seen.decode("utf-8", errors="replace")
    assert "counting [" in text and "MiB/s" in text and "eta" in text
    piped = run(*args)
    assert piped.returncode == 0, piped.stderr
    assert "counting [" not in piped.stderr and "\x1b[" not in piped.stderr


def test_newer_format_is_one_line(tmp_path):
    import bytepair as bp

    tok = bp.train(iter(["a b c"] * 5), 260, progress=False)
    path = tmp_path / "t.json"
    tok.save(path)
    doc = json.loads(path.read_text())
    doc["version"] = 99
    path.write_text(json.dumps(doc))
    r = run("inspect", str(path))
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bytepair: error:") and "99" in lines[0]


def test_ctrl_c_stops_training_and_writes_nothing(tmp_path):
    import signal
    import time

    from conftest import shared_path

    corpus = str(shared_path("corpora", "english", "eltec_eng_novels.txt"))
    out = tmp_path / "t.json"
    p = subprocess.Popen(
        [
            *_command(),
            "train",
            *([corpus] * 24),
            "--vocab-size",
            "2000",
            "-o",
            str(out),
            "-q",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Interrupt once counting is under way: the child has the corpus open.
    # (A fixed sleep raced with a slow start on a loaded machine.)
    deadline = time.monotonic() + 60
    fds = Path(f"/proc/{p.pid}/fd")
    while time.monotonic() < deadline and p.poll() is None:
        try:
            if any(os.readlink(f) == os.path.realpath(corpus) for f in fds.iterdir()):
                break
        except OSError:
            pass
        time.sleep(0.02)
    time.sleep(0.2)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130 and err.strip() == "bytepair: interrupted"
    assert not out.exists() and not list(tmp_path.iterdir())


def test_train_bytes_and_presets(tmp_path):
    import bytepair as bp

    blob = tmp_path / "blob.bin"
    blob.write_bytes(bytes(range(256)) * 200 + b"\x48\x89\xe5\xc3" * 3000)
    r = run(
        "train",
        str(blob),
        "--bytes",
        "--vocab-size",
        "400",
        "--window",
        "512",
        "-q",
        "-o",
        str(tmp_path / "b.json"),
    )
    assert r.returncode == 0, r.stderr
    assert "as raw bytes" in r.stdout
    tok = bp.Tokenizer.load(tmp_path / "b.json")
    assert tok.decode_bytes(tok.encode_bytes(blob.read_bytes())) == blob.read_bytes()
    text = tmp_path / "legal.txt"
    text.write_text("The Licensor grants the Licensee a license in 1999.\n" * 300)
    r = run(
        "train",
        str(text),
        "--preset",
        "domain",
        "--vocab-size",
        "2000",
        "-q",
        "-o",
        str(tmp_path / "d.json"),
    )
    assert r.returncode == 0, r.stderr
    small = run("train", str(text), "--preset", "domain", "--vocab-size", "600", "-q", cwd=tmp_path)
    assert small.returncode == 1 and "forced" in small.stderr  # no room for the forced tokens
    tok = bp.Tokenizer.load(tmp_path / "d.json")
    assert tok.vocab_size == 2048 and tok.special_tokens["<|start|>"] == 0
    r = run("eval", "-t", str(tmp_path / "d.json"), str(text))
    name = str(tmp_path / "d.json")
    row = next(line for line in r.stdout.splitlines() if line.startswith(f"| {name} |"))
    n = len(tok.encode_ordinary(text.read_text()))
    assert f"| {n / len(text.read_text().split()):.3f} |" in row  # tokens per word


def test_train_without_output_writes_a_default_file_and_never_overwrites(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat\n" * 50, encoding="utf-8")
    r = run("train", str(corpus), "--vocab-size", "270", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    written = tmp_path / "tokenizer.json"
    assert "wrote          tokenizer.json" in r.stdout
    assert json.loads(written.read_text())["format"] == "bytepair"
    before = written.read_bytes()
    # A second run refuses before training rather than replace the file.
    again = run("train", str(corpus), "--vocab-size", "300", "-q", cwd=tmp_path)
    assert again.returncode == 1 and "exists" in again.stderr and "-o" in again.stderr
    assert written.read_bytes() == before
    hf = run("train", str(corpus), "--vocab-size", "270", "-q", "--format", "hf", cwd=tmp_path)
    assert hf.returncode == 0, hf.stderr
    assert (tmp_path / "tokenizer" / "tokenizer.json").exists()


def test_the_sample_run_says_it_saved_nothing(tmp_path):
    r = run("train", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "not saved" in r.stdout and "-o" in r.stdout
    assert list(tmp_path.iterdir()) == []
