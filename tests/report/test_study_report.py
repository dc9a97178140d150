"""A report the user configures: the study file (TOML/YAML), its tables, --title, and the Word layout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import spinemet.cli.registry_cmds
import spinemet.cli.report_cmds  # noqa: F401
from spinemet.cli.app import app
from spinemet.cohort.demo import demo_path
from spinemet.errors import InvalidInputError
from spinemet.report.study_file import load_study_file, parse_study

ROOT = Path(__file__).resolve().parents[2]
R_T1 = json.loads((ROOT / "tests" / "data" / "r" / "table1_by_group.json").read_text())

STUDY_TOML = """
title = "Surgery for spinal metastases: our cohort"
authors = ["A. Surgeon", "B. Oncologist"]

[table1]
variables = ["age", "sex", "frankel_pre", "tokuhashi_band"]
by = "procedure"
smd = true
labels = { age = "Age, years" }

[survival]
times = [6, 12]
subgroups = ["sins_band"]

[cox]
covariates = ["age", "procedure"]

[outcomes]
pairs = [["vas_pre", "vas_post"]]
"""

STUDY_YAML = """
title: "Surgery for spinal metastases: our cohort"
authors: ["A. Surgeon", "B. Oncologist"]
table1:
  variables: [age, sex, frankel_pre, tokuhashi_band]
  by: procedure
  smd: true
  labels: {age: "Age, years"}
survival:
  times: [6, 12]
  subgroups: [sins_band]
cox:
  covariates: [age, procedure]
outcomes:
  pairs: [[vas_pre, vas_post]]
