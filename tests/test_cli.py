"""The command line, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "bytepair", *args],
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
