"""Files replaced whole: a reader sees the old content or the new one, never half of either."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_atomically"]


def write_atomically(path: Path, content: str) -> None:
    """Write ``content`` to ``path`` through a synced temporary file and ``os.replace``.

    The file keeps its permissions; a new one is readable by all (0644), not private
    as a temporary file is.
    """
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    ) as temporary:
        try:
            temporary.write(content)
            temporary.flush()
            os.fsync(temporary.fileno())
            os.chmod(temporary.name, mode)
            os.replace(temporary.name, path)
        except BaseException:
            os.unlink(temporary.name)
            raise
