"""The seam between Python and the core, and the package's own shape: no
import cycles, every call into ``_core`` keyword-only and as its stub says,
a package that works with no third-party module installed, and defaults
that are never mistaken for what the caller asked."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import bytepair as bp
import pytest
from bytepair import _core

PACKAGE = Path(bp.__file__).parent


# ---- import cycles -----------------------------------------------------------
def _modules() -> dict[str, Path]:
    found = {"bytepair": PACKAGE / "__init__.py"}
    for p in sorted(PACKAGE.glob("*.py")):
        if p.name != "__init__.py":
            found[f"bytepair.{p.stem}"] = p
    return found


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """Every bytepair module that ``module`` imports, at the top or inside a
    function, a class or an ``if TYPE_CHECKING`` block alike."""
    package = "bytepair"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = f"{package}.{node.module}" if node.module else package
            else:
                base = node.module or ""
            # `from . import x` names module x; `from .x import y` names x
            # (and y, if y is a module of x's).
            names = [f"{base}.{a.name}" for a in node.names]
            if node.module:
                names.append(base)
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                out.add(name)
    return out


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` as a list of nodes (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for d in sorted(graph.get(n, ())):
            if state.get(d) == 1:
                return [*stack[stack.index(d) :], d]
            if d not in state and (cycle := visit(d)):
                return cycle
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (cycle := visit(n)):
            return cycle
    return None


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_module_of_the_package_imports_one_that_imports_it():
    modules = _modules()
    known = set(modules) | {"bytepair._core"}
    graph = {m: _imports(m, p, known) for m, p in modules.items()}
    # The graph is read as meant: a few edges that must be there.
    assert "bytepair._counts" in graph["bytepair._train"]
    assert "bytepair._tokenizer" in graph["bytepair.registry"]
    assert "bytepair._core" in graph["bytepair._tokenizer"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


# ---- the calls into _core ----------------------------------------------------
def _parameters(obj) -> list[tuple[str, str]]:
    """(name, kind) of a built-in's parameters, from its text signature."""
    assert obj.__text_signature__, f"{obj!r} has no text signature"
    sig = inspect.signature(obj)
    return [(p.name, p.kind.name) for p in sig.parameters.values() if p.name != "self"]


def _core_callables():
    for name, obj in vars(_core).items():
        if name.startswith("__") or isinstance(obj, type):
            continue
        if callable(obj):
            yield name, obj
    for cls in (_core.Tokenizer, _core.Counts, _core.Checkpoint, _core.MixtureReplay):
        for name, obj in vars(cls).items():
            if name.startswith("__") or not callable(obj):
                continue
            yield f"{cls.__name__}.{name}", getattr(cls, name)


def test_every_call_into_core_is_keyword_only():
    seen = 0
    for name, obj in _core_callables():
        params = _parameters(obj)
        positional = [p for p, kind in params if kind != "KEYWORD_ONLY"]
        assert not positional, f"_core.{name} takes {positional} by position"
        seen += 1
    assert seen > 40


def _stub() -> dict[str, list[str]]:
    """Function and method names of ``_core.pyi`` with their parameters."""
    tree = ast.parse((PACKAGE / "_core.pyi").read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}

    def params(f: ast.FunctionDef) -> list[str]:
        assert not [a.arg for a in f.args.args if a.arg != "self"], f"{f.name}: positional"
        return [a.arg for a in f.args.kwonlyargs]

    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            out[node.name] = params(node)
        elif isinstance(node, ast.ClassDef):
            for f in node.body:
                if isinstance(f, ast.FunctionDef) and not f.name.startswith("__"):
                    is_property = any(
                        isinstance(d, ast.Name) and d.id == "property" for d in f.decorator_list
                    )
                    out[f"{node.name}.{f.name}"] = ["<property>"] if is_property else params(f)
    return out


