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
