"""Synthetic cohorts that resemble the study (Uei et al., J Orthop Surg Res 2018;13:17), at any size.

Proportions come from the paper: Table 1 (sex, age, primary site, level of the main lesion, modified
Frankel grade, Tokuhashi and SINS groups, ESCC grade, Barthel index, VAS), Table 3 (Frankel transitions,
smoothed), Table 4 (procedure, levels fused, operative time, blood loss, complications) and Table 5 (VAS,
Barthel after surgery, discharge, adjuvant therapy); survival has a median near the study's 12 months,
shorter in lower Tokuhashi groups. Several centres differ in case mix and in their share of MISt.
A few values are missing, as in real registries. Every row is valid under :func:`validate_frame`;
totals are computed from the components with the point tables of ``spinemet.scores``.

Fully vectorised (numpy): a million rows take a few seconds. Deterministic for a seed.
These are not patients: never present synthetic numbers as study results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinemet.cohort.dtypes import object_text
from spinemet.cohort.schema import COLUMNS, COMPLICATIONS, FRANKEL_GRADES, PRIMARY_TUMORS
from spinemet.pathway.radiosensitivity import STUDY_RADIORESISTANT
from spinemet.scores import (
    KPS_TO_ECOG,
    SINS_POINTS,
    TOKUHASHI_EXTRASPINAL_POINTS,
    TOKUHASHI_KPS_POINTS,
    TOKUHASHI_PALSY_POINTS,
    TOKUHASHI_PRIMARY_POINTS,
    TOKUHASHI_VERTEBRAL_POINTS,
    TOKUHASHI_VISCERAL_POINTS,
)
from spinemet.scores.levels import SINS_LOCATION_OF_LEVEL

__all__ = ["synth"]

# Table 1: primary site counts of 55 patients; the 5 "others" spread over the remaining codes.
_PRIMARY_WEIGHTS = {
    "lung": 11, "liver": 9, "prostate": 6, "myeloma": 5, "kidney": 4, "thyroid": 4, "lymphoma": 3,
    "gallbladder": 3, "breast": 2, "sarcoma": 2, "unknown": 1, "colon": 0.8, "rectum": 0.8, "stomach": 0.7,
    "esophagus": 0.4, "pancreas": 0.4, "bladder": 0.4, "uterus": 0.4, "other": 0.6, "osteosarcoma": 0.1,
    "carcinoid": 0.1, "head_neck": 0.3,
}  # fmt: skip
# Table 1: cervical 9, thoracic 32, lumbar 14 (scores.md §13: 32, not 34).
_LEVELS = [f"C{i}" for i in range(2, 8)] + [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)]
_LEVEL_WEIGHTS = [9 / 6] * 6 + [32 / 12] * 12 + [14 / 5] * 5
# Table 1: modified Frankel before surgery A 2, B 1, C 19, D1 15, D2 1, D3 10, E 7.
_FRANKEL_PRE = [2, 1, 19, 15, 1, 10, 7]
# Table 3: rows = before (A..E), columns = after (A..E).
_FRANKEL_TRANSITIONS = np.array(
    [
        [2, 0, 0, 0, 0, 0, 0],
        [1, 0, 0, 0, 0, 0, 0],
        [0, 1, 7, 3, 1, 1, 6],
        [0, 0, 0, 2, 4, 5, 4],
        [0, 0, 0, 0, 1, 0, 0],
        [0, 0, 1, 0, 0, 4, 5],
        [0, 0, 0, 0, 0, 1, 6],
    ],
    dtype=float,
)
_ESCC = ("0", "1a", "1b", "1c", "2", "3")
_ESCC_WEIGHTS = [1, 4, 4, 3, 23, 20]  # Table 1
_BARTHEL_LEVELS = {
    "feeding": 2,
    "bathing": 1,
    "grooming": 1,
    "dressing": 2,
    "bowels": 2,
    "bladder": 2,
    "toilet": 2,
    "transfers": 3,
    "mobility": 3,
    "stairs": 2,
}  # fmt: skip  (highest level; points = level * 5)
# Table 4 complication rates other than massive bleeding (blood loss) and early death (survival).
_COMPLICATION_RATES = {
    "epidural_hematoma": 2 / 55, "wound_dehiscence": 2 / 55, "upper_airway_obstruction": 1 / 55,
    "acute_renal_failure": 1 / 55, "surgical_site_infection": 1 / 55, "deep_vein_thrombosis": 1 / 55,
}  # fmt: skip
_TOMITA_GROWTH = {
    "slow": ("breast", "thyroid", "prostate", "carcinoid"),
    "moderate": ("kidney", "uterus", "myeloma", "lymphoma", "sarcoma"),
}
_KATAGIRI_SLOW = ("thyroid", "myeloma", "lymphoma")
_KATAGIRI_HORMONE = ("breast", "prostate")
_KATAGIRI_MODERATE = ("kidney", "uterus", "sarcoma", "other")


def _pick(rng: np.random.Generator, n: int, weights: list[float] | np.ndarray) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _codes(values: tuple[str, ...] | list[str], index: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=object)[index]


def _lookup(table: dict, keys: np.ndarray) -> np.ndarray:
    """Vectorised dict lookup of an object/int array (keys must all be present)."""
    codes, uniq = pd.factorize(keys)
    return np.array([table[k] for k in uniq.tolist()], dtype=float)[codes]


def _where(cond: np.ndarray, yes: str, no: str) -> np.ndarray:
    """``yes`` where ``cond`` else ``no``, as an object array sharing two string objects."""
    return np.array([no, yes], dtype=object)[np.asarray(cond, dtype=np.intp)]


def _blank(rng: np.random.Generator, x: np.ndarray, rate: float) -> np.ndarray:
    """A copy of ``x`` with about ``rate`` of the cells missing."""
    out = x.astype(float if x.dtype.kind in "fiu" else object, copy=True)
    out[rng.random(len(x)) < rate] = np.nan
    return out


def synth(n: int, *, seed: int = 0, sites: int = 1) -> pd.DataFrame:
    """A synthetic cohort of ``n`` patients from ``sites`` centres, typed like ``Cohort.frame``.

    Deterministic for ``seed``; all core columns plus the extension columns every score needs
    (Barthel ``_pre``/``_post`` items, Tomita, Katagiri, Bauer, NESMS inputs, laboratory values and
    spinemet's pathway columns).
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"n: got {n!r}; allowed: integer >= 0")
    if isinstance(sites, bool) or not isinstance(sites, int | np.integer) or not 1 <= sites <= 999:
        raise ValueError(f"sites: got {sites!r}; allowed: integer 1-999")
    if n == 0:
        return synth(1, seed=seed, sites=sites).iloc[:0]
    rng = np.random.default_rng(seed)
    n = int(n)
    out: dict[str, np.ndarray] = {}

    # centres: unequal sizes, each with its own share of MISt and case-mix shift
    site_share = rng.dirichlet(np.full(sites, 2.0)) if sites > 1 else np.ones(1)
    site = _pick(rng, n, site_share)
    site_mist = rng.beta(24, 31, size=sites)  # around the study's 24/55
    site_shift = rng.normal(0, 0.15, size=sites)
    width = max(7, len(str(n)))
    out["patient_id"] = np.char.add("SYN-", np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(
        object
    )
    out["site"] = _codes([f"site{k + 1:02d}" for k in range(sites)], site)

    # Table 1
    out["sex"] = _where(rng.random(n) < 37 / 55, "M", "F")
    out["age"] = np.clip(np.round(rng.normal(66.8, 11.5, n)), 20, 95)
    start = np.datetime64("2010-01-01")
    out["surgery_date"] = (start + rng.integers(0, 7 * 365, n).astype("timedelta64[D]")).astype("M8[ns]")
    prim_names = list(_PRIMARY_WEIGHTS)
    primary = _codes(prim_names, _pick(rng, n, list(_PRIMARY_WEIGHTS.values())))
    out["primary_tumor"] = primary
    level = _codes(_LEVELS, _pick(rng, n, _LEVEL_WEIGHTS))
    out["main_level"] = level
    f_pre = _pick(rng, n, _FRANKEL_PRE)
    smoothed = _FRANKEL_TRANSITIONS + 0.15 * (np.abs(np.subtract.outer(range(7), range(7))) <= 1)
    cum = np.cumsum(smoothed / smoothed.sum(axis=1, keepdims=True), axis=1)
    f_post = (rng.random(n)[:, None] > cum[f_pre]).sum(axis=1).clip(0, 6)
    out["frankel_pre"] = _codes(FRANKEL_GRADES, f_pre)
    out["frankel_post"] = _codes(FRANKEL_GRADES, f_post)

    # general condition (Tokuhashi mean 7.1, 73% in 0-8): KPS 30-90, lower in some centres
    kps_idx = _pick(rng, n, [0.06, 0.14, 0.2, 0.2, 0.19, 0.13, 0.08])
    kps_idx = np.clip(kps_idx + np.round(site_shift[site] * rng.random(n) * 2).astype(int), 0, 6)
    kps = (kps_idx + 3) * 10.0
    out["kps"] = kps
    out["ecog"] = _lookup(dict(KPS_TO_ECOG), kps.astype(int))
    extra = np.where(rng.random(n) < 0.35, 0, np.where(rng.random(n) < 0.45, rng.integers(1, 3, n),
                                                        3 + rng.poisson(2, n)))  # fmt: skip
    vert = np.where(rng.random(n) < 0.3, 1, np.where(rng.random(n) < 0.35, 2, 3 + rng.poisson(1.5, n)))
    out["extraspinal_bone_mets"] = extra.astype(float)
    out["vertebral_mets"] = vert.astype(float)
    visceral = _codes(("none", "removable", "unremovable"), _pick(rng, n, [0.45, 0.15, 0.40]))
    out["visceral_mets"] = visceral
    tok = (
        _lookup(dict(TOKUHASHI_KPS_POINTS), kps.astype(int))
        + _lookup(dict(TOKUHASHI_EXTRASPINAL_POINTS), np.minimum(extra, 3))
        + _lookup(dict(TOKUHASHI_VERTEBRAL_POINTS), np.minimum(vert, 3))
        + _lookup(dict(TOKUHASHI_VISCERAL_POINTS), visceral)
        + _lookup(dict(TOKUHASHI_PRIMARY_POINTS), primary)
        + _lookup(dict(TOKUHASHI_PALSY_POINTS), out["frankel_pre"])
    )
    out["tokuhashi"] = tok

    # SINS (mean 9.4; 7-12 in 87%)
    loc_table = dict(SINS_LOCATION_OF_LEVEL)
    lcodes, luniq = pd.factorize(level)
    sins_parts = {
        "sins_location": np.array([loc_table[u] for u in luniq.tolist()], dtype=object)[lcodes],
        "sins_pain": _codes(("mechanical", "occasional", "none"), _pick(rng, n, [0.55, 0.3, 0.15])),
        "sins_lesion": np.where(np.isin(primary, ["prostate", "breast"]) & (rng.random(n) < 0.6), "blastic",
                                _codes(("lytic", "mixed", "blastic"), _pick(rng, n, [0.65, 0.25, 0.1]))),
        "sins_alignment": _codes(("subluxation", "deformity", "normal"), _pick(rng, n, [0.08, 0.3, 0.62])),
        "sins_collapse": _codes(("over50", "under50", "involved_no_collapse", "none"),
                                _pick(rng, n, [0.25, 0.35, 0.25, 0.15])),
        "sins_posterolateral": _codes(("bilateral", "unilateral", "none"), _pick(rng, n, [0.35, 0.4, 0.25])),
    }  # fmt: skip
    sins_total = np.zeros(n)
    for name, codes in sins_parts.items():
        out[name] = codes if codes.dtype == object else codes.astype(object)
        sins_total += _lookup(dict(SINS_POINTS[name]), codes)
    out["sins"] = sins_total
    out["escc"] = _codes(_ESCC, _pick(rng, n, _ESCC_WEIGHTS))

    # Barthel items from a latent ability, worse with worse palsy (mean 48.7 before, 74.5 after)
    ability = np.clip(rng.beta(2.5, 2.3, n) + (f_pre - 4) * 0.06, 0, 1)
    gain = np.clip(rng.normal(0.29, 0.2, n) + (f_post - f_pre) * 0.05, -0.2, 0.8)
    after = np.clip(ability + gain, 0, 1)
    for when, level_ in (("pre", ability), ("post", after)):
        total = np.zeros(n)
        for item, top in _BARTHEL_LEVELS.items():
            pts = np.clip(np.round(level_ * top + rng.normal(0, 0.35, n)), 0, top) * 5
            out[f"barthel_{item}_{when}"] = pts
            total += pts
        out[f"barthel_{when}"] = total

    # pain (Table 1/5: 4.6 -> 0.9)
    out["vas_pre"] = np.clip(np.round(rng.normal(4.6, 2.2, n)), 1, 10)
    out["vas_post"] = np.clip(np.round(rng.normal(0.9, 1.0, n)), 0, 4)

    # surgery (Table 4)
    mist = rng.random(n) < site_mist[site]
    out["procedure"] = _where(mist, "mist", "conventional")
    out["levels_fused"] = np.clip(np.round(rng.normal(5.5, 1.8, n)), 2, 11)
    out["operative_time_min"] = np.clip(np.round(rng.normal(np.where(mist, 175, 220), 55)), 63, 371)
    loss = np.round(np.exp(rng.normal(np.log(np.where(mist, 150, 420)), 0.95)))
    out["blood_loss_ml"] = np.clip(loss, 5, 5000)

    # survival: Weibull, median by Tokuhashi group (study median 12.0 months); follow-up 3-48 months
    median = np.select([tok <= 8, tok <= 11], [12.5, 26.0], 48.0)
    shape = 1.1
    t_death = median / np.log(2) ** (1 / shape) * rng.weibull(shape, n)
    follow = rng.uniform(3, 48, n)
    dead = (t_death <= follow).astype(float)
    surv = np.round(np.minimum(t_death, follow), 1)
    early = rng.random(n) < 3 / 55
    in_hosp = early | (rng.random(n) < 4 / 55)
    surv = np.where(early, np.round(rng.uniform(0.1, 0.9, n), 1), surv)
    surv = np.where(in_hosp & ~early, np.round(rng.uniform(1.0, 3.0, n), 1), surv)
    dead = np.where(in_hosp, 1.0, dead)
    out["survival_months"] = surv
    out["dead"] = dead

    # complications as a bit mask, written in the format's order
    flags = {
        "massive_bleeding": out["blood_loss_ml"] > 1500,
        "early_death": early,
        **{k: rng.random(n) < p for k, p in _COMPLICATION_RATES.items()},
    }
    mask = np.zeros(n, dtype=np.int64)
    for bit, name in enumerate(COMPLICATIONS):
        if name in flags:
            mask |= flags[name].astype(np.int64) << bit
    uniq_m, inv_m = np.unique(mask, return_inverse=True)
    texts = [
        ";".join(c for b, c in enumerate(COMPLICATIONS) if m >> b & 1) or np.nan for m in uniq_m.tolist()
    ]
    out["complications"] = np.asarray(texts, dtype=object)[inv_m]

    # adjuvant therapy (Table 5): radiotherapy rarely for kidney/thyroid (radioresistant)
    resistant = np.isin(primary, STUDY_RADIORESISTANT)
    out["chemotherapy"] = _where(rng.random(n) < 31 / 55, "yes", "no")
    out["radiotherapy"] = _where(rng.random(n) < np.where(resistant, 0.1, 38 / 47), "yes", "no")
    out["bone_modifying_agent"] = _where(rng.random(n) < 39 / 55, "yes", "no")

    # discharge: the study's rule (home when Barthel >= 70 or family care)
    family = rng.random(n) < 0.45
    home = (out["barthel_post"] >= 70) | family
    disc = np.where(home, np.where(rng.random(n) < 0.97, 0, 3), np.where(rng.random(n) < 0.95, 1, 3))
    out["discharge"] = _codes(
        ("home", "hospice", "in_hospital_death", "transfer"), np.where(in_hosp, 2, disc)
    )

    # extension columns: Tomita, Katagiri, Bauer, NESMS, laboratory values, pathway columns
    growth = np.full(n, "rapid", dtype=object)
    for g, members in _TOMITA_GROWTH.items():
        growth[np.isin(primary, members)] = g
    out["tomita_primary_growth"] = growth
    out["tomita_visceral"] = _codes(
        ("none", "treatable", "untreatable"),
        np.select([visceral == "none", visceral == "removable"], [0, 1], 2),
    )
    solitary = (extra + vert) == 1
    out["tomita_bone_mets"] = _where(solitary, "solitary", "multiple")
    kat = np.full(n, "rapid", dtype=object)
    kat[np.isin(primary, _KATAGIRI_MODERATE)] = "moderate"
    kat[np.isin(primary, _KATAGIRI_HORMONE)] = np.where(
        rng.random(int(np.isin(primary, _KATAGIRI_HORMONE).sum())) < 0.7, "slow", "moderate"
    )
    lung = primary == "lung"
    kat[lung] = np.where(rng.random(int(lung.sum())) < 0.3, "moderate", "rapid")
    kat[np.isin(primary, _KATAGIRI_SLOW)] = "slow"
    out["katagiri_primary_growth"] = kat
    out["katagiri_visceral"] = _codes(
        ("none", "nodular", "disseminated"),
        np.where(visceral == "none", 0, np.where(rng.random(n) < 0.25, 2, 1)),
    )
    out["previous_chemotherapy"] = _where(rng.random(n) < 0.35, "yes", "no")
    out["multiple_skeletal_mets"] = _where(solitary, "no", "yes")
    out["solitary_skeletal_met"] = _where(solitary, "yes", "no")
    collapsed = np.isin(out["sins_collapse"], ["over50", "under50"])
    out["pathologic_fracture"] = _where(collapsed & (rng.random(n) < 0.8), "yes", "no")
    out["ambulatory"] = _codes(
        ("non_ambulatory", "dependent", "independent"), np.select([f_pre <= 2, f_pre <= 4], [0, 1], 2)
    )
    out["frankel_scale"] = np.full(n, "modified", dtype=object)
    out["crp_mg_dl"] = np.round(np.exp(rng.normal(np.log(0.8), 1.1, n)), 2)
    out["ldh_iu_l"] = np.round(np.exp(rng.normal(np.log(230), 0.35, n)))
    out["albumin_g_dl"] = np.round(np.clip(rng.normal(3.6, 0.5, n), 1.5, 5.2), 1)
    out["platelets_per_ul"] = np.round(np.clip(rng.normal(230_000, 80_000, n), 20_000, 600_000), -3)
    out["calcium_mg_dl"] = np.round(np.clip(rng.normal(9.4, 0.6, n), 7, 13), 1)
    out["bilirubin_mg_dl"] = np.round(np.exp(rng.normal(np.log(0.6), 0.45, n)), 1)
    out["family_care"] = _where(family, "yes", "no")
    out["en_bloc_candidate"] = _where((tok >= 12) & solitary & (visceral == "none"), "yes", "no")
    out["analgesic_or_rt_responsive"] = _where(rng.random(n) < 0.5, "yes", "no")
    out["reduced_will_to_live"] = _where(rng.random(n) < 0.1, "yes", "no")
    cervical = np.char.startswith(level.astype(str), "C")
    out["pedicles_confirmable"] = _where(rng.random(n) < np.where(cervical, 0.5, 0.93), "yes", "no")
    out["intractable_pain"] = _where((out["sins_pain"] == "mechanical") & (out["vas_pre"] >= 7), "yes", "no")

    # missing values, as in real registries (kept consistent with the cross-field rules)
    for name, rate in (("vas_pre", 0.02), ("vas_post", 0.04), ("blood_loss_ml", 0.02),
                       ("operative_time_min", 0.02), ("escc", 0.03), ("previous_chemotherapy", 0.03),
                       ("family_care", 0.03), ("crp_mg_dl", 0.08), ("ldh_iu_l", 0.08),
                       ("albumin_g_dl", 0.06), ("platelets_per_ul", 0.05), ("calcium_mg_dl", 0.06),
                       ("bilirubin_mg_dl", 0.06), ("age", 0.005)):  # fmt: skip
        out[name] = _blank(rng, out[name], rate)
    gone = rng.random(n) < 0.02  # extraspinal foci not counted: no Tokuhashi total either
    out["extraspinal_bone_mets"] = np.where(gone, np.nan, out["extraspinal_bone_mets"])
    out["tokuhashi"] = np.where(gone, np.nan, out["tokuhashi"])
    lost = (rng.random(n) < 0.01) & ~in_hosp & pd.isna(out["complications"])
    out["survival_months"] = np.where(lost, np.nan, out["survival_months"])
    out["dead"] = np.where(lost, np.nan, out["dead"])
    no_post = rng.random(n) < 0.02
    out["barthel_post"] = np.where(no_post, np.nan, out["barthel_post"])
    for item in _BARTHEL_LEVELS:
        out[f"barthel_{item}_post"] = np.where(no_post, np.nan, out[f"barthel_{item}_post"])

    for name, values in out.items():
        if values.dtype == float:
            out[name] = values + 0.0  # no negative zeros from rounding
    order = [c.name for c in COLUMNS if c.name in out]
    return object_text(pd.DataFrame({name: out[name] for name in order}, copy=False))  # pandas 3: object


assert set(_PRIMARY_WEIGHTS) <= set(PRIMARY_TUMORS)
