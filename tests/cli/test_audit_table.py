"""``spinemet audit``: the table is readable at 80 columns (issue 11); ``--wide`` shows every column."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from spinemet.cli.main import app  # the app with every command registered
from spinemet.cohort.demo import demo_path

runner = CliRunner()


def test_audit_table_fits_80_columns(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    loaded = runner.invoke(app, ["import", str(demo_path()), "--db", str(db), "--reason", "load"])
    assert loaded.exit_code == 0
    changed = tmp_path / "changed.csv"
    text = demo_path().read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    cells = text[1].split(",")
    cells[header.index("vas_post")] = "0" if cells[header.index("vas_post")] != "0" else "1"
    changed.write_text("\n".join([text[0], ",".join(cells), *text[2:]]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(changed), "--db", str(db), "--reason", "fix"])
    assert result.exit_code == 0, result.output
    out = runner.invoke(app, ["audit", "--db", str(db)]).stdout  # not a terminal: 80 columns
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any(("when" in line and "who" in line and "change" in line) for line in lines)
    assert any("vas_post: " in line and " -> " in line for line in lines), out
    wide = runner.invoke(app, ["audit", "--db", str(db), "--wide"]).stdout
    top = next(line for line in wide.splitlines() if line.startswith("┏"))
    assert top.count("┳") == 10  # the 11 columns of the audit log
