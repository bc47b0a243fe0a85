"""Writing a file so that a power cut leaves the old content or the new one, never half of it."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, mode: int | None = None) -> Path:
    """Writes `data` (str: UTF-8, no newline translation) to `path`: a temporary file in the same
    folder, flushed and fsynced, renamed over `path` (os.replace), then the folder fsynced so the
    rename itself survives a power cut. A symlink stays a symlink: its target is replaced.

    `mode`: the file's permissions (0o600 for secrets); None keeps an existing file's, 0o666 for
    a new one (both less the umask). Raises OSError; the temporary file is removed and `path` is
    untouched then. Returns the path written (the symlink's target)."""
    real = Path(os.path.realpath(path))
    if mode is None:
        try:
            mode = real.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666
    payload = data.encode("utf-8") if isinstance(data, str) else data
    # a name of its own: two writers never share a temporary file
    tmp = real.with_name(f".{real.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, real)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(real.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return real
