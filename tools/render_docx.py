"""Render a Word report to PDF with LibreOffice and its pages to PNG, to look at them.

    python tools/render_docx.py spinemet-report/report.docx out-dir/ [--dpi 80]

Needs LibreOffice (``soffice``; Debian: apt-get install --no-install-recommends libreoffice-writer-nogui)
and poppler (``pdftoppm``; Debian: poppler-utils). Writes ``report.pdf`` and ``page-01.png``, ... in out-dir.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def render(docx: Path, out: Path, dpi: int = 80) -> list[Path]:
    """PDF of ``docx`` in ``out`` and one PNG per page; returns the PNG paths."""
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        raise FileNotFoundError("soffice (LibreOffice) and pdftoppm (poppler-utils) are needed")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:  # a private profile: runs beside an open LibreOffice
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(out), str(docx)],
            check=True, capture_output=True, timeout=300,
        )
    pdf = out / (docx.stem + ".pdf")
    subprocess.run([pdftoppm, "-r", str(dpi), "-png", str(pdf), str(out / "page")], check=True, timeout=300)
    return sorted(out.glob("page-*.png"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("docx", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args(argv)
    pages = render(args.docx, args.out, args.dpi)
    print(f"{len(pages)} page(s) in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
