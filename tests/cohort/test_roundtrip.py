"""write_cohort then read_cohort gives back exactly the frame written, in every format (dtypes and NA)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spinemet.cohort import Cohort, CohortValidationError, read_cohort, synth, write_cohort


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    f = synth(400, seed=7, sites=3)
    # edge values: missing cells in every kind of column, original Frankel D, 90+ ages, fractional numbers
    f.loc[0, ["sex", "surgery_date", "escc", "kps", "complications", "site"]] = np.nan
    f.loc[1, ["frankel_scale", "frankel_pre", "frankel_post"]] = ["original", "C", "D"]
    f.loc[2, "vas_post"] = 2.35
    f.loc[3, "site"] = 'Centre "Nord", Zürich'
    f.loc[4, "crp_mg_dl"] = 1e-7
    return f


@pytest.mark.parametrize("ext", ["csv", "xlsx", "sav"])
def test_round_trip_is_exact(tmp_path, frame, ext):
    path = tmp_path / f"cohort.{ext}"
    write_cohort(frame, path)
    back = read_cohort(path)
    pd.testing.assert_frame_equal(back.frame, frame, check_exact=True)
    assert back.warnings == ()


@pytest.mark.parametrize("ext", ["csv", "sav"])
def test_csv_and_sav_keep_full_double_precision(tmp_path, ext):
    """Excel keeps about 15 significant digits; CSV (shortest repr) and SPSS (doubles) keep all 17."""
    frame = synth(3, seed=1)
    frame.loc[0, "vas_post"] = 0.1 + 0.2
    frame.loc[1, "crp_mg_dl"] = 1 / 3
    path = tmp_path / f"c.{ext}"
    write_cohort(frame, path)
    back = read_cohort(path).frame
    assert back["vas_post"].iat[0] == 0.1 + 0.2 and back["crp_mg_dl"].iat[1] == 1 / 3


@pytest.mark.parametrize("ext", ["csv", "xlsx", "sav"])
def test_round_trip_of_a_cohort_object_and_extra_columns(tmp_path, ext):
    frame = synth(30, seed=1)
    frame["ward"] = pd.Series(["7B"] * 30, dtype=object)  # text columns are object (pandas 2 and 3)
    cohort = Cohort(frame, "memory")
    path = tmp_path / f"x.{ext}"
    write_cohort(cohort, path)
    back = read_cohort(path, keep_extra=True)
    pd.testing.assert_frame_equal(back.frame, frame)


def test_invalid_frame_is_not_written(tmp_path):
    frame = synth(5, seed=2)
    frame.loc[2, "kps"] = 75.0
    path = tmp_path / "bad.csv"
    with pytest.raises(CohortValidationError) as info:
        write_cohort(frame, path)
    assert [(p.row, p.column) for p in info.value.problems] == [(4, "kps")]
    assert not path.exists() and not list(tmp_path.iterdir())


def test_unknown_extension_is_refused(tmp_path):
    with pytest.raises(ValueError, match="cannot tell the format"):
        write_cohort(synth(2), tmp_path / "c.json")


def test_csv_is_written_as_the_format_says(tmp_path):
    frame = synth(3, seed=4)
    path = tmp_path / "c.csv"
    write_cohort(frame, path)
    text = path.read_text(encoding="utf-8")
    header, first = text.splitlines()[:2]
    assert header.split(",")[:3] == ["patient_id", "site", "sex"]
    cells = dict(zip(header.split(","), first.split(","), strict=True))
    assert cells["kps"] == str(int(frame["kps"].iat[0]))  # no ".0"
    assert cells["surgery_date"] == frame["surgery_date"].iat[0].strftime("%Y-%m-%d")
    assert cells["dead"] in ("0", "1")
    assert "\r" not in text


CANONICAL_CSV = (
    "patient_id,sex,age,kps,primary_tumor,survival_months,dead,vas_pre,vas_post,barthel_pre,"
    "operative_time_min,blood_loss_ml,crp_mg_dl,surgery_date\n"
    "P1,M,60,70,lung,3,1,3,0,45,180,350,0.1,2019-05-02\n"
    "P2,F,71,80,breast,3.5,0,4.5,2.25,,95,1200,12,\n"
    "P3,,88,,kidney,24,0,,,100,,,,2020-01-31\n"
)


@pytest.mark.parametrize("canonical", [CANONICAL_CSV])
def test_canonical_csv_round_trips_byte_for_byte(tmp_path, canonical):
    """read -> write of a canonical CSV gives the same bytes: integer columns without ``.0`` and decimal
    columns in their shortest form (``3``, not ``3.0``; ``3.5``; ``0.1``)."""
    src = tmp_path / "in.csv"
    src.write_bytes(canonical.encode("utf-8"))
    out = tmp_path / "out.csv"
    write_cohort(read_cohort(src), out)
    assert out.read_bytes() == src.read_bytes()


def test_decimal_columns_never_use_exponent_notation(tmp_path):
    """1e-7 mg/dl is written positionally (``0.0000001``) and reads back to the same double."""
    f = pd.DataFrame({"patient_id": ["P1", "P2"], "crp_mg_dl": [1e-7, 123456.75]})
    out = tmp_path / "out.csv"
    write_cohort(f, out)
    assert out.read_text(encoding="utf-8").splitlines()[1:] == ["P1,0.0000001", "P2,123456.75"]
    assert read_cohort(out).frame["crp_mg_dl"].tolist() == [1e-7, 123456.75]
