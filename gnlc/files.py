"""Writing the files the user asked for: whole or not at all, with a clear error."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from gnlc.errors import InputError


@contextmanager
def output(path: Path, mode: str = "w", **options: Any) -> Iterator[IO[Any]]:
    """Open ``path`` for writing through a temporary file beside it, renamed into place at the
    end: a full disk or a crash leaves the old file (or none), never half of a new one.
    An OSError becomes an InputError naming the file and the reason."""
    path = Path(path)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        os.chmod(tmp, 0o666 & ~_umask())  # as an ordinary new file would be (mkstemp makes it private)
        with os.fdopen(fd, mode, **options) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise InputError(f"{path}: cannot write the file: {exc.strerror or exc}") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def write_bytes(path: Path, data: bytes) -> Path:
    with output(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def write_text(path: Path, text: str) -> Path:
    with output(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    return Path(path)