"""


@pytest.fixture(scope="module")
def study_out(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("study-report")
    study = out / "study.toml"
    study.write_text(STUDY_TOML, encoding="utf-8")
    paths = {"html": out / "r.html", "docx": out / "r.docx", "json": out / "r.json"}
    result = CliRunner().invoke(
        app,
        ["report", str(demo_path()), "--study", str(study), "-q", "--html", str(paths["html"]),
         "--docx", str(paths["docx"]), "--json", str(paths["json"])],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return {**paths, "data": json.loads(paths["json"].read_text(encoding="utf-8"))}


def test_toml_and_yaml_read_the_same(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(STUDY_TOML, encoding="utf-8")
    (tmp_path / "s.yaml").write_text(STUDY_YAML, encoding="utf-8")
    a, b = load_study_file(tmp_path / "s.toml"), load_study_file(tmp_path / "s.yaml")
    assert a.table1_variables == b.table1_variables == ("age", "sex", "frankel_pre", "tokuhashi_band")
    assert (a.table1_by, a.table1_smd, a.survival_times, a.cox_covariates) == (
        b.table1_by, b.table1_smd, b.survival_times, b.cox_covariates)
    assert a.outcome_pairs == (("vas_pre", "vas_post"),)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"tabel1": {}}, "tabel1"),
        ({"table1": {"variables": "age"}}, "table1.variables"),
        ({"table1": {"statistic": "mean"}}, "table1.statistic"),
        ({"survival": {"times": [0, 6]}}, "survival.times"),
        ({"outcomes": {"pairs": [["vas_pre"]]}}, "outcomes.pairs"),
        ({"style": {"percent_decimals": 5}}, "style.percent_decimals"),
        ({"cox": {"ties": "exact"}}, "cox.ties"),
    ],
)
def test_study_file_errors_name_the_key(data: dict, key: str) -> None:
    with pytest.raises(InvalidInputError) as exc:
        parse_study(data)
    assert exc.value.field == f"study file: {key}"


def test_unknown_column_is_refused_and_nothing_written(tmp_path: Path) -> None:
    study = tmp_path / "s.toml"
    study.write_text('[table1]\nvariables = ["age", "height_cm"]\n', encoding="utf-8")
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", str(demo_path()), "--study", str(study), "-q",
                                      "--html", str(out)])
    assert result.exit_code == 2
    assert "height_cm" in result.output and "--keep-extra" in result.output
    assert not out.exists()


def test_table1_by_group_in_the_report_matches_r(study_out: dict[str, Any]) -> None:
    t = study_out["data"]["report_tables"]["study_table1"]
    assert t["number"] == "Table 12" and t["title"] == "Baseline characteristics by procedure"
    assert t["columns"][:2] == ["Characteristic", "Overall (n = 55)"]
    assert t["columns"][-2:] == ["P", "SMD"]
    rows = {r["cells"][0]: r["cells"] for r in t["rows"]}
    ref = {r["variable"]: r for r in R_T1["cases"]["demo_procedure"]["rows"]}
    # R: wilcox.test P 0.852 (age), chisq.test(correct = FALSE) P 0.507 (sex); footnote letters a, b
    assert rows["Age, years, Median (Q1, Q3)"][-2] == f"{ref['age']['p']:.3f}a"
    assert rows["Sex"][-2] == f"{ref['sex']['p']:.3f}b"
    assert rows["Sex"][-1] == f"{ref['sex']['smd']:.2f}"
    assert "a Wilcoxon rank-sum test." in t["notes"] and "b Pearson's chi-square test." in t["notes"]
    assert rows["Female"][1] == "18 (32.7%)"


def test_cox_and_survival_tables(study_out: dict[str, Any]) -> None:
    tables = study_out["data"]["report_tables"]
    cox = tables["study_cox"]
    assert cox["columns"] == ["Covariate", "HR (95% CI)", "P", "PH test P"]
    labels = [r["cells"][0] for r in cox["rows"]]
    assert labels[0] == "Age, years (per 1 unit)"
    ref_row = next(r for r in cox["rows"] if r["cells"][1] == "1 (reference)")
    assert ref_row["cells"][0] == "Conventional posterior decompression and fixation"
    assert any("global P" in n for n in cox["notes"])
    surv = tables["study_survival_times"]
    assert [r["cells"][0] for r in surv["rows"]][:2] == ["6-month survival", "12-month survival"]
    assert surv["rows"][-1]["cells"][0].startswith("Median follow-up")
    assert "study_survival_by_sins_band" in tables and "study_outcomes" in tables


def test_title_authors_and_methods(study_out: dict[str, Any]) -> None:
    html = study_out["html"].read_text(encoding="utf-8")
    assert "<h1>Surgery for spinal metastases: our cohort</h1>" in html
    assert '<section id="study"' in html
    methods = study_out["data"]["methods_text"]
    assert "multivariable Cox proportional hazards model" in methods
    assert "reverse Kaplan\u2013Meier" in methods


def test_word_is_a4_three_line_with_metadata(study_out: dict[str, Any]) -> None:
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Cm

    d = docx.Document(str(study_out["docx"]))
    props = d.core_properties
    assert props.title == "Surgery for spinal metastases: our cohort"
    assert props.author == "A. Surgeon, B. Oncologist"
    sec = d.sections[0]
    assert (round(sec.page_width.cm, 1), round(sec.page_height.cm, 1)) == (21.0, 29.7)
    table = d.tables[0]
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    vals = {el.tag.split("}")[1]: el.get(qn("w:val")) for el in borders}
    assert vals == {"top": "single", "bottom": "single", "left": "nil", "right": "nil", "insideH": "nil",
                    "insideV": "nil"}
    assert table.style is None or table.style.name != "Table Grid"
    for row in table.rows:
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    widths = [c.width for c in table.rows[0].cells]
    assert sum(w for w in widths) <= Cm(17.05)


def test_column_widths_never_break_a_word() -> None:
    from spinemet.report.word import _CHAR_CM, column_widths

    records = [["Characteristic", "Overall (n = 55)", "P"], ["Minimally invasive", "12 (21.8%)", "0.507"]]
    widths = column_widths(records, 17.0)
    assert sum(widths) == pytest.approx(17.0)
    for j in range(3):
        word = max(len(w) for r in records for w in r[j].split())
        assert widths[j] >= word * _CHAR_CM


def test_letter_option(tmp_path: Path) -> None:
    import docx

    out = tmp_path / "r.docx"
    result = CliRunner().invoke(app, ["report", str(demo_path()), "-q", "--paper", "letter", "--docx",
                                      str(out), "--title", "My study"])
    assert result.exit_code == 0, result.output
    d = docx.Document(str(out))
    assert round(d.sections[0].page_width.cm, 2) == 21.59
    assert d.core_properties.title == "My study"
    assert d.paragraphs[0].text == "My study"


def _with_extra(tmp_path: Path) -> Path:
    import pandas as pd

    frame = pd.read_csv(demo_path(), dtype=str, keep_default_na=False)
    frame["trial_arm"] = ["A" if i % 2 else "B" for i in range(len(frame))]
    path = tmp_path / "extra.csv"
    frame.to_csv(path, index=False)
    return path


def test_keep_extra_columns_for_report_and_import(tmp_path: Path) -> None:
    cohort = _with_extra(tmp_path)
    study = tmp_path / "s.toml"
    study.write_text('[table1]\nvariables = ["age", "sex"]\nby = "trial_arm"\n', encoding="utf-8")
    refused = CliRunner().invoke(app, ["report", str(cohort), "--study", str(study), "-q", "--json",
                                       str(tmp_path / "r.json")])
    assert refused.exit_code == 1 and "trial_arm" in refused.output and "--keep-extra" in refused.output
    ok = CliRunner().invoke(app, ["report", str(cohort), "--keep-extra", "--study", str(study), "-q",
                                  "--json", str(tmp_path / "r.json")])
    assert ok.exit_code == 0, ok.output
    table = json.loads((tmp_path / "r.json").read_text())["report_tables"]["study_table1"]
    assert table["columns"][2:4] == ["A (n = 27)", "B (n = 28)"]
    db = tmp_path / "reg.sqlite"
    imported = CliRunner().invoke(app, ["import", str(cohort), "--db", str(db), "--keep-extra",
                                        "--reason", "test", "--user", "tester"])
    assert imported.exit_code == 0, imported.output
    from spinemet.registry.engine import make_engine, resolve_url
    from spinemet.registry.query import load_frame

    engine = make_engine(resolve_url(str(db)))
    with engine.connect() as conn:
        frame = load_frame(conn)
    engine.dispose()
    assert sorted(frame["trial_arm"].unique()) == ["A", "B"]


def test_missing_values_footnote_lists_each_variable_once() -> None:
    import numpy as np

    from spinemet.cohort import synth
    from spinemet.report.build import build_report

    frame = synth(60, seed=3, sites=1)
    frame.loc[frame.index[:5], "kps"] = np.nan
    frame.loc[frame.index[:5], "tokuhashi"] = np.nan
    report = build_report(frame)
    note = next(n for n in report.table("table1").notes if n.startswith("Missing values"))
    items = note.split(": ", 1)[1].rstrip(".").split("; ")
    assert len(items) == len(set(items))
    assert sum(i.startswith("Revised Tokuhashi score") for i in items) == 1
    band = report.table("survival_by_tokuhashi_band").notes
    assert not any("tokuhashi_band" in n for n in band)
