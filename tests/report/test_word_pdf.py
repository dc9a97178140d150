"""The Word report rendered to PDF by LibreOffice (as an editor or a journal's system would): A4 pages,
every table caption present, and page images that are not blank. Skipped when LibreOffice is missing,
except in CI (.ci/run installs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tools() -> None:
    if not (shutil.which("soffice") and shutil.which("pdftoppm")):
        if os.environ.get("CI"):
            pytest.fail("LibreOffice and poppler-utils are required in CI (.ci/run installs them)")
        pytest.skip("LibreOffice (soffice) or poppler-utils not installed")


def test_word_renders_on_a4_with_every_table(demo_out: dict[str, Any], tmp_path: Path) -> None:
    _tools()
    from PIL import Image

    sys.path.insert(0, str(ROOT / "tools"))
    from render_docx import render

    pages = render(demo_out["docx"], tmp_path, dpi=40)
    pdf = tmp_path / "report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for table in demo_out["data"]["report_tables"].values():
        assert f"{table['number']}." in text, table["number"]
    assert "scores.md" not in text and "E->E" not in text  # no internal references reach the reader
    assert len(pages) >= 8
    with Image.open(pages[0]) as im:
        lo, hi = im.convert("L").getextrema()
        assert lo < 100 < hi
