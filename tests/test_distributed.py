"""bytepair.distributed on a real Ray cluster started here
(``bytepair.distributed.local_cluster``): a head node (no CPUs, so no task
runs on it) and two worker nodes of one CPU each, each started with
``ray start`` and joined over this machine's addresses. Everything distributed must
equal the single-machine result, also when a worker dies mid-job."""

from __future__ import annotations

import glob
import os
import secrets
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

# Token authentication with a fresh token shared by the nodes (they inherit
# this environment) and this driver. Ray reads these settings when it is
# imported, so they are set first.
os.environ["RAY_AUTH_MODE"] = "token"
os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)

import bytepair as bp  # noqa: E402
import ray  # noqa: E402
from conftest import shared_path  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpora"
CORPUS = sorted(glob.glob(str(DATA / "**" / "*.txt"), recursive=True))


@pytest.fixture(scope="module")
def cluster():
    shared_path("corpora", "english", "war-and-peace.txt")  # skip without ../shared
    with bp.distributed.local_cluster(workers=2, cpus_per_worker=1) as address:
        alive = [n for n in ray.nodes() if n["Alive"]]
        assert len(alive) == 3, alive
        assert ray.cluster_resources()["CPU"] == 2
        yield address


def test_count_equals_single_machine_on_all_corpora(cluster):
    single = bp.count(CORPUS, progress=False)
    # Small shards cut the large files into many ranges at arbitrary bytes.
    for shard_bytes, partitions in [(3_000_001, 2), (50 << 20, 5)]:
        dist = bp.distributed.count(
            CORPUS, shard_bytes=shard_bytes, partitions=partitions, progress=False
        )
        assert dist == single, (shard_bytes, partitions)
        assert dist.total_bytes == sum(os.path.getsize(p) for p in CORPUS)


def test_tasks_ran_on_both_workers(cluster):
    @ray.remote(num_cpus=1)
    def where(_):
        time.sleep(0.5)
        return ray.get_runtime_context().get_node_id()

    nodes = set(ray.get([where.remote(i) for i in range(4)]))
    assert len(nodes) == 2


def _coverage(ranges) -> dict[tuple[str, int], int]:
    """How many ranges cover each byte, as the steps of that count."""
    steps: dict[tuple[str, int], int] = {}
    for path, start, end in ranges:
        steps[(path, start)] = steps.get((path, start), 0) + 1
        steps[(path, end)] = steps.get((path, end), 0) - 1
    return {k: v for k, v in steps.items() if v}


