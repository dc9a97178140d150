"""Byte-compile spinemet before timing fresh interpreters, as an installed spinemet would be.

``pip install spinemet`` compiles every module to ``__pycache__`` at install time, and an editable
install writes the bytecode on its first import - unless ``PYTHONDONTWRITEBYTECODE`` is set, as on the
machines these benchmarks run on, where every fresh interpreter would compile spinemet's ~150 modules
again (0.1-0.3 s that no user pays). Python still reads bytecode that exists, so compiling once here
measures what users run.
"""

from __future__ import annotations

import compileall
import os
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "spinemet"


def ensure_bytecode() -> str:
    """Compile ``src/spinemet`` (no-op for up-to-date files); returns a line saying so for the output."""
    ok = compileall.compile_dir(SRC, quiet=1)
    note = "PYTHONDONTWRITEBYTECODE is set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "bytecode on"
    return f"spinemet byte-compiled as an installed copy would be ({note}; compileall ok={bool(ok)})"
