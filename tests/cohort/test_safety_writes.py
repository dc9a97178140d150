"""Issue 9: a write that fails or is interrupted leaves no ``.part`` file and no partial report set."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spinemet.cohort import synth, write_cohort

SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.mark.parametrize("ext", ["csv", "xlsx", "sav"])
def test_a_failing_write_leaves_nothing(tmp_path, ext, monkeypatch):
    out = tmp_path / f"c.{ext}"

    def boom(done: int, total: int) -> None:
        raise KeyboardInterrupt

    if ext == "xlsx":
        from openpyxl import Workbook

        def failing_save(self, filename):
            Path(filename).write_bytes(b"PK half a zip")
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(Workbook, "save", failing_save)
        with pytest.raises(OSError):
            write_cohort(synth(5), out)
    elif ext == "sav":
        import pyreadstat

        def failing(frame, path, **kwargs):
            Path(path).write_bytes(b"half")
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(pyreadstat, "write_sav", failing)
        with pytest.raises(OSError):
            write_cohort(synth(5), out)
    else:
        with pytest.raises(KeyboardInterrupt):
            write_cohort(synth(5), out, progress=boom)
    assert list(tmp_path.iterdir()) == []


def test_sigterm_during_synth_leaves_no_part_file(tmp_path):
    out = tmp_path / "big.csv"
    env = {**os.environ, "PYTHONPATH": SRC}
    args = [sys.executable, "-m", "spinemet.cli.main", "synth", "--n", "400000", "-o", str(out)]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    part = tmp_path / "big.csv.part"
    for _ in range(1200):  # wait (at most 2 minutes) until the writing has begun
        if part.exists() or proc.poll() is not None:
            break
        time.sleep(0.1)
    # writing 400,000 rows takes seconds and the loop polls every 0.1 s: never skipped silently
    assert proc.poll() is None, "synth ended before its .part file was seen; it could not be interrupted"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM
    assert b"Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_report_set_is_all_or_none(tmp_path, monkeypatch):
    from spinemet.cohort import load_demo
    from spinemet.report import outputs
    from spinemet.report.build import build_report

    report = build_report(load_demo().frame)
    calls = []
    real = outputs._place

    def place_then_fail(staged: Path, target: Path) -> None:
        calls.append(target)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real(staged, target)

    monkeypatch.setattr(outputs, "_place", place_then_fail)
    paths = outputs.OutputPaths(html=tmp_path / "r.html", json=tmp_path / "r.json")
    with pytest.raises(KeyboardInterrupt):
        outputs.write_outputs(report, paths)
    assert list(tmp_path.iterdir()) == []