def test_task_plan_tiles_every_file_and_balances_bytes(tmp_path):
    from bytepair.distributed import _MIN_RANGE, _plan_tasks

    sizes = [5_000_000, 10, 0, 3_333_333, 7 << 20]
    files = []
    for i, size in enumerate(sizes):
        f = tmp_path / f"f{i}.txt"
        f.write_bytes(b"x" * size)
        files.append(str(f))
    files.append((files[0], 1000, 2_000_000))  # a range of a file, counted again
    for task_bytes, cpus in [(None, 2), (None, 3), (2_000_000, 1), (1 << 30, 4)]:
        tasks = _plan_tasks(files, task_bytes, cpus)
        got = _coverage(r for t in tasks for r in t)
        want = _coverage([(f, 0, n) for f, n in zip(files, sizes, strict=False)] + [files[-1]])
        assert got == want  # every byte of every span is counted exactly once
        loads = [sum(e - s for _, s, e in t) for t in tasks]
        assert max(loads) - min(loads) <= max(_MIN_RANGE, max(loads) // 8), loads


def test_normalized_and_line_boundary_counts(cluster, tmp_path):
    files = CORPUS[:6]
    for kw in [
        {"normalization": "NFKC", "lowercase": True, "pattern": "gpt2"},
        {"pattern": "superbpe", "line_boundaries": True},
    ]:
        single = bp.count(files, progress=False, **kw)
        dist = bp.distributed.count(files, shard_bytes=1 << 20, progress=False, **kw)
        assert dist == single, kw


def test_train_merges_equal_single_machine(cluster):
    files = [p for p in CORPUS if "multilingual" in p or "legal" in p]
    kw = {"special_tokens": ["<|endoftext|>", "<pad>"], "min_frequency": 2}
    single = bp.train(files, 4096, progress=False, **kw)
    dist = bp.distributed.train(files, 4096, shard_bytes=2 << 20, progress=False, **kw)
    assert dist._core.to_native_json() == single._core.to_native_json()
    assert dist.merges == single.merges
    # Counting once on the cluster, several sizes on the driver.
    counts = bp.distributed.count(files, progress=False)
    for size in (300, 1000):
        assert (
            bp.train(counts, size, progress=False).merges
            == bp.train(files, size, progress=False).merges
        )


def test_min_count_cuts_after_the_exact_sum(cluster):
    files = [p for p in CORPUS if "legal" in p or "financial" in p]
    single = bp.count(files, progress=False)
    kept = {w: c for w, c in single.most_common() if c >= 3}
    gone = [c for _, c in single.most_common() if c < 3]
    assert kept and gone
    # Small shards go through the reducers; the default, the driver's merge.
    for shard_bytes in (1 << 20, None):
        dist = bp.distributed.count(files, min_count=3, shard_bytes=shard_bytes, progress=False)
        assert dict(dist.most_common()) == kept, shard_bytes
        assert dist.total_bytes == single.total_bytes
        p = dist.pruned
        assert (p["distinct"], p["occurrences"]) == (len(gone), sum(gone)), shard_bytes
        assert p["threshold_sum"] == 0  # what stays is exact
    tok = bp.distributed.train(files, 2000, min_count=3, shard_bytes=1 << 20, progress=False)
    assert tok.merges == bp.train(dist, 2000, progress=False).merges
    with pytest.raises(ValueError, match="min_count"):
        bp.distributed.count(files, min_count=0, progress=False)


def test_train_superbpe_equals_single_machine(cluster):
    files = [str(DATA / "english" / "war-and-peace.txt"), str(DATA / "legal" / "licenses_all.txt")]
    single = bp.train_superbpe(files, 3000, 1500, progress=False)
    dist = bp.distributed.train_superbpe(files, 3000, 1500, shard_bytes=1 << 20, progress=False)
    assert dist._core.to_native_json() == single._core.to_native_json()
    base = bp.train(files, 1200, progress=False)
    ext_single = bp.train_superbpe(files, 2000, base=base, progress=False)
    ext_dist = bp.distributed.train_superbpe(files, 2000, base=base, progress=False)
    assert ext_dist.merges == ext_single.merges


def test_ray_dataset_counts_and_encodes_rows(cluster, tmp_path):
    lines = Path(CORPUS[0]).read_text(encoding="utf-8").splitlines(keepends=True)[:30000]
    ds = ray.data.from_items([{"text": t, "n": i} for i, t in enumerate(lines)]).repartition(7)
    dist = bp.distributed.count(ds, progress=False)
    assert dist == bp.count(iter(lines), progress=False)
    tok = bp.train(iter(lines), 800, progress=False)
    manifest = bp.distributed.encode(ds, tok, tmp_path / "out", eot="<|endoftext|>", progress=False)
    docs = bp.distributed.read_shards(tmp_path / "out")
    rows = [r["text"] for r in ds.take_all()]
    eot = tok.token_to_id("<|endoftext|>")
    assert len(docs) == len(rows) == manifest["shards"][-1]["documents"][-1]["row"] + 1
    for d, text in zip(docs, rows, strict=True):
        assert d.tolist() == tok.encode_ordinary(text) + [eot]
    with pytest.raises(KeyError, match="no column 'body'"):
        bp.distributed.count(ds, text_column="body", progress=False)


def test_encode_files_equals_encode_to_numpy(cluster, tmp_path):
    enc = bp.get_encoding("cl100k_base")
    files = [p for p in CORPUS if "multilingual" in p][:8] + [str(DATA / "code" / "c_headers.txt")]
    manifest = bp.distributed.encode(
        files, enc, tmp_path / "out", shard_bytes=4 << 20, progress=False
    )
    assert len(manifest["shards"]) >= 2
    assert manifest["dtype"] == "uint32"
    docs = bp.distributed.read_shards(tmp_path / "out")
    sources = [d["source"] for s in manifest["shards"] for d in s["documents"]]
    assert sources == files
    for d, path in zip(docs, files, strict=True):
        text = Path(path).read_text(encoding="utf-8")
        np.testing.assert_array_equal(d, enc.encode_to_numpy(text, disallowed_special=()))
    assert not list((tmp_path / "out").glob("*.partial"))


def test_tokenizer_pickles_like_its_vocabulary(cluster):
    import pickle

    enc = bp.get_encoding("o200k_base")
    tok = enc.as_tokenizer()
    blob = pickle.dumps(tok)
    native = tok._core.to_native_json().encode()
    # The pickle is the vocabulary file plus a few bytes, not Python objects.
    assert len(blob) < len(native) * 1.01 + 200
    assert pickle.loads(blob).encode("hello world") == tok.encode("hello world")


def test_bad_input_names_the_problem(cluster, tmp_path):
    with pytest.raises(FileNotFoundError):
        bp.distributed.count([str(tmp_path / "missing.txt")], progress=False)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"good line\n" * 1000 + b"\xff\xfe not utf-8\n")
    with pytest.raises(ValueError, match="UTF-8"):
        bp.distributed.count([str(bad)], progress=False)
    with pytest.raises(TypeError, match="ray.data.Dataset"):
        bp.distributed.count(iter(["a b c"]), progress=False)
    with pytest.raises(ValueError, match="pattern"):
        bp.distributed.count(CORPUS[:1], pattern="(unclosed", progress=False)


