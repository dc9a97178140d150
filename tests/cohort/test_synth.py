"""Synthetic cohorts: valid, deterministic, resembling the study (Uei et al. 2018, Tables 1, 3-5)."""

from __future__ import annotations

import pandas as pd
import pytest

from spinemet.cohort import COLUMN_BY_NAME, synth, validate_frame
from spinemet.scores import sins, tokuhashi


@pytest.fixture(scope="module")
def big() -> pd.DataFrame:
    return synth(100_000, seed=0, sites=6)


def test_valid_without_any_problem(big):
    assert validate_frame(big) == []


def test_deterministic_for_a_seed():
    a, b = synth(500, seed=42, sites=3), synth(500, seed=42, sites=3)
    pd.testing.assert_frame_equal(a, b)
    assert not synth(500, seed=43, sites=3).equals(a)


def test_columns_and_types(big):
    assert list(big.columns) == [c for c in COLUMN_BY_NAME if c in big.columns]
    for c in ("kps", "tokuhashi", "survival_months", "dead", "barthel_feeding_pre", "crp_mg_dl"):
        assert big[c].dtype == "float64"
    assert big["surgery_date"].dtype == "datetime64[ns]"
    assert big["escc"].dropna().map(type).eq(str).all()
    assert big["site"].nunique() == 6 and big["patient_id"].is_unique


def test_resembles_the_study(big):
    """Table 1: 67% male, mean age 66.8, Tokuhashi mean 7.1 with 73% in 0-8, SINS mean 9.4; Table 4:
    44% MISt; Table 5: Barthel 48.7 -> 74.5; KM median 12 months (here the crude median is compared)."""
    assert big["sex"].eq("M").mean() == pytest.approx(37 / 55, abs=0.01)
    assert big["age"].mean() == pytest.approx(66.8, abs=0.5)
    assert big["tokuhashi"].mean() == pytest.approx(7.1, abs=0.3)
    assert (big["tokuhashi"] <= 8).mean() == pytest.approx(0.727, abs=0.06)
    assert big["sins"].mean() == pytest.approx(9.4, abs=0.3)
    assert big["procedure"].eq("mist").mean() == pytest.approx(24 / 55, abs=0.08)
    assert big["barthel_pre"].mean() == pytest.approx(48.7, abs=3)
    assert big["barthel_post"].mean() == pytest.approx(74.5, abs=3)
    assert big["primary_tumor"].eq("lung").mean() == pytest.approx(11 / 55, abs=0.01)
    region = big["main_level"].str[0].value_counts(normalize=True)
    assert region["T"] == pytest.approx(32 / 55, abs=0.01)
    assert big["discharge"].eq("home").mean() == pytest.approx(37 / 55, abs=0.08)


def test_some_values_missing_but_scores_computable_for_most(big):
    assert 0 < big["vas_post"].isna().mean() < 0.1
    assert big["tokuhashi"].notna().mean() > 0.95
    assert big[["tomita_primary_growth", "katagiri_primary_growth", "ambulatory"]].notna().all(axis=None)


def test_totals_agree_with_the_score_functions():
    f = synth(300, seed=8)
    for row in f.dropna(subset=["tokuhashi"]).itertuples():
        assert (
            tokuhashi(
                kps=int(row.kps),
                extraspinal_bone_mets=int(row.extraspinal_bone_mets),
                vertebral_mets=int(row.vertebral_mets),
                visceral_mets=row.visceral_mets,
                primary_tumor=row.primary_tumor,
                frankel_pre=row.frankel_pre,
            ).total
            == row.tokuhashi
        )
        assert sins(main_level=row.main_level, sins_pain=row.sins_pain, sins_lesion=row.sins_lesion,
                    sins_alignment=row.sins_alignment, sins_collapse=row.sins_collapse,
                    sins_posterolateral=row.sins_posterolateral).total == row.sins  # fmt: skip


def test_rules_the_validator_checks_hold(big):
    early = big["complications"].fillna("").str.contains("early_death")
    assert (
        early.any() and (big.loc[early, "dead"] == 1).all() and (big.loc[early, "survival_months"] < 1).all()
    )
    massive = big["complications"].fillna("").str.contains("massive_bleeding")
    assert (big.loc[massive, "blood_loss_ml"].dropna() > 1500).all()
    assert (big["dead"].isna() == big["survival_months"].isna()).all()


def test_bad_arguments():
    with pytest.raises(ValueError, match="n: got -1"):
        synth(-1)
    with pytest.raises(ValueError, match="sites"):
        synth(3, sites=0)
    assert len(synth(0)) == 0


def test_survival_resembles_the_study(big):
    """Kaplan-Meier median near the study's 12.0 months, shorter in the Tokuhashi 0-8 group."""
    from spinemet.analysis import kaplan_meier

    d = big.dropna(subset=["survival_months"])
    median = kaplan_meier(d["survival_months"].to_numpy(), d["dead"].to_numpy()).median
    assert 10.5 <= median <= 14.5
    low = d[d["tokuhashi"] <= 8]
    high = d[d["tokuhashi"] >= 12]
    assert kaplan_meier(low["survival_months"].to_numpy(), low["dead"].to_numpy()).median < median
    assert kaplan_meier(high["survival_months"].to_numpy(), high["dead"].to_numpy()).median > 2 * median
