"""Shared fixtures: the demo cohort's report, built once per session and written through the CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

import spinemet.cli.report_cmds  # noqa: F401 - registers the commands
from spinemet.cli.app import app
from spinemet.cohort.demo import demo_path


@pytest.fixture(scope="session")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``spinemet report DEMO --median-ci spss --by procedure`` with every output option."""
    out = tmp_path_factory.mktemp("demo-report")
    paths = {
        "html": out / "report.html",
        "docx": out / "report.docx",
        "json": out / "report.json",
        "tables": out / "tables",
        "figures": out / "figures",
    }
    result = CliRunner().invoke(
        app,
        [
            "report",
            str(demo_path()),
            "--median-ci",
            "spss",
            "--by",
            "procedure",
            "-q",
            "--html",
            str(paths["html"]),
            "--docx",
            str(paths["docx"]),
            "--json",
            str(paths["json"]),
            "--tables-dir",
            str(paths["tables"]),
            "--figures-dir",
            str(paths["figures"]),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return {**paths, "data": json.loads(paths["json"].read_text(encoding="utf-8")), "stdout": result.stdout}


@pytest.fixture(scope="session")
def demo_report() -> Any:
    """The demo cohort's Report object (SPSS median CI, split by procedure)."""
    from spinemet.cohort.demo import load_demo
    from spinemet.report.build import build_report

    cohort = load_demo()
    return build_report(
        cohort.frame,
        source="demo_cohort.csv",
        source_kind="demo cohort",
        sha256=cohort.sha256,
        median_ci="spss",
        by="procedure",
    )
