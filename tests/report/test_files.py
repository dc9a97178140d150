"""Word, CSV and figure outputs of the demo report: every table as a real Word table and as a CSV, figures at
print resolution."""

from __future__ import annotations

import csv
from typing import Any

import pytest

EXPECTED_TABLES = [
    "table1",
    "table2",
    "table3",
    "table3_change",
    "table4",
    "table5",
    "survival_overall",
    "survival_by_tokuhashi_band",
    "barthel_vas",
    "observed_vs_predicted",
    "prognostic_accuracy",
    "mist_vs_conventional",
    "survival_by_procedure",
]
FIGURES = [
    "figure1_km_overall",
    "figure2_km_tokuhashi",
    "figure3_barthel",
    "figure4_vas",
    "figure5_km_by_procedure",
]


def test_docx_holds_every_table(demo_out: dict[str, Any]) -> None:
    import docx

    document = docx.Document(str(demo_out["docx"]))
    tables = document.tables
    assert len(tables) == len(EXPECTED_TABLES) == len(demo_out["data"]["report_tables"])
    t1 = tables[0]
    assert [c.text for c in t1.rows[0].cells] == ["Characteristic", "Value"]
    assert [c.text for c in t1.rows[1].cells] == ["Patients, n", "55"]
    # Table 3: row C (before) holds the paper's after-surgery counts
    t3 = tables[2]
    row_c = next(r for r in t3.rows if r.cells[0].text == "C")
    assert [c.text for c in row_c.cells][1:] == ["19", "0", "1", "7", "3", "1", "1", "6"]
    # Table 5: discharge home 37 (67.3)
    t5 = tables[5]
    assert any(
        r.cells[0].text.strip() == "Discharge to home" and r.cells[1].text == "37 (67.3)" for r in t5.rows
    )
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Statistical analyses were performed with spinemet" in text
    assert "UNCONFIRMED cut-offs" in text


def test_docx_figures_are_300_dpi_png(demo_out: dict[str, Any]) -> None:
    import docx

    document = docx.Document(str(demo_out["docx"]))
    shapes = document.inline_shapes
    assert len(shapes) == len(FIGURES)
    blob = shapes[0]._inline.graphic.graphicData.pic.blipFill.blip.embed
    part = document.part.related_parts[blob]
    assert part.content_type == "image/png"
    assert (part.image.horz_dpi, part.image.vert_dpi) == (300, 300)


@pytest.mark.parametrize("key", EXPECTED_TABLES)
def test_csv_per_table(demo_out: dict[str, Any], key: str) -> None:
    path = demo_out["tables"] / f"{key}.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    table = demo_out["data"]["report_tables"][key]
    assert rows[0] == table["columns"]
    assert len(rows) == len(table["rows"]) + 1
    assert all(len(r) == len(rows[0]) for r in rows)


def test_csv_values(demo_out: dict[str, Any]) -> None:
    with (demo_out["tables"] / "table1.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1] == ["Patients, n", "55"]
    assert ["Age at surgery, mean (range), years", "66.8 (26\u201392)"] in rows
    assert sorted(p.name for p in demo_out["tables"].iterdir()) == sorted(f"{k}.csv" for k in EXPECTED_TABLES)


@pytest.mark.parametrize("key", FIGURES)
def test_figure_files(demo_out: dict[str, Any], key: str) -> None:
    from PIL import Image

    folder = demo_out["figures"]
    png, svg, pdf = (folder / f"{key}.{ext}" for ext in ("png", "svg", "pdf"))
    with Image.open(png) as im:
        assert tuple(round(v) for v in im.info["dpi"]) == (300, 300)
        assert im.width >= 1200
        extrema = im.convert("L").getextrema()
        assert extrema[0] < 100 < extrema[1], "figure is blank"
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<svg")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_docx_section_rows_span_the_table_once(demo_out: dict[str, Any]) -> None:
    """A section row ("Sex, n (%)") is one merged cell holding its label once."""
    import docx

    t1 = docx.Document(str(demo_out["docx"])).tables[0]
    row = next(r for r in t1.rows if r.cells[0].text.startswith("Sex"))
    assert row.cells[0].text == "Sex, n (%)"
    assert row.cells[0]._tc is row.cells[1]._tc  # merged
    assert len(row.cells[0].paragraphs) == 1


def test_tiny_cohort_writes_every_output(tmp_path: Any) -> None:
    """Two patients (an odds ratio with an infinite limit, empty bands): every output is still written and
    the JSON stays strict (no NaN or Infinity)."""
    import json

    from spinemet.cohort import synth
    from spinemet.report.build import build_report
    from spinemet.report.outputs import OutputPaths, write_outputs

    report = build_report(synth(40, seed=5, sites=1).iloc[:2].copy())
    paths = OutputPaths(
        tmp_path / "r.html", tmp_path / "r.docx", tmp_path / "r.json", tmp_path / "t", tmp_path / "f"
    )
    written = write_outputs(report, paths)
    assert all(p.exists() for p in written)
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"), parse_constant=lambda c: 1 / 0)
    assert data["n"] == 2
