"""``spinemet template``: the Excel import template and the REDCap data dictionary (issue 11)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from spinemet.cli.main import app  # the app with every command registered
from spinemet.cohort import read_cohort
from spinemet.cohort.redcap import read_data_dictionary
from spinemet.cohort.schema import COLUMN_BY_NAME, COLUMNS
from spinemet.cohort.template import REDCAP_HEADER

runner = CliRunner()

# Two patients as a coordinator types them into the template (codes in any case, synonyms, NA).
FILLED = [
    {"patient_id": "C-001", "sex": "male", "age": 67, "primary_tumor": "Lung", "kps": 60, "frankel_pre": "c",
     "frankel_post": "D2", "escc": "2", "procedure": "mist", "chemotherapy": "Yes", "dead": 1,
     "survival_months": 12.5, "complications": "other"},
    {"patient_id": "C-002", "sex": "F", "age": "90+", "primary_tumor": "breast", "kps": "NA",
     "frankel_pre": "E", "frankel_post": "E", "escc": "1b", "procedure": "conventional", "chemotherapy": "n",
     "dead": 0, "survival_months": 30},
]  # fmt: skip


def _fill(path: Path) -> None:
    wb = load_workbook(path)
    ws = wb["cohort"]
    header = [c.value for c in ws[1]]
    for r, patient in enumerate(FILLED, start=2):
        for key, value in patient.items():
            ws.cell(row=r, column=header.index(key) + 1, value=value)
    wb.save(path)


def test_xlsx_template_has_every_field_drop_downs_messages_and_a_fields_sheet(tmp_path: Path) -> None:
    out = tmp_path / "registry.xlsx"
    result = runner.invoke(app, ["template", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Excel import template with {len(COLUMNS)} fields written to {out}\n"
    wb = load_workbook(out)
    ws = wb["cohort"]
    header = [c.value for c in ws[1]]
    assert header == [c.name for c in COLUMNS]
    by_cell = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    sex = by_cell[f"{_letter(header, 'sex')}2"]
    assert (sex.type, sex.formula1) == ("list", '"M,F"')
    assert sex.prompt == "sex. Allowed: one of: M, F. Empty = missing."
    tumour = by_cell[f"{_letter(header, 'primary_tumor')}2"]
    assert tumour.type == "list"
    coded = [c.name for c in COLUMNS if c.kind in ("category", "binary")]
    assert all(by_cell[f"{_letter(header, n)}2"].type == "list" for n in coded)
    kps = by_cell[f"{_letter(header, 'kps')}2"]
    assert (kps.type, kps.formula1, kps.formula2) == ("whole", "10", "100")
    assert "Karnofsky" in kps.prompt and "10-100 in steps of 10" in kps.prompt
    fields = wb["fields"]
    rows = list(fields.iter_rows(values_only=True))
    assert rows[0] == ("column", "group", "core", "allowed values", "meaning")
    assert ("kps", COLUMN_BY_NAME["kps"].group, "core", "10-100 in steps of 10",
            COLUMN_BY_NAME["kps"].meaning) in rows  # fmt: skip
    assert wb["lists"].sheet_state == "hidden"


def _letter(header: list[str], name: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(header.index(name) + 1)


def test_filled_template_validates_and_imports_as_is(tmp_path: Path) -> None:
    out = tmp_path / "registry.xlsx"
    assert runner.invoke(app, ["template", "-o", str(out)]).exit_code == 0
    _fill(out)
    result = runner.invoke(app, ["validate", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n_rows"] == 2
    db = tmp_path / "reg.sqlite"
    result = runner.invoke(app, ["import", str(out), "--db", str(db), "--reason", "template test"])
    assert result.exit_code == 0, result.output
    assert "2 new, 0 updated" in result.output
    listed = runner.invoke(app, ["patients", "--db", str(db), "--json"])
    records = {r["patient_id"]: r for r in map(json.loads, listed.stdout.splitlines())}
    assert records["C-001"]["sex"] == "M" and records["C-001"]["primary_tumor"] == "lung"
    assert records["C-002"]["age"] == "90+"
    frame = read_cohort(out).frame.set_index("patient_id")
    assert frame.loc["C-001", "frankel_pre"] == "C" and frame.loc["C-002", "chemotherapy"] == "no"


def test_redcap_dictionary_round_trip(tmp_path: Path) -> None:
    """The dictionary is read back by the REDCap import, and a records export with its raw codes imports."""
    dictionary = tmp_path / "dictionary.csv"
    result = runner.invoke(app, ["template", "--format", "redcap-dictionary", "-o", str(dictionary)])
    assert result.exit_code == 0, result.output
    with dictionary.open(encoding="utf-8") as fh:
        assert tuple(next(csv.reader(fh))) == REDCAP_HEADER
    fields = {f.name: f for f in read_data_dictionary(dictionary)}
    assert list(fields) == [c.name for c in COLUMNS]
    assert fields["primary_tumor"].field_type == "dropdown"
    assert fields["primary_tumor"].choices["1"] == "lung"
    assert fields["chemotherapy"].field_type == "yesno"
    assert fields["complications"].field_type == "checkbox"
    code = {f: {v: k for k, v in fields[f].choices.items()} for f in ("primary_tumor", "escc", "sex", "dead")}
    records = tmp_path / "records.csv"
    checkbox = [f"complications___{k}" for k in fields["complications"].choices]
    with records.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        boxes = ["1" if k == "1" else "0" for k in fields["complications"].choices]
        w.writerow(["patient_id", "sex", "primary_tumor", "escc", "chemotherapy", "dead", "survival_months",
                    "kps", *checkbox, "spinemet_complete"])  # fmt: skip
        w.writerow(["R1", code["sex"]["F"], code["primary_tumor"]["kidney"], code["escc"]["1c"], "1",
                    code["dead"]["1"], "8.5", "70", *boxes, "2"])  # fmt: skip
    cohort = read_cohort(records, data_dictionary=dictionary)
    row = cohort.frame.iloc[0]
    assert tuple(row[["sex", "primary_tumor", "escc", "chemotherapy"]]) == ("F", "kidney", "1c", "yes")
    assert (row["dead"], row["kps"], row["complications"]) == (1.0, 70.0, "massive_bleeding")
    result = runner.invoke(app, ["validate", str(records), "--dictionary", str(dictionary)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf", "-o", "t.pdf"], "--format: got 'pdf'; allowed: xlsx, redcap-dictionary"),
        (["--format", "xlsx", "-o", "t.csv"], "allowed: a .xlsx file for --format xlsx"),
        (["-o", "missing/t.xlsx"], "folder 'missing' does not exist"),
    ],
)
def test_template_refuses_bad_options(tmp_path: Path, monkeypatch, args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["template", *args])
    assert result.exit_code == 2 and message in result.output
    assert list(tmp_path.iterdir()) == []