def _kill_first_task(name: str, killed: list[int], stop: threading.Event) -> None:
    """Kill -9 the first worker process seen running task ``name``."""
    while not stop.is_set():
        out = subprocess.run(["pgrep", "-f", f"ray::{name}"], capture_output=True, text=True)
        pids = [int(p) for p in out.stdout.split()]
        if pids:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])
            return
        time.sleep(0.005)


def test_killed_worker_is_retried_and_result_is_identical(cluster):
    single = bp.count(CORPUS, progress=False)
    killed: list[int] = []
    stop = threading.Event()
    killer = threading.Thread(target=_kill_first_task, args=("_count_files", killed, stop))
    killer.start()
    try:
        dist = bp.distributed.count(CORPUS, shard_bytes=8 << 20, progress=False)
    finally:
        stop.set()
        killer.join()
    assert killed, "no counting task was seen running, nothing was killed"
    assert dist == single


def test_lost_node_is_recovered_and_result_is_identical(cluster):
    """A whole worker node dies mid-job (its raylet, object store and
    workers): Ray reruns its running task elsewhere and rebuilds the counts
    it had already stored from lineage. Runs last: one worker node is left."""
    single = bp.count(CORPUS, progress=False)
    killed: list[int] = []

    def kill_node_of_first_task() -> None:
        deadline = time.time() + 60
        while time.time() < deadline:
            out = subprocess.run(
                ["pgrep", "-f", "ray::_count_files"], capture_output=True, text=True
            )
            pids = [int(p) for p in out.stdout.split()]
            if pids:
                time.sleep(0.5)  # let the node finish and store a few shards first
                node = os.getsid(pids[0])  # the node's `ray start` session
                bp.distributed._kill_session(node)
                killed.append(node)
                return
            time.sleep(0.005)

    killer = threading.Thread(target=kill_node_of_first_task)
    killer.start()
    t = time.time()
    try:
        dist = bp.distributed.count(CORPUS, shard_bytes=4 << 20, progress=False)
    finally:
        killer.join()
    assert killed, "no counting task was seen running, no node was killed"
    assert dist == single
    assert sum(1 for n in ray.nodes() if n["Alive"]) == 2, "the killed node is still alive"
    print(f"recovered in {time.time() - t:.1f} s")
