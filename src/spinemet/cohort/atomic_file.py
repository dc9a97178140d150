"""Writing a file all or nothing: a ``<name>.part`` sibling renamed over the target when complete.

On any failure or interruption (an exception, Ctrl-C's ``KeyboardInterrupt``, or the ``SystemExit`` that
the CLI raises on SIGTERM) the ``.part`` file is removed and the target is left as it was.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["replacing"]


@contextmanager
def replacing(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield the temporary path to write; it replaces ``path`` atomically when the block succeeds."""
    target = Path(path)
    tmp = target.with_name(target.name + ".part")
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
