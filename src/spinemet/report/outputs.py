"""Write the report's files all-or-nothing: everything is rendered into a private staging directory first and
moved into place only when every output has been produced (a failure leaves no file behind)."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinemet.cohort.spreadsheet_safety import neutralise_text
from spinemet.report.build import Report

__all__ = ["FIGURE_FORMATS", "OutputPaths", "write_outputs"]

FIGURE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")


@dataclass(frozen=True)
class OutputPaths:
    """Where to write each output (``None`` = not wanted)."""

    html: Path | None = None
    docx: Path | None = None
    json: Path | None = None
    tables_dir: Path | None = None
    figures_dir: Path | None = None

    def any(self) -> bool:
        return any(
            p is not None for p in (self.html, self.docx, self.json, self.tables_dir, self.figures_dir)
        )


def _svg_text(fig: Any, key: str) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": key}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _write_csv(table: Any, path: Path) -> None:
    # UTF-8 with BOM: Excel opens the en dashes and ± correctly.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        # text from the data (site names, category labels) never becomes a live formula (OWASP)
        writer.writerows([neutralise_text(v) for v in record] for record in table.records())


def _finite(value: Any) -> Any:
    """JSON has no infinity: an infinite limit (e.g. an odds ratio's upper limit with a zero cell) becomes
    null, as NaN does; the formatted tables in ``report_tables`` show it as ∞."""
    if isinstance(value, float) and math.isinf(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _json_text(report: Report) -> str:
    return json.dumps(_finite(report.to_dict()), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _place(staged: Path, target: Path) -> None:
    """Copy next to the target, then rename over it (atomic per file on one filesystem)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(staged, tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the file the user's usual mode
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_outputs(
    report: Report, paths: OutputPaths, *, progress: Callable[[str], None] | None = None
) -> list[Path]:
    """Render every requested output and move them into place; returns the files written.

    Figures are drawn once each: SVG for the HTML, 300-dpi PNG for Word, and PNG/SVG/PDF in
    ``paths.figures_dir``. Nothing is written at the targets until all outputs are rendered.
    """
    from spinemet.report.figure_set import figure_specs

    step = progress or (lambda _label: None)
    stage = Path(tempfile.mkdtemp(prefix="spinemet-report-"))
    placed: list[tuple[Path, Path]] = []
    try:
        svgs: dict[str, str] = {}
        pngs: dict[str, Path] = {}
        need_svg = paths.figures_dir is not None  # the HTML draws its own light SVG
        need_png = paths.docx is not None or paths.figures_dir is not None
        if need_svg or need_png:
            import matplotlib.pyplot as plt

            from spinemet.report.figures import PNG_OPTIONS, PRINT_DPI

            for spec in figure_specs(report):
                step(f"drawing {spec.number}")
                fig = spec.draw()
                try:
                    if need_svg:
                        svgs[spec.key] = _svg_text(fig, spec.key)
                    if need_png:
                        png = stage / f"{spec.key}.png"
                        fig.savefig(png, dpi=PRINT_DPI, bbox_inches="tight", pil_kwargs=PNG_OPTIONS)
                        pngs[spec.key] = png
                    if paths.figures_dir is not None:
                        (stage / f"{spec.key}.svg").write_text(svgs[spec.key], encoding="utf-8")
                        fig.savefig(
                            stage / f"{spec.key}.pdf", bbox_inches="tight", metadata={"CreationDate": None}
                        )
                        for ext in FIGURE_FORMATS:
                            placed.append(
                                (stage / f"{spec.key}.{ext}", paths.figures_dir / f"{spec.key}.{ext}")
                            )
                finally:
                    plt.close(fig)
        if paths.html is not None:
            from spinemet.report.html import render_html

            step("writing HTML")
            staged = stage / "report.html"
            staged.write_text(render_html(report), encoding="utf-8")
            placed.append((staged, paths.html))
        if paths.json is not None:
            step("writing JSON")
            staged = stage / "report.json"
            staged.write_text(_json_text(report), encoding="utf-8")
            placed.append((staged, paths.json))
        if paths.docx is not None:
            from spinemet.report.word import write_docx

            step("writing Word")
            staged = stage / "report.docx"
            write_docx(report, staged, pngs)
            placed.append((staged, paths.docx))
        if paths.tables_dir is not None:
            step("writing CSV tables")
            tdir = stage / "tables"
            tdir.mkdir()
            for table in report.tables:
                _write_csv(table, tdir / f"{table.key}.csv")
                placed.append((tdir / f"{table.key}.csv", paths.tables_dir / f"{table.key}.csv"))
        step("moving files into place")
        written: list[Path] = []
        try:
            for staged, target in placed:
                _place(staged, target)
                written.append(target)
        except BaseException:  # a set of files, all or none: an interrupted move removes what it placed
            for target in written:
                target.unlink(missing_ok=True)
            raise
        return written
    finally:
        shutil.rmtree(stage, ignore_errors=True)
