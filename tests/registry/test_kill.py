"""A real ``spinemet import`` process killed with SIGKILL mid-transaction leaves SQLite as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from spinemet.registry.audit import WriteContext, audit_frame
from spinemet.registry.backup import table_counts
from spinemet.registry.engine import make_engine
from spinemet.registry.query import load_frame
from spinemet.registry.store import store_frame
from tests.registry.conftest import make_cohort

_CLI = "import sys, spinemet.cli.registry_cmds; from spinemet.cli.app import app; app(sys.argv[1:])"


def write_cohort_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a test cohort as cohort CSV text (integral numbers without '.0', ISO dates)."""
    out = frame.copy()
    for column in ("age", "kps", "dead"):
        out[column] = out[column].astype("Int64")
    out["surgery_date"] = out["surgery_date"].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, lineterminator="\n")
    return path


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_sigkill_mid_import_leaves_sqlite_unchanged(db_factory, tmp_path: Path) -> None:
    eng = db_factory.engine("sqlite")
    url = str(eng.url)
    with eng.begin() as conn:
        store_frame(conn, make_cohort(5, prefix="OLD"), WriteContext(username="a", reason="before"))
    with eng.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        before_counts = table_counts(conn)
        before_audit = audit_frame(conn)
        before_frame = load_frame(conn)
    eng.dispose()
    db_file = Path(url.removeprefix("sqlite:///"))
    wal = db_file.with_name(db_file.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0

    big = write_cohort_csv(make_cohort(60_000, seed=9, prefix="NEW"), tmp_path / "big.csv")
    env = {**os.environ, "SPINEMET_DATABASE_URL": url}
    proc = subprocess.Popen(
        # the real `spinemet import` command (only the registry commands loaded, so that this test does not
        # depend on other command modules)
        [sys.executable, "-c", _CLI, "import", str(big), "--reason", "killed", "--user", "k"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    try:
        # uncommitted pages spill into the WAL once the page cache is full: the import is mid-transaction
        while time.monotonic() < deadline and proc.poll() is None:
            if wal.exists() and wal.stat().st_size > 1_000_000:
                break
            time.sleep(0.005)
        assert proc.poll() is None, f"import ended before it could be killed: {proc.communicate()}"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    after = make_engine(url)
    try:
        with after.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert table_counts(conn) == before_counts
            pd.testing.assert_frame_equal(audit_frame(conn), before_audit)
            pd.testing.assert_frame_equal(load_frame(conn), before_frame)
    finally:
        after.dispose()
