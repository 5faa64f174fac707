"""Checkpointed and resumed training: ``train(checkpoint=, resume=)``.

A ``.bpckpt`` file holds what a run trains on (its counts), the trainer's
settings, a fingerprint of the corpus, and the merges made so far (the format
and how a run resumes are in the core: ``io/checkpoint.rs``,
``train/journal.rs``). Here is the policy: which settings are recorded, and
the check that a corpus or settings passed with ``resume=`` are the
checkpoint's.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from typing import Any

from . import _core
from ._options import check_int

#: Merges between checkpoints unless given.
DEFAULT_CHECKPOINT_EVERY = 1000


def fingerprint(source: dict[str, Any]) -> dict[str, Any]:
    """What a corpus handed to the core was: files with their sizes and
    modification times, counts with a digest of their bytes, or an iterator
    (which cannot be checked again)."""
    if "files" in source:
        files = []
        for entry in source["files"]:
            path = entry[0] if isinstance(entry, tuple) else entry
            st = os.stat(path)
            rng = list(entry[1:]) if isinstance(entry, tuple) else None
            files.append([os.path.abspath(path), rng, st.st_size, st.st_mtime_ns])
        return {"files": files}
    if "counts" in source:
        return {"counts": [hashlib.sha256(c.to_bytes()).hexdigest() for c in source["counts"]]}
    return {"iterator": True}


def _describe_difference(given: Any, stored: Any) -> str:
    if isinstance(given, dict) and isinstance(stored, dict):
        names = [k for k in sorted(set(given) | set(stored)) if given.get(k) != stored.get(k)]
        return "; ".join(
            f"{k} is {given.get(k)!r} here and {stored.get(k)!r} in the checkpoint" for k in names
        )
    return f"{given!r} here, {stored!r} in the checkpoint"


def _check_source(path: str, given: dict[str, Any], stored: dict[str, Any]) -> None:
    if "iterator" in given:
        raise _core.CheckpointMismatchError(
            f"{path}: an iterator cannot be checked against the checkpoint's corpus; pass "
            "resume= alone (the checkpoint holds the counts)"
        )
    if given == stored:
        return
    if "files" in given and "files" in stored:
        old = {f[0]: f for f in stored["files"]}
        for f in given["files"]:
            if f[0] not in old:
                raise _core.CheckpointMismatchError(
                    f"{path}: the corpus has {f[0]}, which the checkpoint's corpus did not"
                )
            if f != old[f[0]]:
                raise _core.CheckpointMismatchError(
                    f"{path}: {f[0]} changed since the checkpoint was written "
                    f"({f[2]:,} bytes now, {old[f[0]][2]:,} then, or a new modification time)"
                )
        raise _core.CheckpointMismatchError(
            f"{path}: the corpus is not the checkpoint's: {len(given['files'])} file(s) "
            f"here, {len(stored['files'])} in the checkpoint"
        )
    raise _core.CheckpointMismatchError(
        f"{path}: the corpus is not the one the checkpoint was made from "
        f"({next(iter(given))} here, {next(iter(stored))} in the checkpoint)"
    )


def run(
    kind: str,
    core_train: Callable[..., Any],
    settings: dict[str, Any] | None,
    source: dict[str, Any] | None,
    *,
    checkpoint: str | os.PathLike | None,
    checkpoint_every: int,
    resume: str | os.PathLike | _core.Checkpoint | None,
    **call: Any,
) -> Any:
    """Call ``core_train`` (a ``_core.train*`` function) with ``settings``
    and the corpus ``source``, checkpointing to ``checkpoint`` or resuming
    ``resume``. With ``resume``, ``settings`` and ``source`` are None or must
    be the checkpoint's. ``call`` is what a run may change (threads, progress)."""
    check_int("checkpoint_every", checkpoint_every, 1)
    if resume is not None:
        if (
            checkpoint is not None
            and not isinstance(resume, _core.Checkpoint)
            and (os.fspath(checkpoint) != os.fspath(resume))
        ):
            raise ValueError("resume= continues its own checkpoint; checkpoint= must be the same")
        if isinstance(resume, _core.Checkpoint):
            ckpt, path = resume, "the checkpoint"  # read by resume_alone
        else:
            path = os.fspath(resume)
            ckpt = _core.read_checkpoint(path=path)
        if ckpt.kind != kind:
            raise _core.CheckpointMismatchError(
                f"{path} is a checkpoint of {ckpt.kind!r} training, not of {kind!r}"
            )
        stored = json.loads(ckpt.settings)
        if settings is not None and settings != stored:
            raise _core.CheckpointMismatchError(
                f"{path}: the settings differ: {_describe_difference(settings, stored)}"
            )
        if source is not None:
            _check_source(path, fingerprint(source), json.loads(ckpt.source))
        return core_train(**stored, **call, resume=ckpt)
    assert settings is not None and source is not None
    if checkpoint is None:
        return core_train(**settings, **source, **call)
    header = json.dumps(
        {
            "kind": kind,
            "settings": settings,
            "source": fingerprint(source),
            "every": checkpoint_every,
        }
    )
    return core_train(
        **settings,
        **source,
        **call,
        checkpoint=os.fspath(checkpoint),
        checkpoint_header=header,
    )


def resume_alone(
    kind: str,
    core_train: Callable[..., Any],
    resume: str | os.PathLike,
    checkpoint: str | os.PathLike | None,
    **call: Any,
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """``train(resume=path)`` and the like: the run as the checkpoint records
    it. Returns what ``core_train`` does and the recorded settings."""
    if checkpoint is not None and os.fspath(checkpoint) != os.fspath(resume):
        raise ValueError("resume= continues its own checkpoint; checkpoint= must be the same")
    ckpt = _core.read_checkpoint(path=os.fspath(resume))
    settings = json.loads(ckpt.settings)
    core, report = run(
        kind,
        core_train,
        None,
        None,
        checkpoint=None,
        checkpoint_every=DEFAULT_CHECKPOINT_EVERY,
        resume=ckpt,
        **call,
    )
    return core, report, settings


def only_resume(corpus: Any, vocab_size: Any, resume: Any, name: str) -> bool:
    """Is this call ``name(resume=path)`` alone? Anything else needs both a
    corpus and a vocab_size."""
    if corpus is not None and vocab_size is not None:
        return False
    if resume is None or corpus is not None or vocab_size is not None:
        raise TypeError(f"{name}() needs a corpus and a vocab_size (or resume= alone)")
    return True


def stages(path: str | os.PathLike) -> list[tuple[int, bool]]:
    """``(merges logged, stopped)`` for each stage a checkpoint has begun."""
    return list(_core.read_checkpoint(path=os.fspath(path)).stages)
