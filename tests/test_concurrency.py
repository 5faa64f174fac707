"""Threads, the GIL, fork and pickling (issue 8, part 6).

One tokenizer shared by many Python threads gives what a serial run gives; a
long encode lets other Python threads run; children made by fork, spawn and
forkserver after parallel work in the parent finish under a watchdog; a
pickled tokenizer behaves the same after loading.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import bytepair as bp
import pytest

NOVELS = Path(__file__).resolve().parents[2] / "shared/data/corpora/english/eltec_eng_novels.txt"


def _texts(n: int = 400) -> list[str]:
    with NOVELS.open(encoding="utf-8") as f:
        lines = [next(f).rstrip("\n") for _ in range(3 * n + 300)]
    out = [line for line in lines if line.strip()][:n]
    # Long, odd and multi-line documents among the ordinary lines.
    out += ["a" * 5000, " " * 3000 + "x", "東京" * 700, "\n".join(lines[:300])]
    return out


@pytest.fixture(scope="module")
def tokenizers():
    texts = _texts()
    trained = bp.train(iter(texts * 3), 2000, pattern="gpt4", progress=False)
    superbpe = bp.train_superbpe(iter(texts * 3), 2000, transition=1200, progress=False)
    return {
        "cl100k": bp.get_encoding("cl100k_base"),
        "trained": trained,
        "superbpe": superbpe,
    }


@pytest.mark.parametrize("name", ["cl100k", "trained", "superbpe"])
def test_one_tokenizer_shared_by_many_threads(tokenizers, name):
    tok = tokenizers[name]
    texts = _texts()
    serial = [tok.encode(t) for t in texts]
    serial_batch = tok.encode_batch(texts)

    def worker(seed: int) -> bool:
        order = list(range(len(texts)))
        order = order[seed:] + order[:seed]  # each thread walks a different order
        for i in order:
            if tok.encode(texts[i]) != serial[i]:
                return False
        return tok.encode_batch(texts, num_threads=2) == serial_batch

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(worker, range(0, 16 * 23, 23)))
    assert all(results)
    assert serial_batch == serial


def test_a_long_encode_lets_other_threads_run():
    enc = bp.get_encoding("cl100k_base")
    text = "".join(_texts()) * 40  # several MB: well over 100 ms of encoding
    ticks: list[float] = []
    stop = threading.Event()

    def heartbeat():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.002)

    beat = threading.Thread(target=heartbeat)
    beat.start()
    time.sleep(0.05)
    start = time.perf_counter()
    enc.encode_ordinary(text)
    end = time.perf_counter()
    stop.set()
    beat.join()
    during = [t for t in ticks if start <= t <= end]
    assert end - start > 0.1, "the text is too short to tell"
    # With the GIL held for the whole call the heartbeat could not tick at all.
    assert len(during) >= (end - start) / 0.02, (len(during), end - start)
    gaps = [b - a for a, b in zip(during, during[1:], strict=False)]
    assert max(gaps, default=0) < 0.25, max(gaps)


FORK_SCRIPT = textwrap.dedent(
    """
    import multiprocessing as mp, sys
    import bytepair as bp

    TEXTS = ["line %d of a small corpus, with words" % i for i in range(3000)]

    def work(i):
        enc = bp.get_encoding("cl100k_base")
        ids = enc.encode_batch(TEXTS, num_threads=2)
        tok = bp.train(iter(TEXTS), 300 + i, progress=False, num_threads=2)
        return sum(map(len, ids)), tok.vocab_size

    if __name__ == "__main__":
        # Parallel work in the parent first: its thread pools exist at fork time.
        expected = [work(i) for i in range(2)]
        ctx = mp.get_context(sys.argv[1])
        with ctx.Pool(4) as pool:
            got = pool.map_async(work, [0, 1] * 8).get(timeout=90)
        assert got == expected * 8, (got, expected)
        print("ok", len(got))
    """
)


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_children_after_parallel_work_do_not_hang(tmp_path, method):
    script = tmp_path / "fork_children.py"
    script.write_text(FORK_SCRIPT)
    r = subprocess.run(
        [sys.executable, str(script), method], capture_output=True, text=True, timeout=150
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "ok 16"


def test_pickled_tokenizers_behave_the_same(tokenizers, tmp_path):
    texts = _texts(100)
    binary = bp.train_bytes([Path(sys.executable).read_bytes()[:400_000]], 600, progress=False)
    hf_path = tmp_path / "tok"
    tokenizers["trained"].to_huggingface(hf_path)
    loaded = bp.Tokenizer.from_huggingface(hf_path / "tokenizer.json")
    for tok in [*tokenizers.values(), binary, loaded]:
        data = pickle.dumps(tok)
        back = pickle.loads(data)
        assert back.encode_batch(texts) == tok.encode_batch(texts)
        assert back.decode(tok.encode(texts[0])) == texts[0]
        raw = bytes(range(256)) * 3
        if isinstance(tok, bp.Encoding):
            assert back._encode_bytes(raw) == tok._encode_bytes(raw)
        else:
            assert back.encode_bytes(raw) == tok.encode_bytes(raw)
            # Sized like the vocabulary, not like Python objects per token.
            assert len(data) < 64 * tok.vocab_size + 20_000, len(data)
