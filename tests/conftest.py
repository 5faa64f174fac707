import os
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"

settings.register_profile(
    "ci", max_examples=int(os.environ.get("BYTEPAIR_MAX_EXAMPLES", "150")), deadline=None
)
settings.load_profile("ci")


def shared_path(*parts: str) -> Path:
    """A file under ../shared/data; skip the test when it is absent (never on CI)."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{p} is missing on CI; ../shared must sit beside the repository")
        pytest.skip(f"{p} not found: ../shared/data is not beside this checkout")
    return p


def run_readme_block(heading: str, tmp_path: Path, monkeypatch) -> dict:
    """Run the README's first python block under ``### heading`` in ``tmp_path``
    (with ../shared/ pointing beside the repository); return its names."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split(f"### {heading}\n\n```python\n", 1)[1].split("\n```", 1)[0]
    block = block.replace("../shared/", str(ROOT.parent / "shared") + "/")
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(block, f"README.md ({heading})", "exec"), scope)
    return scope


def tokens_by_id(tok) -> list[bytes]:
    """A tokenizer's mergeable tokens by id, b"" for a special or unused id."""
    out = []
    for i in range(tok.vocab_size):
        try:
            out.append(b"" if tok._core.is_special(id=i) else tok.token_bytes(i))
        except KeyError:  # an unused id
            out.append(b"")
    return out