def test_the_stub_matches_the_module():
    stub = _stub()
    built = {name: [p for p, _ in _parameters(obj)] for name, obj in _core_callables()}
    for cls in (_core.Tokenizer, _core.Counts, _core.Checkpoint, _core.MixtureReplay):
        for name, obj in vars(cls).items():
            if type(obj).__name__ == "getset_descriptor":
                built[f"{cls.__name__}.{name}"] = ["<property>"]
    assert stub == built


# ---- a bare install ------------------------------------------------------------
def test_the_package_works_without_numpy(tmp_path):
    """numpy blocked: import, train, count, encode, save and the CLI's sample
    run work; what needs numpy says which extra to install."""
    script = textwrap.dedent(
        """
        import sys
        sys.modules["numpy"] = None  # any import of numpy now fails
        import bytepair as bp
        from bytepair import cli

        tok = bp.train(bp.sample_corpus(), 400, progress=False)
        assert tok.decode(tok.encode("The sample.")) == "The sample."
        counts = bp.count(bp.sample_corpus(), progress=False)
        assert bp.train(counts, 400, progress=False).merges == tok.merges
        tok.save("t.json")
        assert bp.Tokenizer.load("t.json").merges == tok.merges
        enc = bp.get_encoding("cl100k_base")
        assert enc.encode("hello world") == [15339, 1917]
        assert cli.main(["train", "-q"]) == 0
        for call, extra in (
            (lambda: enc.encode_to_numpy("hi"), "bytepair[numpy]"),
            (lambda: bp.dynamic.merge_batch([[1, 2]], enc), "bytepair[numpy]"),
            (lambda: tok.stats(["a b"]), "bytepair[numpy]"),
        ):
            try:
                call()
            except ImportError as e:
                assert extra in str(e), e
            else:
                raise AssertionError("numpy was not needed?")
        assert "numpy" not in [m for m in sys.modules if sys.modules[m] is not None]
        print("ok")
        """
    )
    r = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "ok"


# ---- defaults are not sentinels ------------------------------------------------
def test_a_pattern_given_with_counts_must_be_the_counts_pattern():
    counts = bp.count(bp.sample_corpus(), pattern="gpt2", progress=False)
    # Unset: the counts' own pattern.
    assert bp.train(counts, 300, progress=False).pattern == "gpt2"
    # "gpt4" is the default for text, but given explicitly it is a request.
    with pytest.raises(bp.BytepairError, match="pattern='gpt2', not pattern='gpt4'"):
        bp.train(counts, 300, pattern="gpt4", progress=False)
    with pytest.raises(bp.BytepairError, match="normalization"):
        bp.train(counts, 300, normalization="NFKC", progress=False)
    lowered = bp.count(bp.sample_corpus(), pattern="gpt2", lowercase=True, progress=False)
    with pytest.raises(bp.BytepairError, match="normalization"):
        bp.train(lowered, 300, lowercase=False, progress=False)
    assert bp.train(lowered, 300, lowercase=True, progress=False).encode("THE") == (
        bp.train(lowered, 300, progress=False).encode("the")
    )


def test_a_superbpe_pattern_given_with_counts_must_be_the_counts_pattern():
    words = bp.count(bp.sample_corpus(), pattern="gpt4", progress=False)
    pieces = bp.count(
        bp.sample_corpus(), pattern="superbpe-digits", line_boundaries=True, progress=False
    )
    tok = bp.train_superbpe((words, pieces), 600, 100, progress=False)
    assert tok.pattern == "superbpe-digits" and tok.curriculum["stage1_pattern"] == "gpt4"
    # "recommended" is the default for text, but given explicitly it is a request.
    with pytest.raises(bp.BytepairError, match="not stage1_pattern='superbpe-stage1'"):
        bp.train_superbpe((words, pieces), 600, 100, stage1_pattern="recommended")
    with pytest.raises(bp.BytepairError, match="not stage2_pattern='superbpe'"):
        bp.train_superbpe((words, pieces), 600, 100, stage2_pattern="recommended")


def test_the_readme_tour_runs():
    from conftest import ROOT

    r = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "readme_tour.py"), str(ROOT / "README.md")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "README tour: ok"
