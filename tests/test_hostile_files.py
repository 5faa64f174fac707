"""Hostile and corrupt files (issue 8, part 3). Valid files of each format
(tiktoken ranks, GPT-2's two files, HF tokenizer.json, native JSON, .bpcounts)
are mutated: bit flips, truncation, duplicated and gapped ranks, oversize
entries, a merge whose result is missing, catastrophic regexes. Each either
loads and round-trips or raises a ValueError subclass, within a second, with
memory bounded by a small multiple of the file size. The cases run in one
child process that reports its time per case and its peak memory."""

from __future__ import annotations

import base64
import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import bytepair as bp
from bytepair.byte_level import bytes_to_unicode

SAMPLE = (Path(bp.__file__).parent / "data" / "sample.txt").read_text(encoding="utf-8")


def _valid_files(tmp: Path) -> dict[str, Path]:
    tok = bp.train(iter([SAMPLE]), 1000, pattern="gpt2", progress=False)
    files = {}
    files["tiktoken"] = tmp / "v.tiktoken"
    tok.to_tiktoken(files["tiktoken"])
    files["hf"] = tmp / "tokenizer.json"
    files["hf"].write_text(tok.to_huggingface_json())
    files["native"] = tmp / "native.json"
    tok.save(files["native"])
    hf = json.loads(tok.to_huggingface_json())
    (tmp / "encoder.json").write_text(json.dumps(hf["model"]["vocab"]))
    merges = [m if isinstance(m, str) else " ".join(m) for m in hf["model"]["merges"]]
    files["gpt2"] = tmp / "vocab.bpe"
    files["gpt2"].write_text("#version: 0.2\n" + "\n".join(merges) + "\n")
    files["counts"] = bp.count(iter([SAMPLE]), progress=False).save(tmp / "c.bpcounts")
    return files


