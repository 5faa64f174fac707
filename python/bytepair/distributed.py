"""``bytepair.distributed``: count, train and encode on a Ray cluster
(``pip install 'bytepair[ray]'``).

Training splits into an exact map-reduce and a loop that needs only its result:

1. **map**: each Ray task counts one shard with the Rust counter (byte ranges
   of files, cut so every line is counted once and dealt out in turn so every
   shard is an even sample of the corpus; or one block of a Ray Dataset), and
   splits its counts into ``partitions`` parts by a hash of the pre-token that
   is the same on every machine (``Counts.partition``);
2. **reduce**: part ``i`` of every shard is summed by a tree of merge tasks,
   each over at most 8 pieces, so no task holds more than 8 pieces of one
   part at once (with at most 8 shards the driver merges their counts
   itself, in one step);
3. **merge loop**: the driver puts the disjoint sums side by side and trains
   (``bytepair.train``), so the merges are byte-identical to training on one
   machine.

Encoding needs no reduce: each task encodes its documents into its own token
shard, and the driver writes a manifest. Tasks are retried by Ray when a
worker dies (and lost results rebuilt from lineage), and every step is a
pure function of its shard, so a retry gives the same bytes.

>>> import ray, bytepair as bp
>>> ray.init(address="auto")                       # doctest: +SKIP
>>> tok = bp.distributed.train("s3-mounted/corpus/*.txt", 65536)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from . import _core
from ._corpus import is_paths, resolve_paths
from ._counts import Counts
from ._files import atomic_write, digest
from ._optional import numpy
from ._options import DEFAULT_PATTERN, check_int
from ._text import on_texts
from ._tokenizer import Tokenizer

# A counting task gets the corpus over the cluster's CPUs, at least 1 MB and
# at most 256 MB, as ranges of at least 1 MB dealt out in turn (see
# _plan_tasks): one partial count per task (a count to sort, write and merge
# later) and tasks that take about as long as each other. An encoding task
# gets whole files, about a half of a CPU's share.
_MAX_SHARD = 256 << 20
_MIN_SHARD = 1 << 20
_MIN_RANGE = 1 << 20
_RANGES_PER_TASK = 32
# A merge task sums at most this many pieces.
_FETCH = 8

Spec = tuple[str | None, str | None, bool, bool]  # pattern, normalization, lowercase, lines


# ---- driver side -------------------------------------------------------------
def count(
    corpus: Any,
    *,
    pattern: str | None = DEFAULT_PATTERN,
    normalization: str | None = None,
    lowercase: bool = False,
    line_boundaries: bool = False,
    text_column: str = "text",
    shard_bytes: int | None = None,
    partitions: int | None = None,
    min_count: int = 1,
    progress: bool = True,
) -> Counts:
    """Count the pre-tokens of ``corpus`` on the Ray cluster.

    corpus: paths, globs or directories that every node can read at the same
        path (a shared or mounted file system), each line a sequence as in
        ``bytepair.count``; or a ``ray.data.Dataset`` whose ``text_column``
        rows are the sequences.
    shard_bytes: text per map task (default: the corpus over the cluster's
        CPUs, between 1 MB and 256 MB). The files are cut into byte ranges
        dealt out to the tasks in turn, so each task counts a sample of the
        whole corpus.
    partitions: reduce tasks (default: the cluster's CPUs, or none when the
        files make at most 8 shards: the driver then merges their counts).
    min_count: leave out the pre-tokens counted fewer times in all (cut by
        the reducers after the exact sum, so the rest stay exact and never
        reach the driver; ``Counts.pruned`` says what went). For corpora whose
        distinct pre-tokens would not fit the driver; training on the result
        is no longer identical to training on the whole count.

    Equal to ``bytepair.count`` on the same input (same files, or the same
    rows as an iterator of str), whatever the shards and partitions.
    """
    spec = (pattern, normalization, bool(lowercase), bool(line_boundaries))
    (counts,) = _count_specs(
        corpus, [spec], text_column, shard_bytes, partitions, min_count, progress
    )
    return counts


def train(
    corpus: Any,
    vocab_size: int,
    *,
    pattern: str | None = DEFAULT_PATTERN,
    normalization: str | None = None,
    lowercase: bool = False,
    text_column: str = "text",
    shard_bytes: int | None = None,
    partitions: int | None = None,
    min_count: int = 1,
    progress: bool = True,
    **options: Any,
) -> Tokenizer:
    """Count on the cluster, then train on the driver: the merges are those of
    ``bytepair.train`` on the same data (with the default ``min_count=1``; see
    ``count``). ``options`` are ``bytepair.train``'s (special_tokens,
    min_frequency, max_token_length, unit, ...)."""
    from . import _train

    check_int("vocab_size", vocab_size, 1)
    if "max_distinct" in options:
        raise TypeError("distributed counting is exact; max_distinct is not supported here")
    counts = count(
        corpus,
        pattern=pattern,
        normalization=normalization,
        lowercase=lowercase,
        text_column=text_column,
        shard_bytes=shard_bytes,
        partitions=partitions,
        min_count=min_count,
        progress=progress,
    )
    return _train.train(counts, vocab_size, progress=progress, **options)


def train_superbpe(
    corpus: Any,
    vocab_size: int,
    transition: int | float | None = None,
    *,
    stage1_pattern: str | None = "recommended",
    stage2_pattern: str | None = "recommended",
    base: Tokenizer | None = None,
    text_column: str = "text",
    shard_bytes: int | None = None,
    partitions: int | None = None,
    min_count: int = 1,
    progress: bool = True,
    **options: Any,
) -> Tokenizer:
    """SuperBPE with both counts (stage-1 words, stage-2 pieces) made on the
    cluster in one pass over the shards; the curriculum then runs on the
    driver and equals ``bytepair.train_superbpe`` on the same data."""
    from ._superbpe import stage_patterns, train_superbpe

    p1, p2 = stage_patterns(stage1_pattern, stage2_pattern)
    specs: list[Spec] = [(p2, None, False, True)]
    if base is None:
        specs.insert(0, (p1, None, False, False))
    elif not isinstance(base, Tokenizer):
        raise TypeError(f"base must be a bytepair.Tokenizer, not {type(base).__name__}")
    counted = _count_specs(corpus, specs, text_column, shard_bytes, partitions, min_count, progress)
    given = counted[0] if base is not None else tuple(counted)
    return train_superbpe(
        given,
        vocab_size,
        transition,
        stage1_pattern=stage1_pattern,
        stage2_pattern=stage2_pattern,
        base=base,
        progress=progress,
        **options,
    )


def encode(
    corpus: Any,
    tokenizer: Any,
    out_dir: str | os.PathLike,
    *,
    dtype: str = "uint32",
    eot: str | None = None,
    text_column: str = "text",
    shard_bytes: int | None = None,
    progress: bool = True,
) -> dict:
    """Encode ``corpus`` into token shards under ``out_dir``, in parallel.

    Documents are whole files (never split across shards) or Dataset rows.
    Each is encoded as ordinary text, so its ids equal
    ``enc.encode_to_numpy(text, disallowed_special=())`` (``encode_ordinary``);
    ``eot`` names a special token appended after each document.

    Writes ``shard-NNNNN.bin`` (raw little-endian ``dtype`` ids) and
    ``manifest.json``: the tokenizer's sha256, the dtype, and for each shard
    its token count and where each document starts and ends in it. Returns
    the manifest. The tokenizer ships to each worker once, as its vocabulary
    file (``pickle`` of a Tokenizer is its native JSON).
    """
    ray = _ray()
    core = getattr(tokenizer, "_core", None)
    if not isinstance(core, _core.Tokenizer):
        raise TypeError(
            f"tokenizer must be a bytepair.Tokenizer or bytepair.Encoding, "
            f"not {type(tokenizer).__name__}"
        )
    tok = Tokenizer(core)
    core.check_dtype(dtype=dtype)
    eot_id = None
    if eot is not None:
        eot_id = tok.token_to_id(eot)
        if eot_id is None:
            raise KeyError(eot)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok_ref = ray.put(tok)
    jobs: list[tuple[Any, int]] = []  # (result ref, work units for the bar)
    if is_paths(corpus):
        paths = resolve_paths(corpus)
        if any(isinstance(p, tuple) for p in paths):
            raise ValueError("encode takes whole files as documents, not (path, start, end)")
        task = ray.remote(_encode_files)
        for i, group in enumerate(_group_files(paths, _shard_size(ray, paths, shard_bytes))):
            name = f"shard-{i:05d}.bin"
            ref = task.remote(tok_ref, group, str(out / name), dtype, eot)
            jobs.append((ref, sum(os.path.getsize(p) for p in group)))
        unit = "B"
    else:
        task = ray.remote(_encode_block)
        for i, (block, rows) in enumerate(_blocks(corpus, text_column)):
            name = f"shard-{i:05d}.bin"
            ref = task.remote(tok_ref, block, text_column, str(out / name), dtype, eot_id)
            jobs.append((ref, rows))
        unit = "rows"
    shards = _gather(ray, jobs, progress, "encoding", unit)
    row = 0
    for s in shards:  # number Dataset rows across shards, in block order
        for d in s["documents"]:
            if "row" in d:
                d["row"] += row
        row += len(s["documents"])
    manifest = {
        "format": "bytepair-token-shards",
        "version": 1,
        "tokenizer_sha256": digest(core),
        "vocab_size": tok.vocab_size,
        "dtype": dtype,
        "eot_token": eot,
        "tokens": sum(s["tokens"] for s in shards),
        "shards": shards,
    }
    atomic_write(out / "manifest.json", json.dumps(manifest, indent=1).encode())
    return manifest


def read_shards(out_dir: str | os.PathLike) -> list[Any]:
    """The documents of an ``encode`` output as numpy arrays, in order
    (for checks and small corpora; training loaders should memory-map)."""
    np = numpy("bytepair.distributed.read_shards")

    out = Path(out_dir)
    manifest = json.loads((out / "manifest.json").read_text())
    docs = []
    for s in manifest["shards"]:
        ids = np.fromfile(out / s["path"], dtype=manifest["dtype"])
        if len(ids) != s["tokens"]:
            raise ValueError(f"{s['path']}: {len(ids)} tokens, the manifest says {s['tokens']}")
        docs.extend(ids[d["start"] : d["end"]] for d in s["documents"])
    return docs


@contextlib.contextmanager
def local_cluster(
    workers: int = 2,
    cpus_per_worker: int = 1,
    *,
    object_store_bytes: int = 300 << 20,
    connect: bool = True,
    timeout: float = 120.0,
) -> Iterator[str]:
    """A Ray cluster on this machine for trying and testing the distributed
    path: a head node with no CPUs (so every task runs on a worker) and
    ``workers`` worker nodes, each started with ``ray start`` as on real
    machines. Yields the head's address (connected with ``ray.init`` unless
    ``connect=False``); stops exactly these nodes on exit.

    Token authentication follows the environment: set ``RAY_AUTH_MODE=token``
    and ``RAY_AUTH_TOKEN`` before Ray is first imported to use it.
    """
    import shutil
    import signal
    import subprocess
    import sys
    import tempfile
    import time

    ray_cli = shutil.which("ray") or str(Path(sys.executable).with_name("ray"))
    temp_dir = tempfile.mkdtemp(prefix="bpray-")  # short: Ray's socket paths
    port = _free_port()
    address = f"127.0.0.1:{port}"
    store = f"--object-store-memory={object_store_bytes}"

    def start(args: list[str]) -> subprocess.Popen:
        # --block keeps `ray start` as the parent of the node's processes, and
        # its own session lets us stop exactly this node. Nodes sharing a
        # machine need their own agent and metrics ports.
        ports = [
            f"--{name}={_free_port()}"
            for name in (
                "dashboard-agent-listen-port",
                "dashboard-agent-grpc-port",
                "runtime-env-agent-port",
                "metrics-export-port",
            )
        ]
        cmd = [ray_cli, "start", "--block", "--disable-usage-stats", f"--temp-dir={temp_dir}"]
        return subprocess.Popen(
            [*cmd, *ports, store, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=dict(os.environ, RAY_USAGE_STATS_ENABLED="0"),
        )

    def stop(node: subprocess.Popen) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(node.pid, sig)
                node.wait(timeout=15)
                break
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
        _kill_session(node.pid)  # worker processes have process groups of their own

    import ray

    head_args = [
        "--head",
        f"--port={port}",
        "--node-ip-address=127.0.0.1",
        "--num-cpus=0",
        "--include-dashboard=false",
    ]
    nodes = [start(head_args)]
    try:
        deadline = time.time() + timeout
        while True:  # the head is up when a driver can connect
            try:
                ray.init(address=address, log_to_driver=False)
                break
            except ConnectionError:
                if time.time() > deadline or nodes[0].poll() is not None:
                    raise RuntimeError("the Ray head node did not start") from None
                time.sleep(0.5)
        for n in range(1, workers + 1):  # one at a time: each joins before the next
            nodes.append(start([f"--address={address}", f"--num-cpus={cpus_per_worker}"]))
            deadline = time.time() + timeout
            while ray.cluster_resources().get("CPU", 0) < n * cpus_per_worker:
                if time.time() > deadline or nodes[-1].poll() is not None:
                    raise RuntimeError(f"worker {n} did not join: {ray.cluster_resources()}")
                time.sleep(0.5)
        if not connect:
            ray.shutdown()
        yield address
    finally:
        if ray.is_initialized():
            ray.shutdown()
        for node in reversed(nodes):
            stop(node)
        shutil.rmtree(temp_dir, ignore_errors=True)


def _kill_session(sid: int) -> None:
    """SIGKILL every process left in session ``sid`` (a node started by
    ``local_cluster``: its Ray worker processes lead process groups of
    their own, so a signal to the node's group misses them)."""
    import signal

    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.getsid(int(entry)) == sid:
                    os.kill(int(entry), signal.SIGKILL)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray():
    try:
        import ray
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError("bytepair.distributed needs Ray: pip install 'bytepair[ray]'") from e
    if not ray.is_initialized():
        ray.init()  # RAY_ADDRESS, or a cluster on this machine
    return ray


def _count_specs(
    corpus: Any,
    specs: list[Spec],
    text_column: str,
    shard_bytes: int | None,
    partitions: int | None,
    min_count: int,
    progress: bool,
) -> list[Counts]:
    """Map-reduce counting with each spec over the same shards: one Counts per spec."""
    ray = _ray()
    check_int("min_count", min_count, 1)
    if shard_bytes is not None:
        check_int("shard_bytes", shard_bytes, 1)
    if partitions is not None:
        check_int("partitions", partitions, 1)
    for pattern, normalization, lowercase, _ in specs:  # fail on the driver, not in every task
        _core.pretokenize(text="", pattern=pattern)
        _core.normalization_name(normalization=normalization, lowercase=lowercase)
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    reducers = min(64, cpus)
    jobs: list[tuple[Any, int]] = []
    if is_paths(corpus):
        files = resolve_paths(corpus)
        shards = _plan_tasks(files, shard_bytes, cpus)
        if partitions is None:  # no reduce round for a few shards (see below)
            partitions = 1 if len(shards) <= _FETCH else reducers
        task = ray.remote(_count_files).options(num_returns=partitions * len(specs))
        for shard in shards:
            refs = task.remote(shard, specs, partitions)
            jobs.append((refs, sum(e - s for _, s, e in shard)))
        unit = "B"
    else:
        # Blocks arrive as the Dataset runs, so their number is not known yet.
        partitions = partitions or reducers
        task = ray.remote(_count_block).options(num_returns=partitions * len(specs))
        for block, rows in _blocks(corpus, text_column):
            jobs.append((task.remote(block, text_column, specs, partitions), rows))
        unit = "rows"
    if not jobs:
        raise ValueError("the corpus is empty: no shard to count")
    outs = [r if isinstance(r, list) else [r] for r, _ in jobs]
    firsts = [(o[0], w) for o, (_, w) in zip(outs, jobs, strict=True)]
    _wait(ray, firsts, progress, "counting", unit)
    n = partitions * len(specs)  # pieces per shard: each spec's parts in turn
    if len(outs) <= _FETCH:
        # A few shards: the driver merges their pieces itself, in one k-way
        # merge per spec, holding no more than a reducer would; a reduce
        # round would cost a second round of tasks and copies (0.1-0.2 s on
        # the benchmark corpus).
        pieces = ray.get([ref for o in outs for ref in o])
        sums = [pieces[k::n] for k in range(n)]
        cut = [(0, 0)] * n
    else:
        # A tree of merges per part, each over at most _FETCH pieces passed
        # as task arguments: Ray fetches them before the task starts (no task
        # waits on another while holding a CPU, which deadlocked a one-CPU
        # cluster when a lost node's shards had to be counted again) and
        # rebuilds lost pieces from lineage. The root of each part makes the
        # min_count cut.
        merge = ray.remote(_merge_pieces)
        root = ray.remote(_merge_part).options(num_returns=2)
        roots = []
        for k in range(n):
            level = [o[k] for o in outs]
            while len(level) > _FETCH:
                level = [merge.remote(*level[i : i + _FETCH]) for i in range(0, len(level), _FETCH)]
            roots.append(root.remote(min_count, *level))
        sums = [[blob] for blob in ray.get([blob for blob, _ in roots])]
        cut = ray.get([dropped for _, dropped in roots])
    # Each spec's parts are disjoint sorted lists: summing them is a merge
    # (and the min_count cut, where the roots have not made it yet).
    return [
        Counts(
            _core.Counts.sum_bytes(
                blobs=[blob for part in sums[s : s + partitions] for blob in part],
                min_count=min_count,
                dropped=tuple(sum(d[i] for d in cut[s : s + partitions]) for i in (0, 1)),
            )
        )
        for s in range(0, n, partitions)
    ]


def _shard_size(ray, paths: Sequence[str], shard_bytes: int | None) -> int:
    """Bytes of whole files per encoding task."""
    if shard_bytes is not None:
        return shard_bytes
    total = sum(os.path.getsize(p) for p in paths)
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    return max(_MIN_SHARD, min(_MAX_SHARD, total // (2 * cpus) + 1))


def _plan_tasks(
    files: Sequence[Any], task_bytes: int | None, cpus: int
) -> list[list[tuple[str, int, int]]]:
    """Byte ranges for about ``total / task_bytes`` counting tasks (default:
    rounds of one task per CPU, each task 1-256 MB), dealt out in turn. The
    files, end to end, are cut into windows of equal size, about
    ``_RANGES_PER_TASK`` per task, and window ``w`` goes to task ``w mod n``:
    every task counts an even sample of the whole corpus and takes about as
    long as the others (cut in file order, the task that got the many-scripts
    files ran 1.6x as long as the one that got English), and it ships one
    partial count for all its ranges."""
    spans = []
    for f in files:
        path, start, end = f if isinstance(f, tuple) else (f, 0, os.path.getsize(f))
        end = min(end, os.path.getsize(path))
        if start < end:
            spans.append((path, start, end))
    total = sum(e - s for _, s, e in spans)
    if task_bytes is None:  # a whole number of rounds of one task per CPU
        rounds = max(1, -(-total // (cpus * _MAX_SHARD)))
        task_bytes = max(_MIN_SHARD, -(-total // (rounds * cpus)))
    n = max(1, -(-total // task_bytes))
    window = max(_MIN_RANGE, -(-total // (n * _RANGES_PER_TASK)))
    tasks: list[list[tuple[str, int, int]]] = [[] for _ in range(n)]
    offset = 0  # where the current span starts in the files end to end
    for path, start, end in spans:
        while start < end:
            take = min(end - start, window - offset % window)
            tasks[(offset // window) % n].append((path, start, start + take))
            start += take
            offset += take
    return [t for t in tasks if t]


def _group_files(paths: Sequence[str], shard_bytes: int) -> list[list[str]]:
    """Whole files in order, grouped until a group reaches ``shard_bytes``."""
    groups: list[list[str]] = []
    current: list[str] = []
    filled = 0
    for p in paths:
        current.append(p)
        filled += os.path.getsize(p)
        if filled >= shard_bytes:
            groups.append(current)
            current, filled = [], 0
    if current:
        groups.append(current)
    return groups


def _blocks(dataset: Any, text_column: str) -> Iterable[tuple[Any, int]]:
    """(block ref, rows) of a Ray Dataset, in order, as they are produced."""
    try:
        from ray.data import Dataset
    except ImportError as e:  # pragma: no cover
        raise ImportError("a Ray Dataset corpus needs ray[data]") from e
    if not isinstance(dataset, Dataset):
        raise TypeError(
            f"corpus must be paths or a ray.data.Dataset, not {type(dataset).__name__} "
            "(for an in-memory iterable use bytepair.count or bytepair.train)"
        )
    names = dataset.columns()
    if text_column not in names:
        raise KeyError(f"the dataset has no column {text_column!r} (columns: {names})")
    for bundle in dataset.iter_internal_ref_bundles():
        for ref, meta in zip(bundle.block_refs, bundle.metadata, strict=True):
            yield ref, meta.num_rows or 0


def _wait(ray, jobs: list[tuple[Any, int]], progress: bool, what: str, unit: str) -> None:
    """Wait for every job's ref (without fetching it), with a progress bar
    over the jobs' weights. A task's error surfaces where its result is read."""
    bar = _bar(progress, sum(w for _, w in jobs), what, unit)
    weight = {ref: w for ref, w in jobs}
    pending = list(weight)
    while pending:
        done, pending = ray.wait(pending, num_returns=1, timeout=0.5, fetch_local=False)
        for ref in done:
            bar(weight[ref])
    bar(None)


def _gather(ray, jobs: list[tuple[Any, int]], progress: bool, what: str, unit: str) -> list:
    _wait(ray, jobs, progress, what, unit)
    return ray.get([r for r, _ in jobs])


def _bar(progress: bool, total: int, what: str, unit: str) -> Callable[[int | None], None]:
    """A tqdm bar on stderr (if tqdm is installed and progress is on): call
    with a step, then with None to close."""
    if not progress:
        return lambda _: None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover
        return lambda _: None
    scale = unit == "B"
    bar = tqdm(total=total, desc=what, unit=unit, unit_scale=scale, unit_divisor=1024)

    def step(n: int | None) -> None:
        if n is None:
            bar.close()
        else:
            bar.update(n)

    return step


# ---- task side (run in Ray workers) -------------------------------------------
def _task_threads() -> int:
    """The CPUs Ray gave this task: the counter uses that many threads."""
    import ray

    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
    return max(1, int(cpus))


def _count_files(shard: list[tuple[str, int, int]], specs: list[Spec], partitions: int):
    return _count_parts({"files": shard}, specs, partitions)


def _count_parts(source: dict[str, Any], specs: list[Spec], partitions: int) -> Any:
    """Each spec's counts of ``source`` (``files=`` or ``texts=``), split into
    ``partitions`` byte strings."""
    threads = _task_threads()
    blobs = [
        b
        for pattern, normalization, lowercase, lines in specs
        for b in _core.count_parts(
            pattern=pattern,
            normalization=normalization,
            lowercase=lowercase,
            line_boundaries=lines,
            parts=partitions,
            num_threads=threads,
            **source,
        )
    ]
    return blobs[0] if len(blobs) == 1 else blobs


def _texts(block: Any, text_column: str) -> list[str]:
    from ray.data.block import BlockAccessor

    table = BlockAccessor.for_block(block).to_arrow()
    return table.column(text_column).to_pylist()


def _count_block(block: Any, text_column: str, specs: list[Spec], partitions: int):
    return _count_parts({"texts": _texts(block, text_column)}, specs, partitions)


def _merge_pieces(*pieces: bytes) -> bytes:
    """The sum of a few pieces of one part (a node of the merge tree)."""
    blob, _, _ = _core.sum_count_bytes(blobs=list(pieces), min_count=1)
    return blob


def _merge_part(min_count: int, *pieces: bytes) -> tuple[bytes, tuple[int, int]]:
    """The whole sum of one part, less what was counted fewer than
    ``min_count`` times (exact: the part is complete); and the (distinct,
    occurrences) cut."""
    blob, distinct, occurrences = _core.sum_count_bytes(blobs=list(pieces), min_count=min_count)
    return blob, (distinct, occurrences)


def _encode_files(tok: Tokenizer, paths: list[str], out: str, dtype: str, eot: str | None):
    n, offsets = tok.encode_files(paths, out, dtype=dtype, eot=eot, progress=False)
    return {
        "path": os.path.basename(out),
        "tokens": n,
        "documents": [
            {"source": p, "start": offsets[i], "end": offsets[i + 1]} for i, p in enumerate(paths)
        ],
    }


def _encode_block(
    tok: Tokenizer, block: Any, text_column: str, out: str, dtype: str, eot_id: int | None
):
    np = numpy("bytepair.distributed.encode")
    texts = _texts(block, text_column)
    flat, offsets = on_texts(
        tok._core.encode_flat, texts, allowed=[], disallowed=[], num_threads=_task_threads()
    )
    if eot_id is not None:
        flat = np.insert(flat, offsets[1:].astype(np.int64), eot_id)
        offsets = offsets + np.arange(len(offsets), dtype=offsets.dtype)
    # Write beside the final name and rename, as encode_files does: a retry
    # after a killed attempt overwrites the partial file.
    partial = Path(out).with_suffix(".partial")
    flat.astype(dtype).tofile(partial)
    os.replace(partial, out)
    return {
        "path": os.path.basename(out),
        "tokens": int(len(flat)),
        "documents": [
            {"row": i, "start": int(offsets[i]), "end": int(offsets[i + 1])}
            for i in range(len(texts))
        ],
    }
