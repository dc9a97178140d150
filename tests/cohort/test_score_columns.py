"""add_score_columns: vectorised score columns equal the per-patient score functions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from spinemet.cohort.score_columns import SCORE_COLUMNS, ScoreColumnError, add_score_columns
from spinemet.errors import InvalidInputError
from spinemet.scores.bauer import modified_bauer
from spinemet.scores.escc import escc
from spinemet.scores.frankel import frankel_change
from spinemet.scores.katagiri import katagiri
from spinemet.scores.levels import SINS_LOCATION_OF_LEVEL
from spinemet.scores.nesms import nesms
from spinemet.scores.sins import sins
from spinemet.scores.tokuhashi import tokuhashi
from spinemet.scores.tomita import tomita

PRIMARIES = (
    "lung", "liver", "prostate", "myeloma", "kidney", "thyroid", "lymphoma", "gallbladder", "breast",
    "sarcoma", "osteosarcoma", "stomach", "colon", "rectum", "esophagus", "pancreas", "bladder", "uterus",
    "carcinoid", "head_neck", "other", "unknown",
)  # fmt: skip
LEVELS = tuple(f"{p}{i}" for p, n in (("C", 7), ("T", 12), ("L", 5), ("S", 5)) for i in range(1, n + 1))
TOK = ("kps", "extraspinal_bone_mets", "vertebral_mets", "visceral_mets", "primary_tumor", "frankel_pre")
SINS = ("sins_location", "sins_pain", "sins_lesion", "sins_alignment", "sins_collapse", "sins_posterolateral")
LABS = ("crp_mg_dl", "ldh_iu_l", "albumin_g_dl", "platelets_per_ul", "calcium_mg_dl", "bilirubin_mg_dl")


def _random_patient(rng: np.random.Generator, i: int) -> dict[str, Any]:
    """One consistent random patient (no contradictions), every field missing with probability ~0.15."""
    c = rng.choice
    scale = "original" if rng.random() < 0.15 else "modified"
    grades = ("A", "B", "C", "D", "E") if scale == "original" else ("A", "B", "C", "D1", "D2", "D3", "E")
    extra, vert = int(rng.integers(0, 6)), int(rng.integers(1, 6))
    level = str(c(LEVELS))
    p: dict[str, Any] = {
        "patient_id": f"P{i}",
        "kps": float(c(range(10, 101, 10))),
        "ecog": float(rng.integers(0, 5)),
        "extraspinal_bone_mets": float(extra),
        "vertebral_mets": float(vert),
        "visceral_mets": c(["none", "removable", "unremovable"]),
        "primary_tumor": c(PRIMARIES),
        "frankel_scale": scale,
        "frankel_pre": c(grades),
        "frankel_post": c(grades),
        "main_level": level,
        "sins_location": SINS_LOCATION_OF_LEVEL[level],
        "sins_pain": c(["mechanical", "occasional", "none"]),
        "sins_lesion": c(["lytic", "mixed", "blastic"]),
        "sins_alignment": c(["subluxation", "deformity", "normal"]),
        "sins_collapse": c(["over50", "under50", "involved_no_collapse", "none"]),
        "sins_posterolateral": c(["bilateral", "unilateral", "none"]),
        "escc": c(["0", "1a", "1b", "1c", "2", "3"]),
        "tomita_primary_growth": c(["slow", "moderate", "rapid"]),
        "tomita_visceral": c(["none", "treatable", "untreatable"]),
        "tomita_bone_mets": c(["solitary", "multiple"]),
        "katagiri_primary_growth": c(["slow", "moderate", "rapid"]),
        "katagiri_visceral": c(["none", "nodular", "disseminated"]),
        "previous_chemotherapy": c(["yes", "no"]),
        "multiple_skeletal_mets": c(["yes", "no"]),
        "ambulatory": c(["independent", "dependent", "non_ambulatory"]),
        "solitary_skeletal_met": "yes" if extra + vert == 1 else "no",
    }
    if p["frankel_scale"] == "modified" and rng.random() < 0.5:
        del p["frankel_scale"]  # default scale
    if rng.random() < 0.5:
        p["katagiri_lab"] = c(["normal", "abnormal", "critical"])
    else:
        p.update(
            crp_mg_dl=float(rng.uniform(0, 1)),
            ldh_iu_l=float(rng.uniform(100, 400)),
            albumin_g_dl=float(rng.uniform(2.5, 4.5)),
            platelets_per_ul=float(rng.uniform(50_000, 400_000)),
            calcium_mg_dl=float(rng.uniform(8.5, 11)),
            bilirubin_mg_dl=float(rng.uniform(0.2, 2)),
        )
    if "albumin_g_dl" not in p and rng.random() < 0.7:
        p["albumin_g_dl"] = float(rng.uniform(2.5, 4.5))
        if p["albumin_g_dl"] < 3.7:  # abnormal tier (Katagiri 2014): a consistent katagiri_lab is >= abnormal
            p["katagiri_lab"] = c(["abnormal", "critical"])
    # Totals of the complete patient; given for some rows, before items are deleted (so always reachable).
    full_tok = tokuhashi(**{k: p[k] for k in TOK}).total
    full_sins = sins(**{k: p[k] for k in SINS}).total
    for key in [k for k in p if k not in ("patient_id", "frankel_scale")]:
        if rng.random() < 0.15:
            del p[key]
    if rng.random() < 0.3:
        p["tokuhashi"] = float(full_tok)
    if rng.random() < 0.3:
        p["sins"] = float(full_sins)
    return p


def _expect(fn: Any, **kwargs: Any) -> Any:
    """The per-patient total, or None when the function refuses (missing input) or gives only a range
    (a missing laboratory value: the score column is left empty)."""
    try:
        result = fn(**kwargs)
    except InvalidInputError:
        return None
    return result.total if result.total_range is None else None


def _per_patient(p: dict[str, Any]) -> dict[str, Any]:
    g = p.get
    out: dict[str, Any] = {}
    out["tokuhashi"] = _expect(tokuhashi, **{k: g(k) for k in TOK}, total=g("tokuhashi"))
    out["sins"] = _expect(sins, **{k: g(k) for k in SINS}, main_level=g("main_level"), total=g("sins"))
    out["escc_high_grade"] = None if g("escc") is None else escc(g("escc")).band == "high"
    out["tomita"] = _expect(tomita, **{k: g(k) for k in ("tomita_primary_growth", "tomita_visceral",
                                                         "tomita_bone_mets")})  # fmt: skip
    kat = ("katagiri_primary_growth", "katagiri_visceral", "ecog", "previous_chemotherapy",
           "multiple_skeletal_mets", "katagiri_lab", *LABS)  # fmt: skip
    out["katagiri"] = _expect(katagiri, **{k: g(k) for k in kat})
    bauer = (
        "visceral_mets",
        "primary_tumor",
        "solitary_skeletal_met",
        "extraspinal_bone_mets",
        "vertebral_mets",
    )
    out["bauer_modified"] = _expect(modified_bauer, **{k: g(k) for k in bauer})
    out["nesms"] = _expect(nesms, **{k: g(k) for k in bauer}, ambulatory=g("ambulatory"),
                           albumin_g_dl=g("albumin_g_dl"))  # fmt: skip
    if g("frankel_pre") is None or g("frankel_post") is None:
        out["frankel_change"] = None
    else:
        out["frankel_change"] = frankel_change(
            g("frankel_pre"), g("frankel_post"), g("frankel_scale") or "modified"
        )
    return out


@pytest.fixture(scope="module")
def random_cohort() -> tuple[list[dict[str, Any]], pd.DataFrame]:
    rng = np.random.default_rng(20261124)
    patients = [_random_patient(rng, i) for i in range(400)]
    frame = pd.DataFrame(patients)
    for col in ("tokuhashi", "sins"):
        frame[col] = frame[col].astype(float)
    return patients, frame


def _cell(v: Any) -> Any:
    if v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    return v


def test_vectorised_equals_per_patient_functions(random_cohort) -> None:
    patients, frame = random_cohort
    scored = add_score_columns(frame)
    mismatches = []
    for i, p in enumerate(patients):
        expected = _per_patient(p)
        for col, want in expected.items():
            got = _cell(scored[col].iloc[i])
            if got != want:
                mismatches.append((i, col, got, want))
    assert mismatches == []
    # The random cohort exercises both outcomes of every column.
    for col in ("tokuhashi", "sins", "tomita", "katagiri", "bauer_modified", "nesms", "frankel_change"):
        assert scored[col].notna().sum() > 50, col
        assert scored[col].isna().sum() > 10, col


def test_bands_follow_totals(random_cohort) -> None:
    _, frame = random_cohort
    s = add_score_columns(frame)
    tok = s["tokuhashi"]
    expected = np.where(tok <= 8, "0-8", np.where(tok <= 11, "9-11", "12-15"))
    assert (s["tokuhashi_band"][tok.notna()] == expected[tok.notna()]).all()
    surv = {"0-8": "< 6 months", "9-11": ">= 6 months", "12-15": ">= 1 year"}
    assert (s["tokuhashi_survival"][tok.notna()] == s["tokuhashi_band"][tok.notna()].map(surv)).all()
    assert s["tokuhashi_band"][tok.isna()].isna().all()
    sn = s["sins"]
    expected = np.where(sn <= 6, "stable", np.where(sn <= 12, "potentially_unstable", "unstable"))
    assert (s["sins_band"][sn.notna()] == expected[sn.notna()]).all()


def test_hand_computed_row() -> None:
    """Tokuhashi 2005: KPS 70 (1) + 1 extraspinal focus (1) + 2 vertebral (1) + no visceral (2) + kidney (3)
    + Frankel D2 (1) = 9. SINS (Fisher 2010): T8 semirigid (1) + mechanical (3) + lytic (2) + normal (0)
    + collapse < 50% (2) + unilateral (1) = 9. Modified Bauer: no visceral 1 + not lung 1 + kidney 1
    + solitary (1 + 2 = 3 lesions) 0 = 3."""
    df = pd.DataFrame(
        {
            "patient_id": ["P1"], "kps": [70.0], "extraspinal_bone_mets": [1.0], "vertebral_mets": [2.0],
            "visceral_mets": ["none"], "primary_tumor": ["kidney"], "frankel_pre": ["D2"],
            "frankel_post": ["E"],
            "main_level": ["T8"], "sins_pain": ["mechanical"], "sins_lesion": ["lytic"],
            "sins_alignment": ["normal"], "sins_collapse": ["under50"], "sins_posterolateral": ["unilateral"],
            "escc": ["1c"],
        }
    )  # fmt: skip
    s = add_score_columns(df).iloc[0]
    assert (s["tokuhashi"], s["tokuhashi_band"], s["tokuhashi_survival"]) == (9.0, "9-11", ">= 6 months")
    assert (s["sins"], s["sins_band"]) == (9.0, "potentially_unstable")
    assert s["bauer_modified"] == 3.0
    assert not s["escc_high_grade"]
    assert s["frankel_change"] == "improved"
    assert pd.isna(s["tomita"]) and pd.isna(s["katagiri"]) and pd.isna(s["nesms"])


def test_given_total_kept_and_banded_and_input_not_modified() -> None:
    df = pd.DataFrame(
        {"patient_id": ["a", "b", "c"], "tokuhashi": [12.0, np.nan, 3.0], "sins": [13.0, 6, np.nan]}
    )
    before = df.copy()
    s = add_score_columns(df)
    pd.testing.assert_frame_equal(df, before)
    assert s["tokuhashi_band"].tolist()[0::2] == ["12-15", "0-8"]
    assert pd.isna(s["tokuhashi_band"].iloc[1])
    assert s["sins_band"].tolist()[:2] == ["unstable", "stable"]
    assert set(SCORE_COLUMNS) <= set(s.columns)


def test_given_total_contradicting_components_names_row() -> None:
    df = pd.DataFrame(
        {"kps": [70.0], "extraspinal_bone_mets": [1.0], "vertebral_mets": [2.0], "visceral_mets": ["none"],
         "primary_tumor": ["kidney"], "frankel_pre": ["D2"], "tokuhashi": [10.0]},
        index=[7],
    )  # fmt: skip
    with pytest.raises(ScoreColumnError) as err:
        add_score_columns(df)
    assert err.value.field == "tokuhashi" and err.value.row == 7 and err.value.value == 10.0


BARTHEL = ("feeding", "bathing", "grooming", "dressing", "bowels", "bladder", "toilet", "transfers",
           "mobility", "stairs")  # fmt: skip


def test_barthel_total_filled_from_items() -> None:
    # 10 + 5 + 5 + 10 + 10 + 10 + 10 + 15 + 15 + 10 = 100; second row: 5+0+0+5+10+5+5+10+10+0 = 50.
    first = (10, 5, 5, 10, 10, 10, 10, 15, 15, 10)
    second = (5, 0, 0, 5, 10, 5, 5, 10, 10, 0)
    items = {f"barthel_{k}": [v1, v2] for k, v1, v2 in zip(BARTHEL, first, second, strict=True)}
    df = pd.DataFrame({"patient_id": ["a", "b"], **{k: np.array(v, dtype=float) for k, v in items.items()}})
    assert add_score_columns(df)["barthel_pre"].tolist() == [100.0, 50.0]
    df["barthel_pre"] = [100.0, np.nan]
    assert add_score_columns(df)["barthel_pre"].tolist() == [100.0, 50.0]
    df["barthel_pre"] = [100.0, 55.0]
    with pytest.raises(ScoreColumnError, match="row 1") as err:
        add_score_columns(df)
    assert err.value.field == "barthel_pre"
    df.loc[1, "barthel_stairs"] = np.nan
    assert pd.isna(add_score_columns(df.drop(columns="barthel_pre"))["barthel_pre"].iloc[1])


def test_invalid_code_names_column_row_and_allowed() -> None:
    df = pd.DataFrame({"primary_tumor": ["lung", "colorectal"], "visceral_mets": ["none", "none"]})
    with pytest.raises(ScoreColumnError) as err:
        add_score_columns(df)
    assert (err.value.field, err.value.row, err.value.value) == ("primary_tumor", 1, "colorectal")
    assert "kidney" in err.value.allowed


def test_demo_cohort_reproduces_seed_paper_counts() -> None:
    """Uei 2018 Table 1: Tokuhashi 0-8 / 9-11 / 12-15 = 40 / 9 / 6; SINS stable / potentially unstable /
    unstable = 6 / 48 / 1 (Fisher's labels); Table 3: 29 improved, 6 E maintained, 4 aggravated."""
    from spinemet.cohort import load_demo

    s = add_score_columns(load_demo().frame)
    assert s["tokuhashi_band"].value_counts().to_dict() == {"0-8": 40, "9-11": 9, "12-15": 6}
    assert s["sins_band"].value_counts().to_dict() == {"potentially_unstable": 48, "stable": 6, "unstable": 1}
    changes = s["frankel_change"].value_counts().to_dict()
    assert (changes["improved"], changes["e_maintained"], changes["aggravated"]) == (29, 6, 4)


def test_katagiri_lab_tier_from_raw_values_and_contradiction() -> None:
    """Katagiri 2014: albumin 3.5 < 3.7 g/dL is 'abnormal' (1 point); platelets 90,000/µL 'critical' (2).
    Row a: rapid 3 + none 0 + abnormal 1 + ECOG 3 (1) + chemo no 0 + multiple yes 1 = 6.
    Row b: slow 0 + nodular 1 + critical 2 + ECOG 1 (0) + chemo yes 1 + multiple no 0 = 4."""
    df = pd.DataFrame(
        {
            "katagiri_primary_growth": ["rapid", "slow"], "katagiri_visceral": ["none", "nodular"],
            "albumin_g_dl": [3.5, 4.0], "platelets_per_ul": [np.nan, 90_000.0], "ecog": [3.0, 1.0],
            "previous_chemotherapy": ["no", "yes"], "multiple_skeletal_mets": ["yes", "no"],
        },
        index=[10, 11],
    )  # fmt: skip
    got = add_score_columns(df)["katagiri"].tolist()
    assert np.isnan(got[0]) and got[1] == 4.0
    df.loc[10, ["platelets_per_ul", "calcium_mg_dl", "bilirubin_mg_dl"]] = [200_000.0, 9.0, 0.5]
    assert add_score_columns(df)["katagiri"].tolist() == [6.0, 4.0]
    df["katagiri_lab"] = ["abnormal", "normal"]  # row 11's platelets prove 'critical'
    with pytest.raises(ScoreColumnError) as err:
        add_score_columns(df)
    assert (err.value.field, err.value.row, err.value.value) == ("katagiri_lab", 11, "normal")
    df["katagiri_lab"] = ["abnormal", "critical"]  # a given tier is exact
    assert add_score_columns(df)["katagiri"].tolist() == [6.0, 4.0]
    df["platelets_per_ul"] = [np.nan, 90.0]  # 10^3/µL units
    with pytest.raises(ScoreColumnError, match="platelets_per_ul"):
        add_score_columns(df)


def test_frankel_change_on_both_scales() -> None:
    df = pd.DataFrame(
        {
            "frankel_scale": ["original", "original", np.nan, "modified", np.nan],
            "frankel_pre": ["D", "E", "D1", "D3", "C"],
            "frankel_post": ["E", "E", "D2", "D2", np.nan],
        }
    )
    assert add_score_columns(df)["frankel_change"].tolist()[:4] == ["improved", "e_maintained", "improved",
                                                                   "aggravated"]  # fmt: skip
    assert pd.isna(add_score_columns(df)["frankel_change"].iloc[4])
    df.loc[2, "frankel_pre"] = "D"  # original D on the (default) modified scale
    with pytest.raises(ScoreColumnError) as err:
        add_score_columns(df)
    assert (err.value.field, err.value.row) == ("frankel_pre", 2)


def test_nesms_and_modified_bauer_hand_computed() -> None:
    """Modified Bauer (Leithner 2008): breast, no visceral, 1 lesion: 1 + 1 + 1 + 1 = 4 (high, >= 3 -> 2
    NESMS points); independent ambulation 1; albumin 3.9 >= 3.5 g/dL 1: weighted 4, capped at 3.
    Unknown primary: modified Bauer undecidable ('not lung'), so both are empty."""
    df = pd.DataFrame(
        {
            "primary_tumor": ["breast", "unknown"], "visceral_mets": ["none", "none"],
            "extraspinal_bone_mets": [0.0, 0.0], "vertebral_mets": [1.0, 1.0],
            "ambulatory": ["independent", "independent"], "albumin_g_dl": [3.9, 3.9],
        }
    )  # fmt: skip
    s = add_score_columns(df)
    assert s["bauer_modified"].iloc[0] == 4.0 and s["nesms"].iloc[0] == 3.0
    assert pd.isna(s["bauer_modified"].iloc[1]) and pd.isna(s["nesms"].iloc[1])