def _mutations(data: bytes, rng: random.Random) -> list[tuple[str, bytes]]:
    out = []
    for i in range(25):
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        out.append((f"flip{i}", bytes(b)))
    for k in range(1, 20):
        out.append((f"cut{k}", data[: len(data) * k // 20]))
    lines = data.split(b"\n")
    for i in range(5):
        j = rng.randrange(len(lines))
        out.append((f"dupline{i}", b"\n".join(lines[: j + 1] + lines[j:])))
        out.append((f"dropline{i}", b"\n".join(lines[:j] + lines[j + 1 :])))
    out.append(("empty", b""))
    out.append(("garbage", bytes(rng.randrange(256) for _ in range(4096))))
    return out


def _special_cases() -> list[tuple[str, str, bytes]]:
    b2u = bytes_to_unicode()
    base = [f"{base64.b64encode(bytes([b])).decode()} {b}" for b in range(256)]
    vocab = {b2u[b]: b for b in range(256)}

    def hf(model_vocab, merges, pre=None):
        return json.dumps(
            {
                "added_tokens": [],
                "normalizer": None,
                "pre_tokenizer": pre
                or {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True},
                "model": {"type": "BPE", "vocab": model_vocab, "merges": merges},
            }
        ).encode()

    def split(regex):
        return {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": regex}, "behavior": "Isolated"},
                {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False},
            ],
        }

    big = base64.b64encode(b"a" * 4_000_000).decode()
    return [
        ("tiktoken", "duplicated rank", "\n".join([*base, "YWI= 256", "YWJj 256"]).encode()),
        ("tiktoken", "duplicated token", "\n".join([*base, "YWI= 256", "YWI= 257"]).encode()),
        ("tiktoken", "gapped ranks", "\n".join([*base, "YWI= 300"]).encode()),
        ("tiktoken", "rank near 2^26", "\n".join([*base, "YWI= 67108863"]).encode()),
        ("tiktoken", "rank beyond u32", "\n".join([*base, "YWI= 99999999999"]).encode()),
        ("tiktoken", "missing byte", "\n".join(base[1:]).encode()),
        ("tiktoken", "4 MB token", "\n".join([*base, f"{big} 256"]).encode()),
        (
            "tiktoken",
            "nested long tokens",
            "\n".join(
                [*base]
                + [f"{base64.b64encode(b'a' * n).decode()} {254 + n}" for n in range(2, 2500)]
            ).encode(),
        ),
        ("hf", "merge result missing", hf(dict(vocab), ["a b"])),
        ("hf", "merge of unknown tokens", hf({**vocab, "ab": 256}, ["a zz"])),
        ("hf", "id far beyond the vocab", hf({**vocab, "ab": 10**9}, ["a b"])),
        ("hf", "repeated id", hf({**vocab, "ab": 255}, ["a b"])),
        ("hf", "catastrophic (a+)+$", hf({**vocab, "ab": 256}, ["a b"], split("(a+)+$"))),
        ("hf", "unbounded lookahead", hf({**vocab, "ab": 256}, ["a b"], split("(?=(a+)+b)a"))),
        ("hf", "backreference", hf({**vocab, "ab": 256}, ["a b"], split(r"(a|aa)+\1"))),
        ("hf", "deep JSON nesting", b"[" * 100_000 + b"]" * 100_000),
        ("counts", "claims 10^12 entries", b"BPCOUNTS\x01\x00\x00\x00" + b"\xff" * 40),
    ]


CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import bytepair as bp

    def status(key):
        for line in open("/proc/self/status"):
            if line.startswith(key):
                return int(line.split()[1]) * 1024

    def reset_peak():
        # Linux: writing 5 to clear_refs resets VmHWM to the current RSS.
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return status("VmRSS")

    PROBE = "hello world, " + "a" * 20000 + "c  \\u6771\\u4eac 123\\n"

    def load(fmt, path, data):
        path.write_bytes(data)
        if fmt == "tiktoken":
            return bp.Tokenizer.from_tiktoken(path, pattern="gpt2")
        if fmt == "hf":
            return bp.Tokenizer.from_huggingface(path)
        if fmt == "native":
            return bp.Tokenizer.load(path)
        if fmt == "gpt2":
            return bp.Tokenizer.from_gpt2_files(path.with_name("encoder.json"), path)
        return bp.Counts.load(path)

    cases = json.load(open(sys.argv[1]))
    work = Path(sys.argv[2])
    worst = {"seconds": 0.0, "case": ""}
    results = []
    for fmt, name, hexdata in cases:
        data = bytes.fromhex(hexdata)
        base = reset_peak()
        t = time.perf_counter()
        obj = None
        try:
            obj = load(fmt, work / ("vocab.bpe" if fmt == "gpt2" else f"f.{fmt}"), data)
            outcome = "loaded"
            if isinstance(obj, bp.Tokenizer):
                ids = obj.encode(PROBE)
                assert obj.decode(ids) == PROBE, name
        except ValueError as e:
            outcome = "ValueError"
        except BaseException as e:
            outcome = f"{type(e).__name__}: {e}"
        dt = time.perf_counter() - t
        if dt > worst["seconds"]:
            worst = {"seconds": dt, "case": f"{fmt} {name}"}
        del obj
        results.append([fmt, name, outcome, dt, status("VmHWM") - base, len(data)])
    print(json.dumps({"results": results, "worst": worst}))
    """
)


def test_mutated_and_hostile_files_load_or_raise_value_error_quickly(tmp_path):
    files = _valid_files(tmp_path)
    rng = random.Random(8)
    cases = []
    for fmt, path in files.items():
        cases.append((fmt, "valid", path.read_bytes().hex()))
        cases += [(fmt, n, d.hex()) for n, d in _mutations(path.read_bytes(), rng)]
    cases += [(fmt, name, data.hex()) for fmt, name, data in _special_cases()]
    spec = tmp_path / "cases.json"
    spec.write_text(json.dumps(cases))
    work = tmp_path / "work"
    work.mkdir()
    (work / "encoder.json").write_bytes((tmp_path / "encoder.json").read_bytes())
    r = subprocess.run(
        [sys.executable, "-c", CHILD, str(spec), str(work)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    report = json.loads(r.stdout)
    bad = [x for x in report["results"] if x[2] not in ("loaded", "ValueError")]
    assert not bad, bad
    slow = [x for x in report["results"] if x[3] > 1.0]
    assert not slow, slow
    loaded = {x[1] for x in report["results"] if x[2] == "loaded" and x[1] == "valid"}
    assert loaded == {"valid"}, "the valid files must load"
    assert sum(x[2] == "ValueError" for x in report["results"]) > 100
    # Memory: the peak during each case, over the RSS before it, is within
    # ten times the file's size plus a fixed 16 MB (thread pools, tables).
    heavy = [x for x in report["results"] if x[4] > 10 * x[5] + (16 << 20)]
    assert not heavy, heavy
    most = max(report["results"], key=lambda x: x[4])
    print(
        f"hostile files: {len(cases)} cases; slowest {report['worst']}; "
        f"largest peak growth {most[4] / 1e6:.1f} MB for a {most[5] / 1e6:.1f} MB file "
        f"({most[0]} {most[1]})"
    )
