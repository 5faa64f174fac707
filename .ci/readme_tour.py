"""Run the README's tour (the first Python block after "## A tour") in a
fresh temporary directory, as a new user pasting it would."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def tour(readme: Path) -> str:
    text = readme.read_text(encoding="utf-8")
    after = text.split("\n## A tour\n", 1)[1]
    return after.split("```python\n", 1)[1].split("\n```", 1)[0]


def main() -> int:
    code = tour(Path(sys.argv[1]))
    with tempfile.TemporaryDirectory() as d:
        os.chdir(d)
        exec(compile(code, "README.md (A tour)", "exec"), {"__name__": "__main__"})
    print("README tour: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
