"""Checkpointed and resumed training: a run cut anywhere and resumed gives
the tokenizer of an uninterrupted run, byte for byte; a checkpoint that is
corrupt or belongs to another run is refused and left as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import bytepair as bp
import pytest
from bytepair import _core
from conftest import shared_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TRAINERS = {
    "train": (bp.train, {}),
    "superbpe": (bp.train_superbpe, {"transition": 0.5}),
    "bytes": (bp.train_bytes, {"window": 64}),
}


def as_json(tok: bp.Tokenizer, tmp: Path) -> str:
    path = tmp / "tok.json"
    tok.save(path)
    return path.read_text(encoding="utf-8")


def log_bytes(stages: list[tuple[int, bool]], every: int) -> int:
    """Bytes of the merge log a finished run wrote: a block each `every`
    merges and one when each stage stopped (13-byte head, 12 per merge, 8 of
    checksum)."""
    total = 0
    for merges, _ in stages:
        blocks = merges // every + 1
        total += 21 * blocks + 12 * merges
    return total


texts = st.lists(st.text(alphabet="abc dé\n", min_size=1, max_size=40), min_size=1, max_size=25)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=texts,
    kind=st.sampled_from(sorted(TRAINERS)),
    extra=st.integers(1, 60),
    every=st.integers(1, 7),
    cut=st.floats(0, 1),
)
def test_a_run_cut_anywhere_resumes_to_the_same_tokenizer(
    tmp_path_factory, lines, kind, extra, every, cut
):
    tmp = tmp_path_factory.mktemp("ckpt")
    corpus = tmp / "corpus.txt"
    corpus.write_bytes("\n".join(lines).encode("utf-8"))
    train, kw = TRAINERS[kind]
    vocab = 256 + 1 + extra
    kw = {**kw, "special_tokens": ["<s>"], "progress": False}
    plain = as_json(train(str(corpus), vocab, **kw), tmp)
    path = tmp / "run.bpckpt"
    written = train(str(corpus), vocab, checkpoint=path, checkpoint_every=every, **kw)
    assert as_json(written, tmp) == plain
    data = path.read_bytes()
    stages = _core.read_checkpoint(path=str(path)).stages
    assert all(stopped for _, stopped in stages)
    head = len(data) - log_bytes(stages, every)
    # Killed at any moment after the head was renamed into place: the file
    # holds the head and some whole blocks, perhaps a torn one after them.
    at = head + round(cut * (len(data) - head))
    path.write_bytes(data[:at])
    assert as_json(train(resume=path, progress=False), tmp) == plain
    # The resumed run completed the log as the uninterrupted one wrote it.
    assert _core.read_checkpoint(path=str(path)).stages == stages


def test_a_cut_inside_the_head_is_a_format_error(tmp_path):
    path = tmp_path / "run.bpckpt"
    bp.train(iter(["low lower lowest"] * 20), 270, checkpoint=path, progress=False)
    data = path.read_bytes()
    for at in (0, 7, 20, len(data) // 2):
        path.write_bytes(data[:at])
        with pytest.raises(bp.FormatError):
            bp.train(resume=path, progress=False)


def test_a_killed_training_process_resumes_byte_identically(tmp_path):
    """SIGKILL a real training run once its checkpoint holds some merges."""
    corpus = str(shared_path("corpora", "english", "eltec_eng_novels.txt"))
    path = tmp_path / "run.bpckpt"
    script = (
        "import bytepair as bp, sys\n"
        "bp.train(sys.argv[1], 50000, checkpoint=sys.argv[2], checkpoint_every=100,"
        " progress=False, num_threads=1)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, corpus, str(path)])
    try:
        deadline = time.monotonic() + 300
        logged = 0
        while time.monotonic() < deadline and proc.poll() is None:
            if path.exists():
                try:
                    stages = _core.read_checkpoint(path=str(path)).stages
                    logged = stages[0][0] if stages else 0
                except (bp.FormatError, OSError):
                    logged = 0
                if logged >= 500:
                    break
            time.sleep(0.01)
        assert proc.poll() is None, "training ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    stages = _core.read_checkpoint(path=str(path)).stages
    assert stages and not stages[0][1], "the killed run had not finished"
    resumed = bp.train(resume=path, progress=False)
    whole = bp.train(corpus, 50000, progress=False)
    assert as_json(resumed, tmp_path) == as_json(whole, tmp_path)


@pytest.fixture
def checkpointed(tmp_path):
    corpus = tmp_path / "a.txt"
    corpus.write_text("the cat sat on the mat\n" * 50 + "a dog\n" * 30, encoding="utf-8")
    path = tmp_path / "run.bpckpt"
    bp.train(str(corpus), 290, checkpoint=path, checkpoint_every=5, progress=False)
    return corpus, path


def test_other_settings_or_corpus_are_refused_and_nothing_is_written(checkpointed):
    corpus, path = checkpointed
    before = path.read_bytes()
    with pytest.raises(bp.CheckpointMismatchError, match="vocab_size is 300 here and 290"):
        bp.train(str(corpus), 300, resume=path, progress=False)
    with pytest.raises(bp.CheckpointMismatchError, match="min_frequency"):
        bp.train(str(corpus), 290, min_frequency=3, resume=path, progress=False)
    with pytest.raises(bp.CheckpointMismatchError, match="iterator"):
        bp.train(iter(["the cat"]), 290, resume=path, progress=False)
    with pytest.raises(bp.CheckpointMismatchError, match="'train' training, not of 'bytes'"):
        bp.train_bytes(resume=path, progress=False)
    corpus.write_text("another corpus\n", encoding="utf-8")
    with pytest.raises(bp.CheckpointMismatchError, match="changed since the checkpoint"):
        bp.train(str(corpus), 290, resume=path, progress=False)
    assert path.read_bytes() == before
    # The same corpus and settings given again resume.
    corpus.write_text("the cat sat on the mat\n" * 50 + "a dog\n" * 30, encoding="utf-8")
    os.utime(corpus, ns=(0, 0))
    with pytest.raises(bp.CheckpointMismatchError, match="modification time"):
        bp.train(str(corpus), 290, resume=path, progress=False)


def test_the_same_corpus_and_settings_may_be_given_with_resume(checkpointed, tmp_path):
    corpus, path = checkpointed
    again = bp.train(str(corpus), 290, resume=path, progress=False)
    assert as_json(again, tmp_path) == as_json(bp.train(str(corpus), 290, progress=False), tmp_path)


def test_a_checkpoint_is_never_overwritten_by_a_new_run(checkpointed):
    corpus, path = checkpointed
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="resume it"):
        bp.train(str(corpus), 290, checkpoint=path, progress=False)
    assert path.read_bytes() == before


def test_corrupt_checkpoints_are_format_errors(checkpointed):
    _, path = checkpointed
    data = bytearray(path.read_bytes())
    data[40] ^= 0x5A  # inside the header or the counts
    path.write_bytes(bytes(data))
    with pytest.raises(bp.FormatError, match="checksum|header|counts"):
        bp.train(resume=path, progress=False)
    path.write_bytes(b"not a checkpoint at all")
    with pytest.raises(bp.FormatError, match="not a bytepair checkpoint"):
        bp.train(resume=path, progress=False)
    with pytest.raises(FileNotFoundError):
        bp.train(resume=path.with_name("missing.bpckpt"), progress=False)


def test_bad_checkpoint_options(tmp_path):
    with pytest.raises(ValueError, match="checkpoint_every"):
        bp.train(iter(["ab"]), 260, checkpoint=tmp_path / "c", checkpoint_every=0)
    with pytest.raises(TypeError, match="resume= alone"):
        bp.train(vocab_size=300)
    with pytest.raises(ValueError, match="not supported with base="):
        bp.train(iter(["ab"]), 400, base="gpt2", checkpoint=tmp_path / "c")


def test_cli_train_resume(tmp_path, capsys):
    from bytepair.cli import main

    corpus = tmp_path / "a.txt"
    corpus.write_text("the cat sat on the mat\n" * 50 + "a dog ran\n" * 30, encoding="utf-8")
    ckpt, whole, resumed = tmp_path / "run.bpckpt", tmp_path / "w.json", tmp_path / "r.json"
    args = [str(corpus), "--vocab-size", "300", "--quiet"]
    assert main(["train", *args, "-o", str(whole)]) == 0
    assert (
        main(
            [
                "train",
                *args,
                "--checkpoint",
                str(ckpt),
                "--checkpoint-every",
                "4",
                "-o",
                str(tmp_path / "c.json"),
            ]
        )
        == 0
    )
    data = ckpt.read_bytes()
    ckpt.write_bytes(data[: len(data) - 100])
    assert main(["train", "--resume", str(ckpt), "--quiet", "-o", str(resumed)]) == 0
    assert resumed.read_bytes() == whole.read_bytes()
    assert "trained on 1 file(s)" in capsys.readouterr().out


def test_the_readme_example(tmp_path, monkeypatch):
    from conftest import run_readme_block

    scope = run_readme_block("Resuming a training run", tmp_path, monkeypatch)
    assert scope["again"].merges == scope["tok"].merges
    before = (tmp_path / "run.bpckpt").read_bytes()
    with pytest.raises(bp.CheckpointMismatchError, match="vocab_size is 65536 here and 32768"):
        bp.train(scope["novels"], 65_536, resume="run.bpckpt", progress=False)
    assert (tmp_path / "run.bpckpt").read_bytes() == before
