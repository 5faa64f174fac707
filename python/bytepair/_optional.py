"""Optional dependencies: imported where used, with an error that names the
extra to install when one is missing."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, extra: str, what: str) -> ModuleType:
    """Import ``module`` for ``what``, or raise ImportError naming ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(
            f"{what} needs {module.split('.')[0]}: pip install 'bytepair[{extra}]'"
        ) from e


def numpy(what: str) -> ModuleType:
    return require("numpy", "numpy", what)
