"""``spinemet score``: cohort file mode and single-patient card (text and JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from spinemet.cli.main import app

runner = CliRunner()

# Tokuhashi by hand from the published table (Tokuhashi 2005, Table 1):
#   KPS 70 -> moderate 1; 1 extraspinal bone focus -> 1; 2 vertebral-body metastases -> 1;
#   no visceral metastases -> 2; kidney -> 3; Frankel D2 (incomplete palsy) -> 1; total 9 (band 9-11).
# SINS by hand (Fisher 2010): T8 semirigid 1 + mechanical pain 3 + lytic 2 + normal alignment 0
#   + collapse < 50% 2 + unilateral posterolateral 1 = 9 (potentially unstable, 7-12).
PATIENT = [
    "kps=70", "extraspinal_bone_mets=1", "vertebral_mets=2", "visceral_mets=none", "primary_tumor=kidney",
    "frankel_pre=D2", "frankel_post=E", "main_level=T8", "sins_pain=mechanical", "sins_lesion=lytic",
    "sins_alignment=normal", "sins_collapse=under50", "sins_posterolateral=unilateral", "escc=2",
    "intractable_pain=yes", "en_bloc_candidate=no", "analgesic_or_rt_responsive=no",
    "reduced_will_to_live=no", "pedicles_confirmable=yes", "barthel_pre=45", "family_care=no",
]  # fmt: skip


def _patient_args(*pairs: str) -> list[str]:
    args = ["score"]
    for p in pairs:
        args += ["--patient", p]
    return args


def test_patient_json_has_scores_components_and_verdicts() -> None:
    result = runner.invoke(app, [*_patient_args(*PATIENT), "--json"])
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)
    tok = card["scores"]["tokuhashi"]
    assert (tok["total"], tok["band"], tok["band_label"]) == (9, "9-11", ">= 6 months")
    assert [c["points"] for c in tok["components"]] == [1, 1, 1, 2, 3, 1]
    assert tok["version"] == "revised 2005" and "Spine 2005;30:2186" in tok["citation"]
    sins = card["scores"]["sins"]
    assert (sins["total"], sins["band"]) == (9, "potentially_unstable")
    assert [c["points"] for c in sins["components"]] == [1, 3, 2, 0, 2, 1]
    assert sins["components"][0]["derived_from"] == "main_level"
    assert card["scores"]["escc"]["band"] == "high"
    assert card["scores"]["barthel_pre"]["total"] == 45
    assert card["frankel_change"] == "improved"
    pathway = card["pathway"]
    assert pathway["indication"]["decision"] == "indicated"
    assert any("SINS 9 (potentially unstable, 7-12)" in r for r in pathway["indication"]["reasons"])
    assert pathway["procedure"]["decision"] == "mist"
    assert pathway["radiotherapy"]["decision"] == "withhold"
    assert pathway["prognosis"]["decision"] == "9-11"
    assert pathway["discharge"]["decision"] == "undetermined"  # no postoperative Barthel
    assert set(pathway["noms"]) == {"neurologic", "oncologic", "mechanical", "systemic"}
    assert card["patient"]["kps"] == 70


def test_patient_option_also_takes_trailing_pairs() -> None:
    result = runner.invoke(app, ["score", "--patient", *PATIENT, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["scores"]["tokuhashi"]["total"] == 9


def test_patient_card_text() -> None:
    result = runner.invoke(app, _patient_args(*PATIENT))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Revised Tokuhashi score: 9, band 9-11 (>= 6 months)" in out
    assert "version revised 2005" in out
    assert "Primary site of the cancer" in out
    assert "surgical_indication: indicated" in out
    assert "SINS 9 (potentially unstable, 7-12): threatened instability (Fisher 2010)" in out
    assert "noms_mechanical: potentially_unstable" in out
    assert "SINS): 9 - indeterminate (potentially unstable); surgical consultation" in out
    assert "band potentially_unstable" not in out
    # ESCC: a grade, not points
    assert "Epidural spinal cord compression (Bilsky): grade 2 - high-grade compression (2-3)" in out
    escc_row = next(line for line in out.splitlines() if "ESCC grade" in line)
    assert escc_row.rstrip(" │").endswith("-") and " 4 " not in escc_row


def test_missing_inputs_are_reported_not_guessed() -> None:
    result = runner.invoke(app, [*_patient_args("primary_tumor=lung", "kps=60"), "--json"])
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)
    assert card["not_computed"]["tokuhashi"] == (
        "extraspinal_bone_mets missing (needed for tokuhashi unless a total is given); allowed: integer >= 0"
    )
    assert set(card["not_computed"]) == {"tokuhashi", "sins", "escc", "barthel_pre", "barthel_post", "tomita",
                                         "katagiri", "modified_bauer", "bauer", "nesms"}  # fmt: skip
    assert card["not_computed"]["tomita"] == (
        "no inputs given (needs: tomita_primary_growth, tomita_visceral, tomita_bone_mets)"
    )
    text = runner.invoke(app, _patient_args("primary_tumor=lung", "kps=60")).stdout
    assert "got None" not in text and "Tomita score: not computed: no inputs given" in text
    assert card["pathway"]["prognosis"]["decision"] == "undetermined"
    assert "frankel_pre" in card["pathway"]["prognosis"]["missing"]


def test_bad_key_names_the_field() -> None:
    result = runner.invoke(app, _patient_args("kpss=70"))
    assert result.exit_code == 1
    assert "kpss" in result.stderr and "'kps'" in result.stderr


@pytest.mark.parametrize(
    ("pair", "field", "allowed"),
    [
        ("kps=75", "kps", "10-100 in steps of 10"),
        ("escc=1", "escc", "1a"),
        ("intractable_pain=maybe", "intractable_pain", "yes"),
    ],
)
def test_bad_value_names_field_value_and_allowed(pair: str, field: str, allowed: str) -> None:
    result = runner.invoke(app, _patient_args(pair))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"--patient: error: {field}: got '{pair.split('=')[1]}'; allowed: ")
    assert allowed in result.stderr and result.stdout == ""
    result = runner.invoke(app, [*_patient_args(pair), "--json"])  # the same keys as validate --json
    assert result.exit_code == 1
    [problem] = json.loads(result.stdout)["problems"]
    assert (problem["file"], problem["row"], problem["column"]) == ("--patient", None, field)
    assert problem["value"] == pair.split("=")[1] and allowed in problem["allowed"]


def test_malformed_pair_and_duplicate_key() -> None:
    result = runner.invoke(app, _patient_args("kps70"))
    assert result.exit_code == 1 and "key=value" in result.stderr
    result = runner.invoke(app, _patient_args("kps=70", "kps=80"))
    assert result.exit_code == 1 and "kps: given twice" in result.stderr


def test_usage_without_input() -> None:
    result = runner.invoke(app, ["score"])
    assert result.exit_code != 0


# ------------------------------------------------------------------------------------------ files
HEADER = (
    "patient_id,kps,extraspinal_bone_mets,vertebral_mets,visceral_mets,"
    + "primary_tumor,frankel_pre,main_level,sins"
)


def test_file_mode_adds_score_columns(tmp_path: Path) -> None:
    src = tmp_path / "cohort.csv"
    # P1: 1 + 1 + 1 + 2 + kidney 3 + D2 1 = 9. P2: KPS 30 (0) + 3 foci (0) + 3 vertebrae (0) + unremovable (0)
    # + lung (0) + Frankel A (0) = 0. P3: items missing, no total: empty Tokuhashi; SINS 13 given (unstable).
    src.write_text(
        HEADER + "\nP1,70,1,2,none,kidney,D2,T8,\nP2,30,3,3,unremovable,lung,A,L2,5\nP3,,,,,breast,,C5,13\n",
        encoding="utf-8",
    )
    out = tmp_path / "scored.csv"
    result = runner.invoke(app, ["score", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8").splitlines()
    scored = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert scored["tokuhashi"].tolist() == ["9", "0", ""]
    assert scored["tokuhashi_band"].tolist() == ["9-11", "0-8", ""]
    assert scored["tokuhashi_survival"].tolist() == [">= 6 months", "< 6 months", ""]
    assert scored["sins"].tolist() == ["", "5", "13"]
    assert scored["sins_band"].tolist() == ["", "stable", "unstable"]
    assert scored["bauer_modified"].tolist() == ["3", "0", ""]
    assert text[0].startswith("patient_id,")
    assert [p.name for p in tmp_path.iterdir()] != [] and not list(tmp_path.glob("*.part"))


def test_invalid_file_lists_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    src.write_text(
        HEADER + "\n"
        "P1,70,1,2,none,kidney,D2,T8,\n"
        "P2,75,1,2,none,kidney,D2,T8,\n"
        "P3,70,1,2,none,spleen,D2,T8,\n",
        encoding="utf-8",
    )
    out = tmp_path / "scored.csv"
    result = runner.invoke(app, ["score", str(src), "-o", str(out)])
    assert result.exit_code == 1
    err = result.stderr
    assert "row 3" in err and "kps" in err and "75" in err and "10-100 in steps of 10" in err
    assert "row 4" in err and "primary_tumor" in err and "spleen" in err and "kidney" in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_invalid_file_does_not_replace_existing_output(tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    src.write_text(HEADER + "\nP1,75,1,2,none,kidney,D2,T8,\n", encoding="utf-8")
    out = tmp_path / "scored.csv"
    out.write_text("previous\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(src), "-o", str(out)])
    assert result.exit_code == 1
    assert out.read_text(encoding="utf-8") == "previous\n"


def test_output_must_be_csv(tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    src.write_text("patient_id\nP1\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(src), "-o", str(tmp_path / "out.xlsx")])
    assert result.exit_code == 1 and "a .csv file" in result.stderr


def test_score_contradiction_names_file_row_and_writes_nothing(tmp_path: Path) -> None:
    """Valid cells that contradict each other for a score (here: 'solitary' with 2 + 2 metastases)."""
    src = tmp_path / "c.csv"
    src.write_text(
        "patient_id,extraspinal_bone_mets,vertebral_mets,solitary_skeletal_met\n"
        "P1,0,1,yes\n"
        "\n"  # a blank line: the reported row is still the file's line
        "P2,2,2,yes\n",
        encoding="utf-8",
    )
    out = tmp_path / "scored.csv"
    result = runner.invoke(app, ["score", str(src), "-o", str(out)])
    assert result.exit_code == 1
    assert "c.csv, row 4: error: solitary_skeletal_met: got 'yes'" in result.stderr, result.stderr
    assert not out.exists()


def test_patient_warnings_are_shown_but_do_not_fail() -> None:
    result = runner.invoke(app, [*_patient_args("frankel_post=E", "kps=70"), "--json"])
    assert result.exit_code == 0, result.output
    assert "warning" in result.stderr and "frankel_pre" in result.stderr
    [warning] = json.loads(result.stdout)["warnings"]
    assert warning.startswith("warning: ") and "frankel_pre" in warning


def test_missing_input_file_and_unknown_extension(tmp_path: Path) -> None:
    result = runner.invoke(app, ["score", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 1 and "not found" in result.stderr
    odd = tmp_path / "c.json"
    odd.write_text("{}", encoding="utf-8")
    result = runner.invoke(app, ["score", str(odd), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 1 and "nothing written" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json"]


def test_file_mode_keeps_numbers_as_written(tmp_path: Path) -> None:
    """Whole numbers in a decimal column stay ``3`` (not ``3.0``) even when the column also holds 3.5;
    integer columns are written without ``.0``: the input's cells come out unchanged."""
    src = tmp_path / "cohort.csv"
    src.write_text(
        "patient_id,age,kps,survival_months,dead,vas_pre,barthel_pre\n"
        "P1,60,70,3,1,3,45\nP2,71,80,3.5,0,4.5,100\n",
        encoding="utf-8",
    )
    out = tmp_path / "scored.csv"
    result = runner.invoke(app, ["score", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    scored = pd.read_csv(out, dtype=str, keep_default_na=False)
    source = pd.read_csv(src, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(scored[source.columns], source)
