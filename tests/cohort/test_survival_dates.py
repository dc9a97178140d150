"""Survival from dates: derived survival_months/dead and the row-level disagreement checks."""

from __future__ import annotations

import pytest

from spinemet.cohort import read_cohort, validate_file

# BASE: surgery_date 2015-03-02, survival_months 12.5, dead 1


def _errors(path):
    return [p for p in validate_file(path).problems if p.severity == "error"]


def test_dates_give_months_and_dead(write_csv):
    path = write_csv({"survival_months": "", "dead": "", "death_date": "2016-03-02"})
    frame = read_cohort(path).frame
    # 366 days (2016 is a leap year) / 30.4375
    assert frame.loc[0, "survival_months"] == pytest.approx(366 / 30.4375)
    assert frame.loc[0, "dead"] == 1.0
    path = write_csv({"survival_months": "", "dead": "", "last_contact_date": "2015-09-02"})
    frame = read_cohort(path).frame
    assert frame.loc[0, "survival_months"] == pytest.approx(184 / 30.4375)
    assert frame.loc[0, "dead"] == 0.0


def test_typed_values_that_agree_are_accepted(write_csv):
    # 366 / 30.4375 = 12.0246...; typed 12.02 differs by less than one day
    path = write_csv({"survival_months": "12.02", "dead": "1", "death_date": "2016-03-02"})
    assert _errors(path) == []
    assert read_cohort(path).frame.loc[0, "survival_months"] == pytest.approx(366 / 30.4375)


def test_disagreement_is_reported_with_the_row(write_csv):
    errs = _errors(write_csv({"death_date": "2016-03-02"}))  # typed 12.5 months
    assert [(e.row, e.column, e.value) for e in errs] == [(2, "survival_months", "12.5")]
    assert "366 days = 12.02 months" in errs[0].message
    errs = _errors(write_csv({"survival_months": "6.05", "dead": "1", "last_contact_date": "2015-09-02"}))
    assert [(e.row, e.column, e.value) for e in errs] == [(2, "dead", "1")]
    assert "only last_contact_date" in errs[0].message


def test_impossible_dates(write_csv):
    errs = _errors(write_csv({"survival_months": "", "dead": "", "death_date": "2014-01-01"}))
    assert [(e.column, e.allowed) for e in errs] == [("death_date", "a date on or after surgery_date")]
    errs = _errors(write_csv({"survival_months": "", "dead": "", "death_date": "2016-01-01",
                              "last_contact_date": "2016-02-01"}))
    assert [e.column for e in errs] == ["last_contact_date"]
    errs = _errors(write_csv({"surgery_date": "", "survival_months": "", "dead": "",
                              "death_date": "2016-01-01"}))
    assert [e.column for e in errs] == ["surgery_date"]


def test_typed_survival_alone_still_works(write_csv):
    frame = read_cohort(write_csv({})).frame
    assert (frame.loc[0, "survival_months"], frame.loc[0, "dead"]) == (12.5, 1.0)
    assert "death_date" not in frame.columns


def test_derive_survival_leaves_its_input_frame_as_it_was() -> None:
    """The derived columns go into a new frame that shares the other columns with the input (no copy of a
    large cohort); the input frame's own survival_months and dead are not written into."""
    import numpy as np
    import pandas as pd

    from spinemet.cohort.survival_dates import derive_survival

    frame = pd.DataFrame({
        "surgery_date": pd.to_datetime(["2015-03-02", "2015-03-02"]),
        "death_date": pd.to_datetime(["2016-03-02", None]),
        "survival_months": [np.nan, 7.0],
        "dead": [np.nan, 0.0],
        "age": [70.0, 60.0],
    })
    before = frame.copy()
    out, problems, used = derive_survival(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert problems == [] and used.tolist() == [True, False]
    assert out.loc[0, "survival_months"] == pytest.approx(366 / 30.4375) and out.loc[0, "dead"] == 1.0
    assert out.loc[1, "survival_months"] == 7.0
    assert np.shares_memory(out["age"].to_numpy(), frame["age"].to_numpy())
